# %% q2.1
class CircleMLP(nn.Module):
    """2 inputs -> 100 -> 10 -> 1 probability, with ReLU after each hidden layer."""

    def __init__(self, num_features: int = 2):
        super().__init__()
        self.fc1 = nn.Linear(num_features, 100)
        self.fc2 = nn.Linear(100, 10)
        self.fc3 = nn.Linear(10, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: float32 tensor (n, num_features) -> probabilities (n, 1)."""
        h = self.fc1(x)
        h = torch.where(h > 0, h, 0.0)  # ReLU written out
        h = self.fc2(h).clamp(min=0)
        z = self.fc3(h)
        return 1 / (1 + torch.exp(-z))  # the sigmoid of the lecture's formula

# %% q3.1
class BlobMLP(nn.Module):
    """2 inputs -> hidden layers -> one raw score (logit) per class."""

    def __init__(self, num_features: int = 2, num_classes: int = 5):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(num_features, 64), nn.BatchNorm1d(64), nn.LeakyReLU(0.1), nn.Dropout(0.1),
            nn.Linear(64, 32), nn.LeakyReLU(0.1),
            nn.Linear(32, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: float32 tensor (n, num_features) -> logits (n, num_classes)."""
        return self.layers(x / 10)  # the centres lie in (-10, 10): scale the inputs to about (-1, 1)

# %% q5
class RadialNet(nn.Module):
    """Inputs scaled by pi, one hidden layer of 16 ELU units, sigmoid output."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 16)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        return torch.sigmoid(self.out(nn.functional.elu(self.hidden(x / math.pi))))


import math

torch.manual_seed(0)
radial_model = RadialNet().to(device)
radial_optimizer = torch.optim.Adam(radial_model.parameters(), lr=0.02)
radial_losses = train(radial_model, X_radial, y_radial.float().unsqueeze(1), nn.BCELoss(), radial_optimizer, 1000)
print(f"your model: training accuracy {binary_accuracy(radial_model, X_radial, y_radial):.3f}, "
      f"validation accuracy {binary_accuracy(radial_model, X_radial_val, y_radial_val):.3f}")
plotting.plot_decision_boundary(radial_model, X_radial, y_radial, title="radial_model")
