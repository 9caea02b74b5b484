"""Tests for student_lib.datasets."""

import gzip
import struct

import numpy as np
import pytest
import torch

from student_lib import datasets

GENERATORS = {
    "logic_gate": lambda seed: datasets.logic_gate("XOR", 100, seed=seed),
    "linear_data": lambda seed: datasets.linear_data(100, seed=seed),
    "circles": lambda seed: datasets.circles(100, seed=seed),
    "blobs": lambda seed: datasets.blobs(100, seed=seed),
    "blobs_center_seed": lambda seed: datasets.blobs(100, seed=seed, center_seed=3),
    "wavy_regression": lambda seed: datasets.wavy_regression(100, seed=seed),
    "radial_classification": lambda seed: datasets.radial_classification(100, seed=seed),
}
CLASSIFIERS = ["logic_gate", "linear_data", "circles", "blobs", "blobs_center_seed", "radial_classification"]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classification_sets_return_float32_X_n_by_2_and_int64_labels(name):
    X, y = GENERATORS[name](0)
    assert X.dtype == torch.float32 and X.shape == (100, 2)
    assert y.dtype == torch.int64 and y.shape == (100,)


def test_wavy_regression_returns_float32_columns():
    X, y = datasets.wavy_regression(50)
    assert X.dtype == y.dtype == torch.float32
    assert X.shape == y.shape == (50, 1)


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_and_different_seed_different_data(name):
    X1, y1 = GENERATORS[name](5)
    X2, y2 = GENERATORS[name](5)
    X3, _ = GENERATORS[name](6)
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    assert not torch.equal(X1, X3)


@pytest.mark.parametrize("name", GENERATORS)
def test_output_ignores_and_leaves_untouched_the_global_rngs(name):
    np.random.seed(1)
    torch.manual_seed(1)
    np_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state()
    first = GENERATORS[name](0)
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.random.seed(2)
    torch.manual_seed(2)
    second = GENERATORS[name](0)
    assert all(torch.equal(a, b) for a, b in zip(first, second))


@pytest.mark.parametrize("name", GENERATORS)
def test_numpy_generator_accepted_as_seed(name):
    a = GENERATORS[name](np.random.default_rng(9))
    b = GENERATORS[name](np.random.default_rng(9))
    assert all(torch.equal(u, v) for u, v in zip(a, b))


