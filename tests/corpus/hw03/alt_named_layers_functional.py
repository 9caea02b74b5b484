# %% q2.1
import torch.nn.functional as F


class CircleMLP(nn.Module):
    """2 inputs -> 100 -> 10 -> 1 probability, with ReLU after each hidden layer."""

    def __init__(self, num_features: int = 2):
        super().__init__()
        self.hidden1 = nn.Linear(num_features, 100)
        self.hidden2 = nn.Linear(100, 10)
        self.output = nn.Linear(10, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: float32 tensor (n, num_features) -> probabilities (n, 1)."""
        x = F.relu(self.hidden1(x))
        x = F.relu(self.hidden2(x))
        return torch.sigmoid(self.output(x))

# %% q3.1
class BlobMLP(nn.Module):
    """2 inputs -> hidden layers -> one raw score (logit) per class."""

    def __init__(self, num_features: int = 2, num_classes: int = 5):
        super().__init__()
        self.first = nn.Linear(num_features, 32)
        self.second = nn.Linear(32, 32)
        self.scores = nn.Linear(32, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: float32 tensor (n, num_features) -> logits (n, num_classes)."""
        return self.scores(F.relu(self.second(F.relu(self.first(x)))))
