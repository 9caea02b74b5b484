# %% q7
class XORNet(nn.Module):
    """2 inputs -> `hidden` units with a non-linearity -> 1 probability."""

    def __init__(self, hidden: int = 8):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, hidden), nn.Linear(hidden, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (n, 2) -> probabilities (n, 1)."""
        return self.layers(x)


torch.manual_seed(0)
xor_model = XORNet()
xor_optimizer = torch.optim.Adam(xor_model.parameters(), lr=0.05)
xor_losses = train(xor_model, X_xor, y_xor.float().unsqueeze(1), nn.BCELoss(), xor_optimizer, 300)
plotting.plot_decision_boundary(xor_model, X_xor, y_xor, title="XORNet on XOR")
