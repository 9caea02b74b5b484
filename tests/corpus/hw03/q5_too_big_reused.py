# %% q5
# "it has the best training accuracy, so it must be the best model": the network above that fits
# the 200 training points almost perfectly (training loss near 0) is submitted as the answer
radial_model = too_big
print(f"your model: training accuracy {binary_accuracy(radial_model, X_radial, y_radial):.3f}, "
      f"validation accuracy {binary_accuracy(radial_model, X_radial_val, y_radial_val):.3f}")
plotting.plot_decision_boundary(radial_model, X_radial, y_radial, title="radial_model")
