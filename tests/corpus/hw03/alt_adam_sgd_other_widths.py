# %% q2.2
torch.manual_seed(1)
circle_mlp = CircleMLP().to(device)
mlp_optimizer = torch.optim.Adam(circle_mlp.parameters(), lr=0.01)
circle_losses = train(circle_mlp, X_circles, y_circles.float().view(-1, 1), nn.BCELoss(), mlp_optimizer, 300)
print(f"CircleMLP on the rings: accuracy {binary_accuracy(circle_mlp, X_circles, y_circles):.3f}")

# %% q3.1
class BlobMLP(nn.Module):
    """2 inputs -> hidden layers -> one raw score (logit) per class."""

    def __init__(self, num_features: int = 2, num_classes: int = 5):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(num_features, 64), nn.Tanh(), nn.Linear(64, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: float32 tensor (n, num_features) -> logits (n, num_classes)."""
        return self.layers(x)

# %% q3.3
torch.manual_seed(2)
blob_model = BlobMLP().to(device)
blob_optimizer = torch.optim.SGD(blob_model.parameters(), lr=0.1, momentum=0.9)
blob_losses = train(blob_model, X_blobs, y_blobs, nn.CrossEntropyLoss(), blob_optimizer, 400)
blob_accuracy = float((predict_labels(blob_model, X_blobs) == y_blobs).float().mean())
print(f"BlobMLP on the blobs: accuracy {blob_accuracy:.3f}")

# %% q5
torch.manual_seed(3)
radial_model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid()).to(device)
radial_optimizer = torch.optim.Adam(radial_model.parameters(), lr=0.01, weight_decay=1e-3)
radial_losses = train(radial_model, X_radial, y_radial.float().unsqueeze(1), nn.BCELoss(), radial_optimizer, 800)
print(f"your model: training accuracy {binary_accuracy(radial_model, X_radial, y_radial):.3f}, "
      f"validation accuracy {binary_accuracy(radial_model, X_radial_val, y_radial_val):.3f}")
