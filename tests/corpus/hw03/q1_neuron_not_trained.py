# %% q1
def binary_accuracy(model, X, y):
    """Fraction of points whose predicted class equals the label, as a Python float."""
    with torch.no_grad():
        predicted = (model(X) >= 0.5).long().view(-1)
    return (predicted == y).float().mean().item()


torch.manual_seed(0)
circle_neuron = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()).to(device)
neuron_optimizer = torch.optim.Adam(circle_neuron.parameters(), lr=0.01)
circle_neuron_accuracy = binary_accuracy(circle_neuron, X_circles, y_circles)
print(f"one neuron on the rings: accuracy {circle_neuron_accuracy:.3f}")
