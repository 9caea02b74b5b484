# %% q5
def train(model, X, y, loss_fn, optimizer, epochs):
    """Records the loss once the step is done, "to see where each epoch ended up"."""
    losses = []
    model.train()
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            losses.append(loss_fn(model(X), y).item())
    return losses
