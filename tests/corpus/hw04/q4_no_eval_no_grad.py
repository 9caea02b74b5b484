# %% q4
def evaluate(model, loader, device):
    """Forgets model.eval() and torch.no_grad()."""
    correct, total = 0, 0
    for batch_images, batch_labels in loader:
        batch_images, batch_labels = batch_images.to(device), batch_labels.to(device)
        predicted = model(batch_images).argmax(dim=1)
        correct += int((predicted == batch_labels).sum())
        total += len(batch_labels)
    return correct / total
