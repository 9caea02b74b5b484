# %% q4
def evaluate(model, loader, device):
    """Returns a percentage, as the lecture's version does."""
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for batch_images, batch_labels in loader:
            batch_images, batch_labels = batch_images.to(device), batch_labels.to(device)
            _, predicted = torch.max(model(batch_images).data, 1)
            total += batch_labels.size(0)
            correct += (predicted == batch_labels).sum().item()
    return 100 * correct / total
