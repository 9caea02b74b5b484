# %% q6
class SmallCNN(nn.Module):
    """conv, pool, conv, pool, linear with the ReLUs left out: max-pooling is the only non-linearity."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 7 * 7, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


torch.manual_seed(0)
cnn = SmallCNN().to(device)
print(sum(p.numel() for p in cnn.parameters()), "parameters")
cnn_optimizer = torch.optim.Adam(cnn.parameters(), lr=2e-3)
for epoch in range(2):
    mean_loss = train_one_epoch(cnn, train_loader, loss_fn, cnn_optimizer, device)
    cnn_val_accuracy = evaluate(cnn, val_loader, device)
    print(f"epoch {epoch + 1}: mean training loss {mean_loss:.3f}, validation accuracy {cnn_val_accuracy:.3f}")
