# %% q6
def train_neuron(X, y, epochs=300, lr=1.0, seed=0):
    """More epochs and a larger step; labels reshaped with view."""
    torch.manual_seed(seed)
    neuron = NeuronFromLayers(2)
    sgd = torch.optim.SGD(neuron.parameters(), lr=2.0)
    targets = y.to(torch.float32).view(-1, 1)
    train(neuron, X, targets, nn.BCELoss(), sgd, 600)
    return neuron


and_neuron = train_neuron(X_and, y_and)
or_neuron = train_neuron(X_or, y_or)
xor_neuron = train_neuron(X_xor, y_xor)

# %% q7
class XORNet(nn.Module):
    """A ModuleList of layers, run in a loop."""

    def __init__(self, hidden: int = 6):
        super().__init__()
        self.steps = nn.ModuleList([nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1), nn.Sigmoid()])

    def forward(self, x):
        for step in self.steps:
            x = step(x)
        return x


torch.manual_seed(7)
xor_model = XORNet()
sgd = torch.optim.SGD(xor_model.parameters(), lr=0.5, momentum=0.9)
xor_losses = train(xor_model, X_xor, y_xor.float().unsqueeze(1), nn.BCELoss(), sgd, 1000)
