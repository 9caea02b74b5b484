# %% q6
def predict_grid(model, xx, yy):
    """Predicted class at every grid point (xx[i, j], yy[i, j]): integer numpy array of xx's shape.

    model: nn.Module mapping float32 (m, 2) to probabilities (m, 1) or scores (m, k).
    xx, yy: numpy arrays of the same shape, for example from np.meshgrid.
    """
    where = next(model.parameters()).device
    points = torch.as_tensor(np.column_stack([xx.ravel(), yy.ravel()]), dtype=torch.float32, device=where)
    model.eval()
    with torch.no_grad():
        out = model(points)
    labels = (out[:, 0] >= 0.5).long() if out.shape[1] == 1 else out.argmax(dim=1)
    return labels.cpu().numpy()
