# %% q2
from sklearn.linear_model import LogisticRegression

# more digits than the question asks for: every digit of train_part
X_train, y_train = next(iter(DataLoader(train_part, batch_size=len(train_part))))
X_val, y_val = next(iter(DataLoader(val_part, batch_size=len(val_part))))
baseline = LogisticRegression(max_iter=200).fit(X_train.reshape(len(X_train), -1).numpy(), y_train.numpy())
baseline_accuracy = float(baseline.score(X_val.reshape(len(X_val), -1).numpy(), y_val.numpy()))
print(f"logistic regression, validation accuracy: {baseline_accuracy:.3f}")
