# %% q6
def train_neuron(X, y, epochs=300, lr=1.0, seed=0):
    """A NeuronFromLayers trained on (X, y) with BCELoss and full-batch SGD."""
    torch.manual_seed(seed)
    model = NeuronFromLayers(X.shape[1])
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    train(model, X, y.float().unsqueeze(1), nn.BCELoss(), optimizer, epochs)
    return model


and_neuron = train_neuron(X_and, y_and)
or_neuron = train_neuron(X_or, y_or)
xor_neuron = train_neuron(X_xor, y_xor)
