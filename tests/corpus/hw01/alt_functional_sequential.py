# %% q2
import torch.nn.functional as F


class NeuronFromParameters(nn.Module):
    """sigmoid(b + x . w), with the weights stored as a column."""

    def __init__(self, num_features: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1))
        self.w = nn.Parameter(torch.randn(num_features, 1) * 0.01)

    def forward(self, x):
        return torch.sigmoid(torch.matmul(x, self.w) + self.bias)

# %% q3
class NeuronFromLayers(nn.Module):
    """The same neuron as one nn.Sequential."""

    def __init__(self, num_features: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(num_features, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)

# %% q4
def binary_cross_entropy(probs, targets, eps=1e-7):
    """BCE with torch.where picking the log term for each label."""
    p = torch.clamp(probs, min=eps, max=1 - eps)
    return torch.mean(torch.where(targets > 0.5, -torch.log(p), -torch.log1p(-p)))

# %% q7
class XORNet(nn.Module):
    """Named layers and functional activations."""

    def __init__(self, hidden: int = 16):
        super().__init__()
        self.hidden = nn.Linear(2, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        return torch.sigmoid(self.out(F.relu(self.hidden(x))))


torch.manual_seed(1)
xor_model = XORNet()
opt = torch.optim.Adam(xor_model.parameters(), lr=0.03)
xor_losses = train(xor_model, X_xor, y_xor.float().view(-1, 1), nn.BCELoss(), opt, 500)
plotting.plot_decision_boundary(xor_model, X_xor, y_xor, title="XORNet (ReLU)")
