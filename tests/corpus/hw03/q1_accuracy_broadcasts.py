# %% q1
def binary_accuracy(model, X, y):
    """Fraction of points whose predicted class equals the label, as a Python float.

    model: maps X, a float32 tensor (n, 2), to probabilities of shape (n, 1); the predicted class
    is 1 where the probability is at least 0.5. y: int64 tensor (n,) of 0/1 labels.
    """
    model.eval()
    with torch.no_grad():
        predicted = (model(X) >= 0.5).long()  # (n, 1) == (n,) broadcasts to an (n, n) table
    return float((predicted == y).float().mean())


torch.manual_seed(0)
circle_neuron = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()).to(device)
neuron_optimizer = torch.optim.Adam(circle_neuron.parameters(), lr=0.01)
train(circle_neuron, X_circles, y_circles.float().unsqueeze(1), nn.BCELoss(), neuron_optimizer, 1000)
circle_neuron_accuracy = binary_accuracy(circle_neuron, X_circles, y_circles)
print(f"one neuron on the rings: accuracy {circle_neuron_accuracy:.3f}")
plotting.plot_decision_boundary(circle_neuron, X_circles, y_circles, title="one neuron on the rings")
