# %% q5
def train_one_epoch(model, loader, loss_fn, optimizer, device):
    """Written on a GPU machine: sends every batch to "cuda" whatever device it is given."""
    model.train()
    total = 0.0
    for batch_images, batch_labels in loader:
        batch_images, batch_labels = batch_images.to("cuda"), batch_labels.to("cuda")
        optimizer.zero_grad()
        loss = loss_fn(model(batch_images), batch_labels)
        loss.backward()
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
