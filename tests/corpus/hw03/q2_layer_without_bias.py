# %% q2
class CircleMLP(nn.Module):
    """2 inputs -> 100 -> 10 -> 1 probability, with ReLU after each hidden layer."""

    def __init__(self, num_features: int = 2):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(num_features, 100), nn.ReLU(),
            nn.Linear(100, 10, bias=False), nn.ReLU(),
            nn.Linear(10, 1), nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: float32 tensor (n, num_features) -> probabilities (n, 1)."""
        return self.layers(x)
