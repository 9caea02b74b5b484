# %% q1
device = get_device()


def to_float_tensor(data, device):
    if isinstance(data, np.ndarray):
        return torch.from_numpy(data.astype(np.float32)).to(device)
    return torch.tensor(data, dtype=torch.float32, device=device)


def as_column(v):
    return v[:, None]


def affine(X, W, b):
    return torch.einsum("ni,oi->no", X, W) + b

# %% q2
class LinearRegressionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_parameter("bias", nn.Parameter(torch.randn(1)))
        self.register_parameter("weight", nn.Parameter(torch.randn(1)))

    def forward(self, x):
        return x * self.weight + self.bias

# %% q3
def train_and_test(model, X_train, y_train, X_test, y_test, epochs, lr=0.01, every=10):
    """Plain gradient descent written out by hand (what SGD does without momentum);
    losses are recorded as numpy scalars, as in the lecture."""
    epoch_count, train_losses, test_losses = [], [], []
    for epoch in range(epochs):
        model.train()
        loss = (model(X_train) - y_train).abs().mean()
        for p in model.parameters():
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        model.eval()
        with torch.inference_mode():
            test_loss = (model(X_test) - y_test).abs().mean()
        if epoch % every == 0:
            epoch_count.append(epoch)
            train_losses.append(loss.detach().cpu().numpy())
            test_losses.append(test_loss.cpu().numpy())
    return epoch_count, train_losses, test_losses


torch.manual_seed(42)
line_model = LinearRegressionModel().to(device)
epoch_count, train_losses, test_losses = train_and_test(
    line_model, X_train.to(device), y_train.to(device), X_test.to(device), y_test.to(device),
    epochs=300, lr=0.05, every=10)

# %% q4
def predict(model, X):
    with torch.inference_mode():
        model.eval()
        out = model(X.to(next(model.parameters()).device))
    return out

# %% q5
def collapse_linear(stack):
    """Works backwards from the output: the weight is built as W_k ... W_1 by right-multiplying."""
    layers = list(stack)
    with torch.no_grad():
        weight = layers[-1].weight.clone()
        bias = layers[-1].bias.clone() if layers[-1].bias is not None else torch.zeros(layers[-1].out_features)
        for layer in reversed(layers[:-1]):
            if layer.bias is not None:
                bias = bias + weight @ layer.bias
            weight = weight @ layer.weight
        single = nn.Linear(layers[0].in_features, layers[-1].out_features)
        single.weight.copy_(weight)
        single.bias.copy_(bias)
    return single

# %% q6
def fit_regressor(X, y, epochs=600, lr=0.03, seed=0):
    """One hidden layer of 20 units, a larger learning rate and fewer epochs."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(1, 20), nn.Tanh(), nn.Linear(20, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    for _ in range(epochs):
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()
    return model


regressor = fit_regressor(X_wavy, y_wavy)
