# %% q3
class NeuralNet(nn.Module):
    """The lecture's network: softmax probabilities fed to CrossEntropyLoss (which applies its own softmax)."""

    def __init__(self, width: int = 64):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(
            nn.Linear(28 * 28, width), nn.Tanh(),
            nn.Linear(width, width), nn.Tanh(),
            nn.Linear(width, width), nn.Tanh(),
            nn.Linear(width, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.layers(self.flatten(x))
        return nn.functional.softmax(logits, dim=1)


print(sum(p.numel() for p in NeuralNet(64).parameters()), "parameters at width 64")
