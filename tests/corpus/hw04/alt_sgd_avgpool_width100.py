# %% q2
from sklearn.linear_model import LogisticRegression

loader_2000 = DataLoader(train_part, batch_size=2000)
X_small, y_small = next(iter(loader_2000))
X_small = X_small.flatten(1).numpy()
baseline = LogisticRegression(max_iter=300, C=0.5)
baseline.fit(X_small, y_small.numpy())
X_val = torch.stack([val_part[i][0] for i in range(len(val_part))])
y_val = torch.tensor([val_part[i][1] for i in range(len(val_part))])
baseline_accuracy = float((baseline.predict(X_val.flatten(1).numpy()) == y_val.numpy()).mean())
print(baseline_accuracy)

# %% q5
def train_one_epoch(model, loader, loss_fn, optimizer, device):
    """Loss weighted by batch size; the same number when the batches are equal."""
    model.train()
    total, count = 0.0, 0
    for batch_images, batch_labels in loader:
        batch_images = batch_images.to(device)
        batch_labels = batch_labels.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(batch_images), batch_labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch_labels)
        count += len(batch_labels)
    return total / count


torch.manual_seed(1)
mlp = NeuralNet(100).to(device)
mlp_optimizer = torch.optim.SGD(mlp.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(2):
    mean_loss = train_one_epoch(mlp, train_loader, loss_fn, mlp_optimizer, device)
    mlp_val_accuracy = evaluate(mlp, val_loader, device)
    print(epoch, mean_loss, mlp_val_accuracy)

# %% q6
class SmallCNN(nn.Module):
    """5 x 5 kernels, average pooling, LeakyReLU, all in one nn.Sequential (15,090 parameters)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 10, kernel_size=5, padding=2), nn.LeakyReLU(0.1), nn.AvgPool2d(2),
            nn.Conv2d(10, 20, kernel_size=5, padding=2), nn.LeakyReLU(0.1), nn.AvgPool2d(2),
            nn.Flatten(), nn.Linear(20 * 7 * 7, 10),
        )

    def forward(self, x):
        return self.net(x)


torch.manual_seed(0)
cnn = SmallCNN().to(device)
cnn_optimizer = torch.optim.SGD(cnn.parameters(), lr=0.05, momentum=0.9)
for epoch in range(2):
    mean_loss = train_one_epoch(cnn, train_loader, loss_fn, cnn_optimizer, device)
    cnn_val_accuracy = evaluate(cnn, val_loader, device)
    print(epoch, mean_loss, cnn_val_accuracy)
