"""Small datasets for the notebooks, plus MNIST and Fashion-MNIST loading.

Every generator takes ``seed: int | numpy.random.Generator`` and draws only from
``numpy.random.default_rng(seed)`` (or passes an int seed to scikit-learn); the global
numpy and torch generators are never touched. Returned X are float32 tensors, class
labels int64 tensors.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import torch

from student_lib import kernel

if TYPE_CHECKING:
    import torchvision

Seed = int | np.random.Generator

GATES = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "XOR": (0, 1, 1, 0),
}
_CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)

kernel.setup()  # in a Jupyter kernel: figures as images, torch's optimizer imports done here


def _sklearn_seed(seed: Seed) -> int:
    """An int random_state for scikit-learn: the seed itself, or one drawn from a Generator."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    return int(np.random.default_rng(seed).integers(0, 2**32 - 1))


def _to_tensors(X: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.int64)


def logic_gate(gate: str = "AND", num_samples: int = 500, noise_level: float = 0.05,
               seed: Seed = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy copies of the four corners of the unit square, labelled by a logic gate.

    gate: "AND", "OR" or "XOR" (any case). Sample i sits at corner i % 4, so the classes of
    corners are balanced; N(0, noise_level) noise is added to both inputs, then rows are shuffled.
    Returns X: float32 tensor (num_samples, 2), y: int64 tensor (num_samples,).
    """
    key = str(gate).upper()
    if key not in GATES:
        raise ValueError(f"unknown gate {gate!r}; choose one of {', '.join(GATES)}")
    rng = np.random.default_rng(seed)
    corner = np.arange(num_samples) % 4
    X = _CORNERS[corner] + rng.normal(0.0, noise_level, size=(num_samples, 2))
    y = np.array(GATES[key])[corner]
    order = rng.permutation(num_samples)
    return _to_tensors(X[order], y[order])


def train_test_split(X, y, test_fraction: float = 0.2, seed: Seed = 0
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split rows at random into train and test parts.

    X: tensor or array (n, ...); y: tensor or array (n, ...). The test part has
    round(n * test_fraction) rows. Returns (X_train, X_test, y_train, y_test) as tensors:
    X float32; y int64 if it holds integers (or booleans), else float32.
    """
    if not 0.0 <= test_fraction <= 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    X = torch.as_tensor(X).to(torch.float32)
    y = torch.as_tensor(y)
    y = y.to(torch.float32 if y.is_floating_point() or y.is_complex() else torch.int64)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"X has {n} rows but y has {len(y)}")
    n_test = round(n * test_fraction)
    order = torch.as_tensor(np.random.default_rng(seed).permutation(n))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def linear_data(num_samples: int = 200, seed: Seed = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two roughly linearly separable classes (sklearn make_classification, 2 informative features).

    Returns X: float32 tensor (num_samples, 2), y: int64 tensor (num_samples,) in {0, 1}.
    """
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=num_samples, n_features=2, n_informative=2, n_redundant=0,
                               n_clusters_per_class=1, random_state=_sklearn_seed(seed))
    return _to_tensors(X, y)


def circles(num_samples: int = 100, noise: float = 0.05, factor: float = 0.5,
            seed: Seed = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A small circle (label 1) inside a large one (label 0), from sklearn make_circles.

    Returns X: float32 tensor (num_samples, 2), y: int64 tensor (num_samples,).
    """
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=num_samples, noise=noise, factor=factor,
                        random_state=_sklearn_seed(seed))
    return _to_tensors(X, y)


def blob_centers(centers: int = 5, center_seed: Seed = 0) -> np.ndarray:
    """Centres for :func:`blobs`: float64 array (centers, 2), uniform in the (-10, 10) box."""
    return np.random.default_rng(center_seed).uniform(-10.0, 10.0, size=(centers, 2))


