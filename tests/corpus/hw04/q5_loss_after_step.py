# %% q5
def train_one_epoch(model, loader, loss_fn, optimizer, device):
    """Right steps; the loss it reports is measured again after each step."""
    model.train()
    losses = []
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss_fn(model(images), labels).backward()
        optimizer.step()
        with torch.no_grad():
            losses.append(loss_fn(model(images), labels).item())
    return sum(losses) / len(losses)


torch.manual_seed(0)
mlp = NeuralNet(64).to(device)
mlp_optimizer = torch.optim.Adam(mlp.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(3):
    mean_loss = train_one_epoch(mlp, train_loader, loss_fn, mlp_optimizer, device)
    mlp_val_accuracy = evaluate(mlp, val_loader, device)
    print(f"epoch {epoch + 1}: mean training loss {mean_loss:.3f}, validation accuracy {mlp_val_accuracy:.3f}")
