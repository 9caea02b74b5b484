# %% q4
def binary_cross_entropy(probs: torch.Tensor, targets: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """Mean binary cross-entropy of probabilities `probs` against 0/1 `targets`, both (n, 1)."""
    return -(targets * torch.log(probs) + (1 - targets) * torch.log(1 - probs)).mean()


probs = torch.tensor([[0.9], [0.2], [0.6]])
targets = torch.tensor([[1.0], [0.0], [0.0]])
print(binary_cross_entropy(probs, targets), nn.BCELoss()(probs, targets))
