# %% q4
def predict(model, X):
    """Predictions of `model` for inputs X (n, d): no gradient tracking."""
    model_device = next(model.parameters()).device
    with torch.inference_mode():  # bug: the model stays in training mode, so dropout stays on
        return model(X.to(model_device))


line_predictions = predict(line_model, X_test)
print("requires grad:", line_predictions.requires_grad, " shape:", tuple(line_predictions.shape))

torch.manual_seed(1)
dropout_net = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(16, 1))
print("predict, two calls agree:", torch.equal(predict(dropout_net, X_test), predict(dropout_net, X_test)))
