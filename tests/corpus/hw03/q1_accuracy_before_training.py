# %% q1
def binary_accuracy(model, X, y):
    """Fraction of points whose predicted class equals the label, as a Python float."""
    model.eval()
    with torch.no_grad():
        predicted = (model(X).squeeze(1) >= 0.5).long()
    return float((predicted == y).float().mean())


torch.manual_seed(0)
circle_neuron = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()).to(device)
circle_neuron_accuracy = binary_accuracy(circle_neuron, X_circles, y_circles)
neuron_optimizer = torch.optim.Adam(circle_neuron.parameters(), lr=0.01)
train(circle_neuron, X_circles, y_circles.float().unsqueeze(1), nn.BCELoss(), neuron_optimizer, 1000)
print(f"one neuron on the rings: accuracy {circle_neuron_accuracy:.3f}")
