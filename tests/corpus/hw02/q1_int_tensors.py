# %% q1
device = get_device()
print("this notebook computes on:", device)


def to_float_tensor(data, device):
    """A nested list or a numpy array -> a float32 tensor of the same shape and values, on `device`."""
    tensor = torch.from_numpy(data) if isinstance(data, np.ndarray) else torch.tensor(data)
    return tensor.to(device)  # bug: keeps int64 / float64


def as_column(v):
    """v: tensor of shape (n,) -> tensor of shape (n, 1) with the same values."""
    return v.unsqueeze(1)


def affine(X, W, b):
    """X: (n, d_in), W: (d_out, d_in), b: (d_out,) -> X W^T + b, shape (n, d_out)."""
    return X @ W.T + b


counts = to_float_tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], device)
readings = to_float_tensor(np.linspace(0.0, 1.0, 5), device)
print(counts.dtype, tuple(counts.shape), counts.device, "|", readings.dtype, tuple(as_column(readings).shape))
