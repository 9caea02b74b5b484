# %% q1
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score


def fit_baseline(X, y, seed=140):
    """accuracy_score from scikit-learn, on the held-out part."""
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_fraction=0.2, seed=seed)
    model = LogisticRegression(max_iter=1000).fit(X_train.numpy(), y_train.numpy())
    return model, accuracy_score(y_test.numpy(), model.predict(X_test.numpy()))


and_baseline, and_test_accuracy = fit_baseline(X_and, y_and)
or_baseline, or_test_accuracy = fit_baseline(X_or, y_or)

# %% q5
def train(model, X, y, loss_fn, optimizer, epochs):
    """Keeps the gradients as zero tensors instead of None."""
    history = []
    for _ in range(epochs):
        optimizer.zero_grad(set_to_none=False)
        output = model(X)
        loss = loss_fn(output, y)
        loss.backward()
        optimizer.step()
        history.append(loss.detach().item())
    return history

# %% q6
def train_neuron(X, y, epochs=300, lr=1.0, seed=0):
    """Labels as a float column with [:, None]."""
    torch.manual_seed(seed)
    model = NeuronFromLayers(X.shape[1])
    train(model, X, y.float()[:, None], nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=lr), epochs)
    return model


and_neuron = train_neuron(X_and, y_and)
or_neuron = train_neuron(X_or, y_or)
xor_neuron = train_neuron(X_xor, y_xor)

# %% q7
class XORNet(nn.Module):
    """Named layers and torch.relu in forward, 16 hidden units."""

    def __init__(self, hidden: int = 16):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc2(torch.relu(self.fc1(x))))


torch.manual_seed(1)
xor_model = XORNet()
xor_losses = train(xor_model, X_xor, y_xor.float()[:, None], nn.BCELoss(),
                   torch.optim.Adam(xor_model.parameters(), lr=0.02), 400)
plotting.plot_decision_boundary(xor_model, X_xor, y_xor, title="XORNet (ReLU) on XOR")
