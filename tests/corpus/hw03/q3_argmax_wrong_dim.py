# %% q3.2
def predict_labels(model, X):
    """The predicted class of every row of X: int64 tensor of shape (n,)."""
    model.eval()
    with torch.no_grad():
        return model(X).argmax(dim=0)
