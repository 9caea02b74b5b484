# %% q5
def train_one_epoch(model, loader, loss_fn, optimizer, device):
    """zero_grad in the wrong place: between backward and step, so every step finds zero gradients."""
    model.train()
    total = 0.0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


torch.manual_seed(0)
mlp = NeuralNet(64).to(device)
mlp_optimizer = torch.optim.Adam(mlp.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(3):
    mean_loss = train_one_epoch(mlp, train_loader, loss_fn, mlp_optimizer, device)
    mlp_val_accuracy = evaluate(mlp, val_loader, device)
    print(f"epoch {epoch + 1}: mean training loss {mean_loss:.3f}, validation accuracy {mlp_val_accuracy:.3f}")
