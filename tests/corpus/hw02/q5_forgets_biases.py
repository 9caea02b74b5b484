# %% q5
def collapse_linear(stack):
    """One nn.Linear with the product of the stack's weights."""
    first, last = stack[0], stack[-1]
    with torch.no_grad():
        weight = torch.eye(first.in_features)
        for layer in stack:
            weight = layer.weight @ weight
        single = nn.Linear(first.in_features, last.out_features)
        single.weight.copy_(weight)
        single.bias.copy_(last.bias)  # bug: only the last layer's bias, the others are forgotten
    return single


stack = nn.Sequential(nn.Linear(3, 8), nn.Linear(8, 5), nn.Linear(5, 2))
single = collapse_linear(stack)
sample = torch.randn(6, 3)
with torch.inference_mode():
    print(single, " largest difference from the stack:", (stack(sample) - single(sample)).abs().max().item())
