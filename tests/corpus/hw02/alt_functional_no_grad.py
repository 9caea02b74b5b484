# %% q1
device = get_device()
print("this notebook computes on:", device)


def to_float_tensor(data, device):
    """One path for lists and arrays: numpy first, then a single conversion."""
    return torch.as_tensor(np.asarray(data), dtype=torch.float32, device=device)


def as_column(v):
    return v.reshape(-1, 1)


def affine(X, W, b):
    return nn.functional.linear(X, W, b)


counts = to_float_tensor([[1, 2, 3], [4, 5, 6]], device)
readings = to_float_tensor(np.linspace(0.0, 1.0, 5), device)
print(counts.dtype, tuple(counts.shape), counts.device, "|", readings.dtype, tuple(as_column(readings).shape))

# %% q2
class LinearRegressionModel(nn.Module):
    """Parameters named as in the lecture, started at zero."""

    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.zeros(1))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.addcmul(self.bias, self.weights, x)

# %% q3
def train_and_test(model, X_train, y_train, X_test, y_test, epochs, lr=0.01, every=10):
    """Same loop, written with torch.no_grad(), an evaluation before recording, and zero_grad first."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    history = {"epoch": [], "train": [], "test": []}
    for epoch in range(epochs):
        model.train()
        optimizer.zero_grad()
        loss = nn.functional.l1_loss(model(X_train), y_train)
        loss.backward()
        optimizer.step()
        if epoch % every:
            continue
        model.eval()
        with torch.no_grad():
            test_loss = nn.functional.l1_loss(model(X_test), y_test)
        history["epoch"].append(epoch)
        history["train"].append(float(loss))
        history["test"].append(float(test_loss))
    return history["epoch"], history["train"], history["test"]


torch.manual_seed(42)
line_model = LinearRegressionModel().to(device)
epoch_count, train_losses, test_losses = train_and_test(
    line_model, X_train.to(device), y_train.to(device), X_test.to(device), y_test.to(device),
    epochs=400, lr=0.05, every=20)
print("learned:", {name: round(p.item(), 3) for name, p in line_model.named_parameters()})

# %% q4
def predict(model, X):
    model.eval()
    with torch.no_grad():
        return model(X.to(next(model.parameters()).device))


print(predict(line_model, X_test).requires_grad)

# %% q5
from functools import reduce


def collapse_linear(stack):
    """Fold (W, b) pairs: (W2, b2) after (W1, b1) is (W2 W1, W2 b1 + b2)."""
    def fold(acc, layer):
        W, b = acc
        b_layer = layer.bias if layer.bias is not None else torch.zeros(layer.out_features)
        return layer.weight @ W, layer.weight @ b + b_layer

    with torch.no_grad():
        n = stack[0].in_features
        W, b = reduce(fold, stack, (torch.eye(n), torch.zeros(n)))
        single = nn.Linear(W.shape[1], W.shape[0])
        single.weight.copy_(W)
        single.bias.copy_(b)
    return single


print(collapse_linear(nn.Sequential(nn.Linear(3, 8), nn.Linear(8, 2))))

# %% q6
class Curve(nn.Module):
    """Named layers and torch.nn.functional activations."""

    def __init__(self, width=24):
        super().__init__()
        self.hidden = nn.Linear(1, width)
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


def fit_regressor(X, y, epochs=800, lr=0.02, seed=1):
    torch.manual_seed(seed)
    model = Curve()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(X), y).backward()
        optimizer.step()
    return model


regressor = fit_regressor(X_wavy, y_wavy)
print(f"mean squared error on 2000 fresh points: {fresh_mse(regressor):.2f} (noise floor 4)")
