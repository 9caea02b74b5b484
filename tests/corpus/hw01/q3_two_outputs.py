# %% q3
class NeuronFromLayers(nn.Module):
    """One neuron built from nn.Linear and nn.Sigmoid."""

    def __init__(self, num_features: int):
        super().__init__()
        self.linear = nn.Linear(num_features, 2)
        self.activation = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: float32 tensor of shape (n, num_features) -> probabilities of shape (n, 1)."""
        return self.activation(self.linear(x))[:, :1]