@pytest.mark.parametrize("gate,table", [("AND", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("Xor", [0, 1, 1, 0])])
def test_gate_labels_match_truth_table_of_nearest_corner(gate, table):
    X, y = datasets.logic_gate(gate, 400, noise_level=0.05, seed=0)
    corner = X.round().long().clamp(0, 1)
    expected = torch.tensor(table)[corner[:, 0] * 2 + corner[:, 1]]
    assert torch.equal(y, expected)


def test_gate_corners_are_balanced_and_row_count_exact():
    X, _ = datasets.logic_gate("AND", 10, noise_level=0.01, seed=0)
    assert len(X) == 10
    counts = torch.bincount(X.round().long()[:, 0] * 2 + X.round().long()[:, 1], minlength=4)
    assert counts.tolist() == [3, 3, 2, 2]


def test_gate_rows_are_shuffled():
    X, _ = datasets.logic_gate("AND", 40, noise_level=0.01, seed=0)
    corner = X.round().long()[:, 0] * 2 + X.round().long()[:, 1]
    assert not torch.equal(corner, torch.arange(40) % 4)


def test_unknown_gate_raises_value_error_naming_allowed_gates():
    with pytest.raises(ValueError, match="AND.*OR.*XOR"):
        datasets.logic_gate("NAND")


def test_train_test_split_sizes_dtypes_and_row_pairing():
    X = np.arange(20, dtype=np.float64).reshape(10, 2)
    y = np.arange(10)
    X_tr, X_te, y_tr, y_te = datasets.train_test_split(X, y, test_fraction=0.25, seed=1)
    assert (len(X_tr), len(X_te)) == (8, 2)  # round(2.5) == 2
    assert X_tr.dtype == torch.float32 and y_tr.dtype == torch.int64
    assert torch.equal(X_tr[:, 0], 2 * y_tr.float()) and torch.equal(X_te[:, 0], 2 * y_te.float())
    assert sorted(torch.cat([y_tr, y_te]).tolist()) == list(range(10))


def test_train_test_split_keeps_float_targets_float32_and_is_seeded():
    X, y = torch.randn(30, 1, generator=torch.Generator().manual_seed(0)), torch.linspace(0, 1, 30).double()
    a = datasets.train_test_split(X, y, seed=3)
    b = datasets.train_test_split(X, y, seed=3)
    c = datasets.train_test_split(X, y, seed=4)
    assert a[2].dtype == torch.float32 and len(a[1]) == 6
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    assert not torch.equal(a[3], c[3])


def test_blobs_with_center_seed_keep_centres_across_sample_seeds():
    centres = datasets.blob_centers(5, center_seed=7)
    assert centres.shape == (5, 2) and np.all(np.abs(centres) < 10)
    Xa, ya = datasets.blobs(1000, 5, seed=0, center_seed=7)
    Xb, yb = datasets.blobs(1000, 5, seed=1, center_seed=7)
    assert not torch.equal(Xa, Xb)
    for X, y in [(Xa, ya), (Xb, yb)]:
        means = np.stack([X[y == k].mean(0).numpy() for k in range(5)])
        assert np.abs(means - centres).max() < 0.35


def test_wavy_regression_residual_variance_is_about_four():
    X, y = datasets.wavy_regression(20000, seed=0)
    residual = y - datasets.wavy_regression_mean(X)
    assert abs(residual.pow(2).mean().item() - 4.0) < 0.25
    assert abs(X.std().item() - 1.5) < 0.05


def test_wavy_regression_mean_keeps_input_kind():
    assert isinstance(datasets.wavy_regression_mean(np.zeros(3)), np.ndarray)
    out = datasets.wavy_regression_mean(torch.zeros(3, 1))
    assert isinstance(out, torch.Tensor) and out.shape == (3, 1) and torch.all(out == 1)


def test_radial_labels_mostly_follow_clean_rule_with_some_noise():
    X, y = datasets.radial_classification(5000, seed=0)
    d = X.double().norm(dim=1)
    clean = ((torch.sin(d) > 0) & (d < torch.pi)).long()
    agreement = (y == clean).double().mean().item()
    assert 0.85 < agreement < 0.99


# --- MNIST -------------------------------------------------------------------------------

def _write_idx(raw, prefix, images):
    raw.mkdir(parents=True, exist_ok=True)
    n = len(images)
    (raw / f"{prefix}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 0x803, n, 28, 28) + images.tobytes())
    labels = (np.arange(n) % 10).astype(np.uint8)
    (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 0x801, n) + labels.tobytes())


@pytest.fixture
def synthetic_root(tmp_path):
    rng = np.random.default_rng(0)
    raw = tmp_path / "fake" / "MNIST" / "raw"
    _write_idx(raw, "train", rng.integers(0, 256, (12, 28, 28), dtype=np.uint8))
    _write_idx(raw, "t10k", rng.integers(0, 256, (5, 28, 28), dtype=np.uint8))
    return tmp_path / "fake"


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    monkeypatch.delenv(datasets.MNIST_ROOT_VAR, raising=False)
    monkeypatch.setenv(datasets.CACHE_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_load_mnist_falls_back_to_bundled_sample_in_cache(tmp_path, clean_env, capsys):
    empty = tmp_path / "empty"
    assert datasets.mnist_source(empty) == "sample"
    train = datasets.load_mnist(empty, train=True)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "bundled sample" in out and "8,000 training images" in out
    assert len(train) == 8000
    image, label = train[0]
    assert image.shape == (1, 28, 28) and image.dtype == torch.float32
    assert 0.0 <= image.min() and image.max() <= 1.0 and image.max() > 0.5
    assert 0 <= label <= 9 and set(train.targets.unique().tolist()) == set(range(10))
    assert (clean_env / "mnist-sample" / "MNIST" / "raw" / "train-images-idx3-ubyte").stat().st_size == 16 + 8000 * 784


def test_load_mnist_reads_idx_files_under_root(synthetic_root, clean_env, capsys):
    assert datasets.mnist_source(synthetic_root) == "full"
    train = datasets.load_mnist(synthetic_root)
    test = datasets.load_mnist(synthetic_root, train=False, transform=lambda img: img)
    assert "full dataset from" in capsys.readouterr().out
    assert (len(train), len(test)) == (12, 5)
    raw = (synthetic_root / "MNIST" / "raw" / "train-images-idx3-ubyte").read_bytes()[16:]
    expected = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(12, 28, 28)
    assert torch.allclose(train[3][0][0], expected[3].float() / 255)
    assert train[3][1] == 3
    assert not clean_env.exists()  # the sample was not needed


def test_load_mnist_root_from_environment_variable(synthetic_root, clean_env, monkeypatch):
    monkeypatch.setenv(datasets.MNIST_ROOT_VAR, str(synthetic_root))
    assert datasets.mnist_source() == "full"
    assert len(datasets.load_mnist(verbose=False)) == 12


def test_load_mnist_failed_download_falls_back_to_sample(tmp_path, clean_env, monkeypatch):
    import torchvision

    def offline(self):
        raise OSError("no network")

    monkeypatch.setattr(torchvision.datasets.MNIST, "download", offline)
    with pytest.warns(UserWarning, match="download"):
        ds = datasets.load_mnist(tmp_path / "nothing", train=True, download=True, verbose=False)
    assert len(ds) == 8000


def test_bundled_sample_has_no_test_split(tmp_path, clean_env):
    """The sample's held-out digits stay with the grader (solutions/hw04/data): student_lib ships none."""
    assert not list(datasets.SAMPLE_DIR.glob("t10k-*"))
    with pytest.raises(FileNotFoundError, match="kept by the grader"):
        datasets.load_mnist(tmp_path / "empty", train=False, verbose=False)


def test_bundled_sample_unpacks_to_the_gzip_contents(tmp_path):
    root = datasets._unpack_sample(tmp_path)
    name = "train-labels-idx1-ubyte"
    with gzip.open(datasets.SAMPLE_DIR / f"{name}.gz", "rb") as f:
        assert (root / "MNIST" / "raw" / name).read_bytes() == f.read()
    assert datasets.read_idx(root / "MNIST" / "raw" / "t10k-images-idx3-ubyte").shape == (0, 28, 28)
    assert not list((root / "MNIST" / "raw").glob("*.tmp"))
