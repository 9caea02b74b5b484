# %% q2.2
torch.manual_seed(0)
circle_mlp = CircleMLP().to(device)
mlp_optimizer = torch.optim.SGD(circle_mlp.parameters(), lr=0.1)
circle_losses = train(circle_mlp, X_circles, y_circles.float(), nn.BCELoss(), mlp_optimizer, 1000)
print(f"CircleMLP on the rings: accuracy {binary_accuracy(circle_mlp, X_circles, y_circles):.3f}")
plotting.plot_decision_boundary(circle_mlp, X_circles, y_circles, title="CircleMLP on the rings")
