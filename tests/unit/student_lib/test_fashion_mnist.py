"""Tests for student_lib.datasets.load_fashion_mnist: full-size (60k/10k) IDX files through torchvision.

The full-size tests read Debian's dataset-fashion-mnist package (.ci/run installs it when it runs
as root with apt-get); they skip where /usr/share/datasets/fashion-mnist is absent. The layout
tests use tiny synthetic IDX files and always run.
"""

import gzip
import struct

import numpy as np
import pytest
import torch
import torchvision
from torch.utils.data import DataLoader

from student_lib import datasets

INSTALLED = all(datasets.idx_file(datasets.DEBIAN_FASHION_MNIST, name) for name in datasets._MNIST_FILES)
needs_fashion_mnist = pytest.mark.skipif(
    not INSTALLED, reason=f"Fashion-MNIST is not installed in {datasets.DEBIAN_FASHION_MNIST} "
                          "(apt-get install -y dataset-fashion-mnist; .ci/run does this as root)")


@pytest.fixture(scope="module")
def full_splits(tmp_path_factory):
    """Both splits from the Debian folder, decompressed into a fresh cache: (train, test)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(datasets.FASHION_MNIST_ROOT_VAR, raising=False)
        patch.setenv(datasets.CACHE_VAR, str(tmp_path_factory.mktemp("cache")))
        return datasets.load_fashion_mnist(train=True, verbose=False), \
            datasets.load_fashion_mnist(train=False, verbose=False)


@needs_fashion_mnist
@pytest.mark.parametrize("train,size,per_class", [(True, 60_000, 6_000), (False, 10_000, 1_000)])
def test_full_size_split_is_a_torchvision_dataset_with_balanced_classes(full_splits, train, size, per_class):
    dataset = full_splits[0 if train else 1]
    assert type(dataset) is torchvision.datasets.FashionMNIST
    assert dataset.data.shape == (size, 28, 28) and dataset.data.dtype == torch.uint8
    assert dataset.targets.shape == (size,) and dataset.targets.dtype == torch.int64
    assert torch.bincount(dataset.targets, minlength=10).tolist() == [per_class] * 10
    assert (dataset.data.min().item(), dataset.data.max().item()) == (0, 255)
    assert dataset.classes[9] == "Ankle boot" and dataset.targets[0].item() == 9  # first item of both splits


@needs_fashion_mnist
def test_full_size_items_are_scaled_and_batch_through_a_dataloader(full_splits):
    train, _ = full_splits
    image, label = train[0]
    assert image.shape == (1, 28, 28) and image.dtype == torch.float32 and label == 9
    assert torch.allclose(image[0], train.data[0].float() / 255)
    images, labels = next(iter(DataLoader(train, batch_size=64, shuffle=False)))
    assert images.shape == (64, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (64,) and labels.dtype == torch.int64
    assert 0.0 <= images.min().item() and images.max().item() <= 1.0
    assert images.flatten(1).shape == (64, 784)


@needs_fashion_mnist
def test_debian_folder_is_decompressed_once_into_the_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(datasets.CACHE_VAR, str(tmp_path / "cache"))
    monkeypatch.setenv(datasets.FASHION_MNIST_ROOT_VAR, str(datasets.DEBIAN_FASHION_MNIST))
    test = datasets.load_fashion_mnist(train=False)
    assert capsys.readouterr().out == f"Fashion-MNIST: 10,000 test images from {datasets.DEBIAN_FASHION_MNIST}\n"
    [raw] = (tmp_path / "cache" / "fashion-mnist").glob("*/FashionMNIST/raw")
    labels = raw / "t10k-labels-idx1-ubyte"
    with gzip.open(datasets.DEBIAN_FASHION_MNIST / "t10k-labels-idx1-ubyte.gz", "rb") as f:
        assert labels.read_bytes() == f.read()
    before = labels.stat().st_mtime_ns
    datasets.load_fashion_mnist(train=False, verbose=False)
    assert labels.stat().st_mtime_ns == before and len(test) == 10_000


# --- layouts, with tiny synthetic IDX files -----------------------------------------------------

def _idx_bytes(n, seed):
    images = np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    return (struct.pack(">IIII", 0x803, n, 28, 28) + images.tobytes(),
            struct.pack(">II", 0x801, n) + labels.tobytes())


def _write_split(folder, prefix, n, seed, gz):
    folder.mkdir(parents=True, exist_ok=True)
    for kind, data in zip(("images-idx3", "labels-idx1"), _idx_bytes(n, seed)):
        name = f"{prefix}-{kind}-ubyte"
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.delenv(datasets.FASHION_MNIST_ROOT_VAR, raising=False)
    monkeypatch.setenv(datasets.CACHE_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize("gz", [True, False], ids=["gzipped", "plain"])
def test_flat_folder_of_idx_files_loads_through_the_cache(tmp_path, cache, gz):
    _write_split(tmp_path / "flat", "train", 12, 0, gz)
    _write_split(tmp_path / "flat", "t10k", 5, 1, gz)
    train = datasets.load_fashion_mnist(tmp_path / "flat", verbose=False)
    test = datasets.load_fashion_mnist(tmp_path / "flat", train=False, verbose=False)
    assert (len(train), len(test)) == (12, 5)
    expected = np.frombuffer(_idx_bytes(12, 0)[0][16:], dtype=np.uint8).reshape(12, 28, 28)
    assert torch.equal(train.data, torch.from_numpy(expected.copy()))
    assert train[3][1] == 3 and train[3][0].shape == (1, 28, 28)
    assert not list(cache.rglob("*.tmp"))


def test_torchvision_layout_is_read_in_place_and_root_can_come_from_the_environment(tmp_path, cache, monkeypatch):
    _write_split(tmp_path / "tv" / "FashionMNIST" / "raw", "train", 7, 0, gz=False)
    _write_split(tmp_path / "tv" / "FashionMNIST" / "raw", "t10k", 3, 1, gz=False)
    monkeypatch.setenv(datasets.FASHION_MNIST_ROOT_VAR, str(tmp_path / "tv"))
    assert datasets.fashion_mnist_root() == tmp_path / "tv"
    assert len(datasets.load_fashion_mnist(train=False, verbose=False)) == 3
    assert not cache.exists()  # nothing copied


def test_two_source_folders_get_separate_cache_folders(tmp_path, cache):
    for name, n in [("a", 4), ("b", 6)]:
        _write_split(tmp_path / name, "train", n, 0, gz=True)
        _write_split(tmp_path / name, "t10k", 2, 1, gz=True)
    assert len(datasets.load_fashion_mnist(tmp_path / "a", verbose=False)) == 4
    assert len(datasets.load_fashion_mnist(tmp_path / "b", verbose=False)) == 6


def test_missing_dataset_raises_and_says_how_to_install_it(tmp_path, cache):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist.*NNCOURSE_FASHION_MNIST_ROOT"):
        datasets.load_fashion_mnist(tmp_path / "nothing")