def blobs(num_samples: int = 1000, centers: int = 5, cluster_std: float = 1.0, seed: Seed = 0,
          center_seed: Seed | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Gaussian blobs (sklearn make_blobs); label k means "drawn around centre k".

    Without center_seed the centres are drawn from ``seed`` too (make_blobs' own behaviour).
    With center_seed the centres are :func:`blob_centers(centers, center_seed)`, so another
    ``seed`` gives fresh points around the same centres.
    Returns X: float32 tensor (num_samples, 2), y: int64 tensor (num_samples,).
    """
    from sklearn.datasets import make_blobs

    where = centers if center_seed is None else blob_centers(centers, center_seed)
    X, y = make_blobs(n_samples=num_samples, centers=where, cluster_std=cluster_std,
                      random_state=_sklearn_seed(seed))
    return _to_tensors(X, y)


def wavy_regression_mean(x):
    """The noise-free target 2x + 3 sin(3x) + 1; numpy array (or number) in -> numpy out,
    tensor in -> tensor out (same shape)."""
    if isinstance(x, torch.Tensor):
        return 2 * x + 3 * torch.sin(3 * x) + 1
    x = np.asarray(x, dtype=np.float64)
    return 2 * x + 3 * np.sin(3 * x) + 1


def wavy_regression(num_samples: int = 100, seed: Seed = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """1-D regression: x ~ 1.5 N(0, 1), y = 2x + 3 sin(3x) + 1 + 2 N(0, 1).

    Returns X: float32 tensor (num_samples, 1), y: float32 tensor (num_samples, 1).
    """
    rng = np.random.default_rng(seed)
    x = 1.5 * rng.standard_normal(num_samples)
    y = wavy_regression_mean(x) + 2.0 * rng.standard_normal(num_samples)
    return (torch.as_tensor(x, dtype=torch.float32).reshape(-1, 1),
            torch.as_tensor(y, dtype=torch.float32).reshape(-1, 1))


def radial_classification(num_samples: int = 200, seed: Seed = 0, width: float = 0.7
                          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Points x ~ 2.5 N(0, I2) labelled 1 inside the disc |x| < pi, with label noise near its edge.

    The clean label (sin d > 0 and d < pi, d = |x|) is flipped with probability
    0.3 w^2 / ((d - pi)^2 + w^2), w = width.
    Returns X: float32 tensor (num_samples, 2), y: int64 tensor (num_samples,).
    """
    rng = np.random.default_rng(seed)
    X = 2.5 * rng.standard_normal((num_samples, 2))
    d = np.linalg.norm(X, axis=1)
    clean = (np.sin(d) > 0) & (d < np.pi)
    flip_prob = 0.3 * width**2 / ((d - np.pi) ** 2 + width**2)
    y = clean ^ (rng.random(num_samples) < flip_prob)
    return _to_tensors(X, y)


# --- MNIST ---------------------------------------------------------------------------------

MNIST_ROOT_VAR = "NNCOURSE_MNIST_ROOT"
CACHE_VAR = "NNCOURSE_CACHE"
SAMPLE_DIR = Path(__file__).resolve().parent / "data" / "mnist-sample"
_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def cache_dir() -> Path:
    """Folder for decompressed/downloaded data: $NNCOURSE_CACHE, else ~/.cache/nn-coursework."""
    env = os.environ.get(CACHE_VAR, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "nn-coursework"


def _has_mnist(root: Path | None) -> bool:
    """True if root holds torchvision's MNIST layout, root/MNIST/raw/<4 IDX files>."""
    return root is not None and all((root / "MNIST" / "raw" / name).is_file() for name in _MNIST_FILES)


def _candidate_root(root: str | Path | None) -> Path:
    """root argument, else $NNCOURSE_MNIST_ROOT, else the cache folder that download=True fills."""
    if root is None:
        root = os.environ.get(MNIST_ROOT_VAR, "").strip() or cache_dir() / "mnist"
    return Path(root).expanduser()


def mnist_source(root: str | Path | None = None) -> str:
    """"full" if load_mnist(root) would read MNIST files from a root folder, "sample" if it
    would fall back to the bundled sample. Loads nothing."""
    return "full" if _has_mnist(_candidate_root(root)) else "sample"


def _gzip_size(path: Path) -> int:
    """Uncompressed size recorded in a gzip file's trailer (mod 2**32)."""
    with open(path, "rb") as f:
        f.seek(-4, os.SEEK_END)
        return int.from_bytes(f.read(4), "little")


def idx_file(folder: Path | str, name: str) -> Path | None:
    """folder/name or folder/name.gz, whichever exists (the plain file first); None if neither."""
    for path in (Path(folder) / name, Path(folder) / f"{name}.gz"):
        if path.is_file():
            return path
    return None


_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path | str | None) -> np.ndarray:
    """An IDX file (MNIST's format, plain or gzipped) as a numpy array in native byte order."""
    if path is None:
        raise FileNotFoundError("the IDX file is missing (neither the plain file nor its .gz exists)")
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file")
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    array = np.frombuffer(data, dtype=np.dtype(_IDX_DTYPES[data[2]]), offset=4 + 4 * ndim)
    return np.array(array.reshape(shape), dtype=array.dtype.newbyteorder("="))


def _unpack_idx(src: Path, root: Path, dataset_dir: str, names: tuple[str, ...] = _MNIST_FILES) -> Path:
    """Put the four IDX files of folder src (plain or .gz) into root/dataset_dir/raw, uncompressed:
    the layout torchvision.datasets.<dataset_dir> reads. A file already there with the right size
    is kept, so this copies once. Returns root."""
    raw = root / dataset_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in names:
        source, dst = idx_file(src, name), raw / name
        if source is None:
            raise FileNotFoundError(f"{src} has no {name} (or {name}.gz)")
        compressed = source.suffix == ".gz"
        size = _gzip_size(source) if compressed else source.stat().st_size
        if dst.is_file() and dst.stat().st_size == size:
            continue
        fd, tmp = tempfile.mkstemp(dir=raw, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out, (gzip.open if compressed else open)(source, "rb") as inp:
                shutil.copyfileobj(inp, out, 1 << 20)
            os.replace(tmp, dst)  # atomic: parallel processes never see a half-written file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return root


SAMPLE_TEST_MESSAGE = ("the bundled MNIST sample has no test split for notebooks: its held-out digits are kept "
                       "by the grader, which scores your models on them. Measure accuracy on a validation part of "
                       "the training split (random_split) instead, or point load_mnist at full MNIST (root=...)")


def _empty_idx(path: Path, item_shape: tuple[int, ...]) -> None:
    """An IDX file of unsigned bytes holding no items (a placeholder torchvision accepts)."""
    header = bytes([0, 0, 0x08, 1 + len(item_shape)]) + b"".join(
        n.to_bytes(4, "big") for n in (0, *item_shape))
    if not (path.is_file() and path.read_bytes() == header):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(header)
        os.replace(tmp, path)


def _unpack_sample(cache: Path) -> Path:
    """Decompress the bundled sample's training digits into cache/mnist-sample/MNIST/raw once; return
    cache/mnist-sample. The sample ships no test split (the grader holds it): its two test files
    there hold no digits, which is what torchvision needs to open the training split."""
    raw = cache / "mnist-sample" / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    _empty_idx(raw / "t10k-images-idx3-ubyte", (28, 28))
    _empty_idx(raw / "t10k-labels-idx1-ubyte", ())
    return _unpack_idx(SAMPLE_DIR, cache / "mnist-sample", "MNIST", _MNIST_FILES[:2])


def load_mnist(root: str | Path | None = None, train: bool = True, transform: Callable | None = None,
               download: bool = False, verbose: bool = True) -> "torchvision.datasets.MNIST":
    """Load MNIST as a torchvision dataset; items are (image, label).

    Looks in ``root`` (else $NNCOURSE_MNIST_ROOT, else the cache folder) for torchvision's
    layout root/MNIST/raw/<IDX files>; any 28x28 IDX files there work, e.g. Fashion-MNIST.
    If none are found and download=True, tries to download into that folder. Otherwise
    falls back to the bundled sample of 8,000 real MNIST training digits; the sample has no test
    split (its 2,000 held-out digits stay with the grader), so ``train=False`` raises then.
    transform defaults to ToTensor(): image float32 tensor (1, 28, 28) with values in [0, 1].
    When verbose, prints one line saying which data was used.
    """
    import torchvision

    if transform is None:
        transform = torchvision.transforms.ToTensor()
    split = "training" if train else "test"
    where = _candidate_root(root)

    if not _has_mnist(where) and download:
        try:
            torchvision.datasets.MNIST(where, train=train, download=True)
        except Exception as err:  # offline, blocked mirror, read-only disk, ...
            warnings.warn(f"MNIST download into {where} failed ({type(err).__name__}: {err}); "
                          "using the bundled sample instead", stacklevel=2)

    if _has_mnist(where):
        dataset = torchvision.datasets.MNIST(where, train=train, transform=transform, download=False)
        message = f"MNIST: full dataset from {where} ({len(dataset):,} {split} images)"
    else:
        if not train:
            raise FileNotFoundError(SAMPLE_TEST_MESSAGE)
        try:
            sample_root = _unpack_sample(cache_dir())
        except OSError:  # unwritable cache folder: use the temp folder instead
            sample_root = _unpack_sample(Path(tempfile.gettempdir()) / "nn-coursework")
        dataset = torchvision.datasets.MNIST(sample_root, train=train, transform=transform, download=False)
        message = (f"MNIST: bundled sample of real MNIST digits ({len(dataset):,} {split} images; "
                   "see student_lib/data/mnist-sample/README.md)")
    if verbose:
        print(message)
    return dataset


# --- Fashion-MNIST -------------------------------------------------------------------------

FASHION_MNIST_ROOT_VAR = "NNCOURSE_FASHION_MNIST_ROOT"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")  # apt-get install dataset-fashion-mnist


def fashion_mnist_root(root: str | Path | None = None) -> Path:
    """Where load_fashion_mnist(root) looks: root, else $NNCOURSE_FASHION_MNIST_ROOT, else the
    folder of Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist)."""
    if root is None:
        root = os.environ.get(FASHION_MNIST_ROOT_VAR, "").strip() or DEBIAN_FASHION_MNIST
    return Path(root).expanduser()


def load_fashion_mnist(root: str | Path | None = None, train: bool = True,
                       transform: Callable | None = None,
                       verbose: bool = True) -> "torchvision.datasets.FashionMNIST":
    """Load Fashion-MNIST (60,000 train / 10,000 test 28x28 images of clothing, 10 classes) as a
    torchvision dataset; items are (image, label). Same IDX format as MNIST, so it can stand in
    for full-size MNIST.

    ``root`` (else $NNCOURSE_FASHION_MNIST_ROOT, else /usr/share/datasets/fashion-mnist) is either
    torchvision's layout root/FashionMNIST/raw/<IDX files>, read in place, or a folder holding the
    four IDX files directly, plain or .gz (the layout of Debian's dataset-fashion-mnist package),
    which are decompressed once into the cache folder. Nothing is downloaded; a missing dataset
    raises FileNotFoundError saying how to install it.
    transform defaults to ToTensor(): image float32 tensor (1, 28, 28) with values in [0, 1];
    label an int in 0..9 (names in ``dataset.classes``).
    When verbose, prints one line saying which data was used.
    """
    import torchvision

    if transform is None:
        transform = torchvision.transforms.ToTensor()
    where = fashion_mnist_root(root)
    if all((where / "FashionMNIST" / "raw" / name).is_file() for name in _MNIST_FILES):
        dataset_root = where
    elif all(idx_file(where, name) for name in _MNIST_FILES):
        # one cache folder per source folder, so two sources never share decompressed files
        key = hashlib.sha256(str(where.resolve()).encode()).hexdigest()[:12]
        try:
            dataset_root = _unpack_idx(where, cache_dir() / "fashion-mnist" / key, "FashionMNIST")
        except OSError:  # unwritable cache folder: use the temp folder instead
            fallback = Path(tempfile.gettempdir()) / "nn-coursework" / "fashion-mnist" / key
            dataset_root = _unpack_idx(where, fallback, "FashionMNIST")
    else:
        raise FileNotFoundError(
            f"Fashion-MNIST not found in {where}: expected {where}/FashionMNIST/raw/<IDX files> or the "
            f"four IDX files (.gz or not) in {where} itself. Install it with "
            f"`apt-get install dataset-fashion-mnist`, or set ${FASHION_MNIST_ROOT_VAR} or root= to "
            "the folder that holds it")
    dataset = torchvision.datasets.FashionMNIST(dataset_root, train=train, transform=transform,
                                                download=False)
    if verbose:
        split = "training" if train else "test"
        print(f"Fashion-MNIST: {len(dataset):,} {split} images from {where}")
    return dataset
