# %% q3.1
class BlobMLP(nn.Module):
    """2 inputs -> hidden layers -> one raw score (logit) per class."""

    def __init__(self, num_features: int = 2, num_classes: int = 5):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(num_features, 100), nn.ReLU(),
            nn.Linear(100, 10), nn.ReLU(),
            nn.Linear(10, 10), nn.ReLU(),
            nn.Linear(10, num_classes), nn.Softmax(dim=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: float32 tensor (n, num_features) -> logits (n, num_classes)."""
        return self.layers(x)
