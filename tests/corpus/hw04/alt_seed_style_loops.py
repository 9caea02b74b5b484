# %% q1
train_data = datasets.load_mnist(train=True)
train_part, val_part = random_split(train_data, [0.875, 0.125], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_part, batch_size=64, shuffle=True, drop_last=True)
val_loader = DataLoader(val_part, batch_size=500)
images, labels = next(iter(train_loader))
flat_images = images.view(-1, 28 * 28)

# %% q4
def evaluate(model, loader, device):
    """The lecture's loop, returning a fraction."""
    model.eval()
    total, correct = 0, 0
    with torch.no_grad():
        for batch_images, batch_labels in loader:
            batch_images, batch_labels = batch_images.to(device), batch_labels.to(device)
            outputs = model(batch_images)
            _, predicted = torch.max(outputs.data, 1)
            total += batch_labels.size(0)
            correct += (predicted == batch_labels).sum().item()
    return correct / total

# %% q6
class SmallCNN(nn.Module):
    """12 and 24 channels with a dropout before the linear layer, still under the ceiling."""

    def __init__(self):
        super().__init__()
        self.conv_block1 = nn.Sequential(nn.Conv2d(1, 12, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.conv_block2 = nn.Sequential(nn.Conv2d(12, 24, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.drop = nn.Dropout(0.1)
        self.linear = nn.Linear(24 * 7 * 7, 10)

    def forward(self, x):
        x = self.conv_block2(self.conv_block1(x))
        return self.linear(self.drop(torch.flatten(x, 1)))


torch.manual_seed(0)
cnn = SmallCNN().to(device)
print(sum(p.numel() for p in cnn.parameters() if p.requires_grad), "parameters")
cnn_optimizer = torch.optim.Adam(cnn.parameters(), lr=1e-3)
for epoch in range(2):
    mean_loss = train_one_epoch(cnn, train_loader, loss_fn, cnn_optimizer, device)
    cnn_val_accuracy = evaluate(cnn, val_loader, device)
    print(epoch, mean_loss, cnn_val_accuracy)
