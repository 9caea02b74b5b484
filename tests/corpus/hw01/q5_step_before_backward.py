# %% q5
def train(model, X, y, loss_fn, optimizer, epochs):
    """Full-batch training for `epochs` steps; returns the list of per-epoch losses."""
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        optimizer.step()
        loss.backward()
        losses.append(loss.item())
    return losses
