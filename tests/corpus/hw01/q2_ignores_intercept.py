# %% q2
class NeuronFromParameters(nn.Module):
    """One neuron built from raw parameters: sigmoid(b + x . w)."""

    def __init__(self, num_features: int):
        super().__init__()
        self.intercept = nn.Parameter(torch.zeros(1))
        self.weights = nn.Parameter(0.01 * torch.randn(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: float32 tensor of shape (n, num_features) -> probabilities of shape (n, 1)."""
        return torch.sigmoid(x @ self.weights).unsqueeze(1)
