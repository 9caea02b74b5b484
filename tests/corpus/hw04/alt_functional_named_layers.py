# %% q1
from torchvision import transforms

train_data = datasets.load_mnist(train=True, transform=transforms.ToTensor())
n_val = 1000
train_part, val_part = random_split(train_data, [len(train_data) - n_val, n_val],
                                    generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_part, batch_size=64, shuffle=True)
val_loader = DataLoader(val_part, batch_size=500, shuffle=False)
images, labels = next(iter(train_loader))
flat_images = nn.Flatten()(images)
print(images.shape, flat_images.shape)

# %% q3
import torch.nn.functional as F


class NeuralNet(nn.Module):
    """Named layers and torch.tanh instead of nn.Sequential and nn.Tanh."""

    def __init__(self, width: int = 64):
        super().__init__()
        self.fc1 = nn.Linear(784, width)
        self.fc2 = nn.Linear(width, width)
        self.fc3 = nn.Linear(width, width)
        self.out = nn.Linear(width, 10)

    def forward(self, x):
        x = x.view(x.shape[0], -1)
        x = torch.tanh(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        x = torch.tanh(self.fc3(x))
        return self.out(x)

# %% q4
def evaluate(model, loader, device):
    model.eval()
    hits = torch.zeros((), dtype=torch.long)
    with torch.inference_mode():
        for x, y in loader:
            hits += (model(x.to(device)).argmax(1) == y.to(device)).sum().cpu()
    return hits.item() / len(loader.dataset)

# %% q5
def train_one_epoch(model, loader, loss_fn, optimizer, device):
    model.train()
    losses = []
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        loss = loss_fn(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


torch.manual_seed(0)
mlp = NeuralNet(64).to(device)
mlp_optimizer = torch.optim.Adam(mlp.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(3):
    mean_loss = train_one_epoch(mlp, train_loader, loss_fn, mlp_optimizer, device)
    mlp_val_accuracy = evaluate(mlp, val_loader, device)
    print(epoch, mean_loss, mlp_val_accuracy)

# %% q6
class SmallCNN(nn.Module):
    """Functional ReLU and pooling, no padding: 28 -> 26 -> 13 -> 11 -> 5."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 3)
        self.conv2 = nn.Conv2d(10, 20, 3)
        self.fc = nn.Linear(20 * 5 * 5, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


torch.manual_seed(0)
cnn = SmallCNN().to(device)
cnn_optimizer = torch.optim.Adam(cnn.parameters(), lr=2e-3)
for epoch in range(2):
    mean_loss = train_one_epoch(cnn, train_loader, loss_fn, cnn_optimizer, device)
    cnn_val_accuracy = evaluate(cnn, val_loader, device)
    print(epoch, mean_loss, cnn_val_accuracy)
