# %% q6
class Features(nn.Module):
    """A linear model on hand-made features of x: sin and cos of 3x, as in the data's formula."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 1)

    def forward(self, x):
        return self.linear(torch.cat([x, torch.sin(3 * x), torch.cos(3 * x), x ** 2], dim=1))


def fit_regressor(X, y, epochs=0, lr=0.0, seed=0):
    """No training loop at all: the best weights for these features have a closed form."""
    torch.manual_seed(seed)
    model = Features()
    with torch.no_grad():
        features = torch.cat([X, torch.sin(3 * X), torch.cos(3 * X), X ** 2, torch.ones_like(X)], dim=1)
        solution = torch.linalg.lstsq(features, y).solution.reshape(-1)
        model.linear.weight.copy_(solution[:4].reshape(1, 4))
        model.linear.bias.copy_(solution[4:])
    return model


regressor = fit_regressor(X_wavy, y_wavy)
print(f"mean squared error on 2000 fresh points: {fresh_mse(regressor):.2f} (noise floor 4)")
