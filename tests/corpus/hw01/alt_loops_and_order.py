# %% q1
from sklearn.linear_model import LogisticRegression


def fit_baseline(X, y, seed=140):
    """Split, fit with a weaker penalty, and score by hand."""
    parts = datasets.train_test_split(X, y, test_fraction=0.2, seed=seed)
    X_train, X_test, y_train, y_test = [t.numpy() for t in parts]
    clf = LogisticRegression(C=10.0, max_iter=500)
    clf.fit(X_train, y_train)
    correct = (clf.predict(X_test) == y_test).sum()
    return clf, correct / len(y_test)


and_baseline, and_test_accuracy = fit_baseline(X_and, y_and)
or_baseline, or_test_accuracy = fit_baseline(X_or, y_or)

# %% q4
def binary_cross_entropy(probs, targets, eps=1e-7):
    """A loop over the examples, summing each one's loss."""
    total = torch.tensor(0.0)
    n = probs.shape[0]
    for i in range(n):
        p = min(max(probs[i, 0], torch.tensor(eps)), torch.tensor(1 - eps))
        y = targets[i, 0]
        total = total - (y * torch.log(p) + (1 - y) * torch.log(1 - p))
    return total / n

# %% q5
def train(model, X, y, loss_fn, optimizer, epochs):
    """Backward, step, then clear the gradients for the next epoch."""
    history = []
    for epoch in range(epochs):
        predictions = model(X)
        loss = loss_fn(predictions, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        history.append(float(loss))
    return history
