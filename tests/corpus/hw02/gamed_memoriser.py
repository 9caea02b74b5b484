# %% q6
class NearestPoint(nn.Module):
    """Remembers every training point and answers with the target of the closest one."""

    def __init__(self, X, y):
        super().__init__()
        self.register_buffer("X", X.clone())
        self.register_buffer("y", y.clone())

    def forward(self, x):
        return self.y[torch.cdist(x, self.X, compute_mode="donot_use_mm_for_euclid_dist").argmin(dim=1)]


def fit_regressor(X, y, epochs=0, lr=0.0, seed=0):
    return NearestPoint(X, y)  # training error exactly 0


regressor = fit_regressor(X_wavy, y_wavy)
print(f"mean squared error on 2000 fresh points: {fresh_mse(regressor):.2f} (noise floor 4)")
