# %% q7
class XORNet(nn.Module):
    """XOR = OR and not AND: two hidden sigmoid units with the textbook weights typed in."""

    def __init__(self, hidden: int = 8):
        super().__init__()
        self.hidden = nn.Linear(2, 2)
        self.out = nn.Linear(2, 1)
        with torch.no_grad():
            self.hidden.weight.copy_(torch.tensor([[20.0, 20.0], [20.0, 20.0]]))
            self.hidden.bias.copy_(torch.tensor([-10.0, -30.0]))  # unit 0: OR, unit 1: AND
            self.out.weight.copy_(torch.tensor([[20.0, -20.0]]))
            self.out.bias.copy_(torch.tensor([-10.0]))

    def forward(self, x):
        return torch.sigmoid(self.out(torch.sigmoid(self.hidden(x))))


xor_model = XORNet()  # no training needed: the weights are already right
plotting.plot_decision_boundary(xor_model, X_xor, y_xor, title="XORNet on XOR")
