# %% q3.3
torch.manual_seed(0)
blob_model = BlobMLP().to(device)
blob_optimizer = torch.optim.Adam(blob_model.parameters(), lr=0.01)
blob_losses = train(blob_model, X_blobs, y_blobs.float(), nn.CrossEntropyLoss(), blob_optimizer, 300)
blob_accuracy = float((predict_labels(blob_model, X_blobs) == y_blobs).float().mean())
print(f"BlobMLP on the blobs: accuracy {blob_accuracy:.3f}")
plotting.plot_decision_boundary(blob_model, X_blobs, y_blobs, title="BlobMLP on five blobs")
