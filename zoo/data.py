"""Datasets: the synthetic Gaussian mixtures (as tfp distributions) and image data through tfds.

Mixtures follow ``docs/evaluation.md#mixture-benchmarks``:

* ``ring8``: 8 modes at (cos 2πi/8, sin 2πi/8), std 0.01 (PacGAN/VEEGAN ring; 8 distinct angles,
  not the 7-mode linspace bug of the Unrolled demo).
* ``grid25``: 25 modes at {-4,-2,0,2,4}², std 0.05 (PacGAN/VEEGAN grid).
* ``grid25_aniso``: **our definition** of DIW-GAN's "25 random anisotropic Gaussians" (the paper gives
  none): means on the ``grid25`` lattice, each covariance R(θ) diag(s1², s2²) R(θ)ᵀ with
  s1, s2 ~ U(0.02, 0.1) and θ ~ U(0, π), drawn once with numpy seed 0.
* ``cube27``: **our definition** of DIW-GAN's cube (grid-like, spacing 2): means {-2,0,2}³, std 0.05.
* ``rect25``: LOGAN's toy grid (its code's ``rect``): 25 modes at linspace(-2, 2, 5)², std 0.01.

The built-in mixtures have equal weights; :meth:`Mixture.from_spec` builds any other, weighted or
not. Image data sets come from ``tensorflow_datasets``; MNIST works
offline through tfds' manual-download directory (see :func:`manual_dir`).

Your own data (docs/your_own_data.md) is a **data source** registered under a dataset name of its own:

* ``mixture:NAME`` — a mixture from a spec (:func:`mixture_source`);
* ``array:NAME`` — a ``.npy``/``.npz`` array of vectors or images (:func:`array_source`);
* ``tfds:NAME`` — any tensorflow-datasets image set (:func:`tfds_source`).

Its record (the spec; the file's path and sha256; the tfds name and version) travels in the run's
config as ``data_source``, so a checkpoint says where its data came from and evaluation finds the same
reference set. Every function below that takes a dataset name accepts these names once registered.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import os
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from zoo.core.priors import as_seed

tfd = tfp.distributions

__all__ = [
    "Mixture", "MIXTURES", "IMAGE_DATASETS", "DataError", "mixture", "is_mixture", "dataset_names",
    "mixture_dataset", "image_dataset", "load_images", "manual_dir", "dataset", "data_shape",
    "IMAGE_SIZES", "SUPPORTED_SHAPES", "mixture_source", "array_source", "tfds_source", "register_source",
    "source_record", "short_name", "real_sample", "read_array",
]


class DataError(ValueError):
    """A dataset is unknown or cannot be reached; the message says how to provide it."""


@dataclasses.dataclass(frozen=True, eq=False)
class Mixture:
    """A Gaussian mixture with its mode table and mode weights.

    Attributes:
        name: registry name (or the spec's name).
        means: ``[K, D]`` mode centres.
        covs: ``[K, D, D]`` covariances (diagonal for the isotropic benchmarks).
        std: the per-dimension std for isotropic mixtures (``None`` for anisotropic ones).
        weights: ``[K]`` mode probabilities, or ``None`` for equal weights. They flow into the tfp
            distribution, the samplers, the histogram divergences and the EMD's reference samples.

    Checked on construction: shapes agree, covariances are symmetric positive definite, weights are
    ≥ 0 and sum to 1. :meth:`from_spec` builds one from a small JSON/YAML spec.
    """

    name: str
    means: np.ndarray
    covs: np.ndarray
    std: float | None = None
    weights: np.ndarray | None = None

    def __post_init__(self):
        means = np.asarray(self.means, np.float64)
        covs = np.asarray(self.covs, np.float64)
        if means.ndim != 2 or len(means) < 1:
            raise DataError(f"mixture {self.name!r}: means must be a [K, D] array, got shape {means.shape}")
        k, d = means.shape
        if covs.shape != (k, d, d):
            raise DataError(f"mixture {self.name!r}: covariances must have shape {(k, d, d)}, got {covs.shape}")
        if not np.all(np.isfinite(means)) or not np.all(np.isfinite(covs)):
            raise DataError(f"mixture {self.name!r}: means and covariances must be finite")
        if not np.allclose(covs, np.swapaxes(covs, 1, 2)):
            raise DataError(f"mixture {self.name!r}: covariances must be symmetric")
        if np.any(np.linalg.eigvalsh(covs) <= 0):
            raise DataError(f"mixture {self.name!r}: covariances must be positive definite")
        if self.weights is not None:
            w = np.asarray(self.weights, np.float64)
            if w.shape != (k,) or np.any(~np.isfinite(w)) or np.any(w < 0) or abs(w.sum() - 1) > 1e-6:
                raise DataError(f"mixture {self.name!r}: weights must be {k} numbers >= 0 that sum to 1, "
                                f"got {np.asarray(self.weights).tolist()}")
            object.__setattr__(self, "weights", w / w.sum())
        object.__setattr__(self, "means", means)
        object.__setattr__(self, "covs", covs)

    @property
    def num_modes(self) -> int:
        """Number of mixture components K."""
        return int(self.means.shape[0])

    @property
    def dim(self) -> int:
        """Dimension of a sample."""
        return int(self.means.shape[1])

    @property
    def probs(self) -> np.ndarray:
        """``[K]`` mode probabilities (uniform when no weights are given)."""
        return self.weights if self.weights is not None else np.full(self.num_modes, 1.0 / self.num_modes)

    @property
    def distribution(self) -> tfd.Distribution:
        """The mixture as a ``tfp.distributions.MixtureSameFamily`` with its mode weights."""
        scale = np.linalg.cholesky(self.covs).astype(np.float32)
        logits = tf.zeros(self.num_modes) if self.weights is None else tf.math.log(self.weights.astype(np.float32))
        return tfd.MixtureSameFamily(
            mixture_distribution=tfd.Categorical(logits=logits),
            components_distribution=tfd.MultivariateNormalTriL(
                loc=self.means.astype(np.float32), scale_tril=scale),
        )

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """Draw ``n`` points as a float32 numpy array (deterministic for an int ``seed``)."""
        return self.distribution.sample(int(n), seed=as_seed(seed)).numpy()

    def to_spec(self) -> dict:
        """The JSON spec that :meth:`from_spec` turns back into this mixture (lists of floats)."""
        spec = {"name": self.name, "means": self.means.tolist()}
        if self.std is not None:
            spec["std"] = float(self.std)
        else:
            spec["covs"] = self.covs.tolist()
        if self.weights is not None:
            spec["weights"] = self.weights.tolist()
        return spec

    @classmethod
    def from_spec(cls, spec) -> Mixture:
        """A mixture from a spec: a dict, or the path of a JSON or YAML file holding one.

        Keys: ``means`` (``[K, D]``), either ``std`` (one per-dimension std for every mode) or ``covs``
        (``[K, D, D]``), optional ``weights`` (``[K]``, ≥ 0, summing to 1) and ``name``::

            {"name": "two_rings", "means": [[1, 0], [0, 1], ...], "std": 0.02, "weights": [...]}

        Every problem raises :class:`DataError` with one line that names it.
        """
        source = "spec"
        if isinstance(spec, (str, os.PathLike)):
            source = str(spec)
            path = Path(spec)
            if not path.is_file():
                raise DataError(f"mixture spec {source!r} does not exist")
            text = path.read_text()
            try:
                if path.suffix.lower() in (".yaml", ".yml"):
                    import yaml

                    spec = yaml.safe_load(text)
                else:
                    import json

                    spec = json.loads(text)
            except Exception as err:  # noqa: BLE001 (JSON and YAML raise different types)
                raise DataError(f"mixture spec {source!r} is not valid JSON/YAML: {err}") from None
        if not isinstance(spec, dict):
            raise DataError(f"mixture {source!r} must be a mapping with 'means' and 'std' or 'covs'")
        unknown = sorted(set(spec) - {"name", "means", "std", "covs", "weights"})
        if unknown:
            raise DataError(f"mixture {source!r}: unknown keys {unknown}; known: name, means, std, covs, weights")
        if "means" not in spec or ("std" in spec) == ("covs" in spec):
            raise DataError(f"mixture {source!r} needs 'means' and exactly one of 'std' or 'covs'")
        name = str(spec.get("name") or (Path(source).stem if source != "spec" else "custom"))
        try:
            means = np.asarray(spec["means"], np.float64)
            weights = None if spec.get("weights") is None else np.asarray(spec["weights"], np.float64)
            if "std" in spec:
                std = float(spec["std"])
                if not std > 0:
                    raise DataError(f"mixture {name!r}: std must be > 0, got {spec['std']!r}")
                if means.ndim != 2:
                    raise DataError(f"mixture {name!r}: means must be a [K, D] list of lists")
                covs = np.tile(np.eye(means.shape[1]) * std**2, (len(means), 1, 1))
                return cls(name, means, covs, std, weights)
            return cls(name, means, np.asarray(spec["covs"], np.float64), None, weights)
        except (TypeError, ValueError) as err:
            if isinstance(err, DataError):
                raise
            raise DataError(f"mixture {name!r}: {err}") from None


def _isotropic(name, means, std):
    means = np.asarray(means, np.float64)
    covs = np.tile(np.eye(means.shape[1]) * std**2, (len(means), 1, 1))
    return Mixture(name, means, covs, std)


def _grid(values, dim):
    return np.stack(np.meshgrid(*([values] * dim), indexing="ij"), -1).reshape(-1, dim)


def _anisotropic_grid(seed=0):
    rng = np.random.default_rng(seed)
    means = _grid(np.arange(-4.0, 5.0, 2.0), 2)
    covs = []
    for _ in means:
        s = rng.uniform(0.02, 0.1, size=2)
        t = rng.uniform(0, np.pi)
        rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        covs.append(rot @ np.diag(s**2) @ rot.T)
    return Mixture("grid25_aniso", means, np.stack(covs), None)


_ANGLES = 2 * np.pi * np.arange(8) / 8
MIXTURES: dict[str, Mixture] = {
    "ring8": _isotropic("ring8", np.stack([np.cos(_ANGLES), np.sin(_ANGLES)], -1), 0.01),
    "grid25": _isotropic("grid25", _grid(np.arange(-4.0, 5.0, 2.0), 2), 0.05),
    "grid25_aniso": _anisotropic_grid(0),
    "cube27": _isotropic("cube27", _grid(np.array([-2.0, 0.0, 2.0]), 3), 0.05),
    # LOGAN's toy grid (Sharma & Namboodiri 2018, arXiv:1802.00771; its code's ``rect``): 5 × 5 modes on
    # linspace(-2, 2, 5)² (spacing 1), std 0.01.
    "rect25": _isotropic("rect25", _grid(np.linspace(-2.0, 2.0, 5), 2), 0.01),
}

# name -> (tfds name, image shape, how to provide it offline)
IMAGE_DATASETS = {
    "mnist": ("mnist", (28, 28, 1)),
    "fashion_mnist": ("fashion_mnist", (28, 28, 1)),
    "cifar10": ("cifar10", (32, 32, 3)),
    "celeba": ("celeb_a", (64, 64, 3)),
}

# Data sets built from another one: name -> image shape. Stacked MNIST
# (``docs/evaluation.md#stacked-mnist``): three independent
# MNIST training digits as the RGB channels, 1,000 modes; a fixed set of 128,000 images, as in VEEGAN and
# PacGAN (zoo.stacked_mnist).
DERIVED_DATASETS = {"stacked_mnist": (28, 28, 3)}
STACKED_MNIST_SIZE = 128_000


def dataset_names() -> list[str]:
    """All dataset names the zoo understands: the built-in ones and the data sources registered in this
    process (:func:`register_source`)."""
    return sorted(MIXTURES) + sorted({**IMAGE_DATASETS, **DERIVED_DATASETS}) + sorted(_SOURCES)


def _unknown(name: str) -> DataError:
    return DataError(f"unknown dataset {name!r}; known datasets: {', '.join(dataset_names())}, or your own "
                     f"data (--mixture SPEC, --data FILE.npy, --dataset tfds:NAME)")


def is_mixture(name: str) -> bool:
    """True when ``name`` is a Gaussian mixture: a built-in one or a registered ``mixture:`` source."""
    return name in MIXTURES or (_SOURCES.get(name) or {}).get("kind") == "mixture"


def mixture(name: str) -> Mixture:
    """Look up a mixture by name (built-in or registered spec), with an error that lists the known ones."""
    if name in MIXTURES:
        return MIXTURES[name]
    if is_mixture(name):
        return _spec_mixture(name)
    raise _unknown(name)


def data_shape(name: str) -> tuple[int, ...]:
    """Shape of one example of dataset ``name``."""
    if is_mixture(name):
        return (mixture(name).dim,)
    if name in IMAGE_DATASETS:
        return IMAGE_DATASETS[name][1]
    if name in DERIVED_DATASETS:
        return DERIVED_DATASETS[name]
    if name in _SOURCES:
        return tuple(_SOURCES[name]["shape"])
    raise _unknown(name)


# ----------------------------------------------------------------------------- your own data sources
#: Square image sizes the DCGAN family is built for (``zoo.core.networks``).
IMAGE_SIZES = (28, 32, 64)
SUPPORTED_SHAPES = ("vectors [N, D], or images [N, S, S, C] (or [N, S, S]) with S = 28, 32 or 64 pixels "
                    "and C = 1 or 3 channels")
_PREFIXES = {"mixture": "mixture:", "array": "array:", "tfds": "tfds:"}
# dataset name -> data-source record, for the custom data of this process. Filled by the *_source
# functions and by configs/checkpoints that carry a record (zoo.configs.validate, zoo.load).
_SOURCES: dict[str, dict] = {}


def check_example_shape(shape, what: str) -> tuple[int, ...]:
    """``shape`` of one example (``[H, W]`` gains a channel); raise :class:`DataError` naming what is
    supported (:data:`SUPPORTED_SHAPES`) for anything else."""
    shape = tuple(int(d) for d in shape)
    if len(shape) == 2:
        shape = (*shape, 1)
    if len(shape) == 1 and shape[0] >= 1:
        return shape
    if len(shape) == 3 and shape[0] == shape[1] and shape[0] in IMAGE_SIZES and shape[2] in (1, 3):
        return shape
    raise DataError(f"{what}: examples of shape {list(shape)} are not supported; supported: {SUPPORTED_SHAPES}")


def short_name(name: str) -> str:
    """The part of a dataset name after its source prefix (``mixture:two_rings`` -> ``two_rings``)."""
    return name.split(":", 1)[1] if ":" in name else name


def source_record(name: str) -> dict | None:
    """The data-source record of a registered dataset name, or None for a built-in data set."""
    record = _SOURCES.get(name)
    return json.loads(json.dumps(record)) if record is not None else None


def register_source(name: str, record: dict) -> str:
    """Register ``record`` (from a ``*_source`` function or a checkpoint's config) under ``name``.

    The record is checked: a known kind, the name's prefix, a valid mixture spec or example shape. A
    name registered before must carry the same record (two different data sets under one name would
    make every later lookup ambiguous). Returns ``name``.
    """
    if not isinstance(record, dict) or record.get("kind") not in _PREFIXES:
        raise DataError(f"data source of {name!r} must be a record with kind mixture, array or tfds, got {record!r}")
    kind = record["kind"]
    if not name.startswith(_PREFIXES[kind]) or not short_name(name):
        raise DataError(f"a {kind} data source needs a dataset name {_PREFIXES[kind]}NAME, got {name!r}")
    if kind == "mixture":
        Mixture.from_spec(record.get("spec"))  # raises DataError naming the problem
    else:
        check_example_shape(record.get("shape", []), name)
    known = _SOURCES.get(name)
    if known is not None and known != record:
        raise DataError(f"dataset {name!r} is already registered with another source ({_describe(known)}); "
                        f"give the spec or file another name")
    _SOURCES[name] = json.loads(json.dumps(record))
    return name


def _describe(record: dict) -> str:
    if record["kind"] == "array":
        return f"{record['path']} sha256 {record['sha256'][:12]}"
    if record["kind"] == "tfds":
        return f"tfds {record['name']} {record.get('version')}"
    return f"mixture spec {record['spec'].get('name')}"


def mixture_source(spec) -> str:
    """Register a mixture spec (dict or JSON/YAML path, :meth:`Mixture.from_spec`); return its dataset
    name ``mixture:<spec name>``. The whole spec is recorded, so its checkpoints are self-contained."""
    mix = Mixture.from_spec(spec)
    return register_source(f"mixture:{mix.name}", {"kind": "mixture", "spec": mix.to_spec()})


def _spec_mixture(name: str) -> Mixture:
    spec = _SOURCES[name]["spec"]
    cached = _MIXTURE_CACHE.get(name)
    if cached is None or cached[0] != spec:
        cached = (spec, Mixture.from_spec(spec))
        _MIXTURE_CACHE[name] = cached
    return cached[1]


_MIXTURE_CACHE: dict[str, tuple[dict, Mixture]] = {}


def read_array(path, key: str | None = None, preferred=("x", "data", "samples"), what: str = "data file") -> np.ndarray:
    """An array from ``.npy`` or ``.npz`` (``key``, else the first of ``preferred`` it holds, else its only
    array); never unpickles (untrusted input). Raises :class:`DataError` with one line naming ``what`` for a
    missing, unreadable or ambiguous file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{what} not found: {path}")
    if path.suffix.lower() not in (".npy", ".npz"):
        raise DataError(f"{what} must be a .npy or .npz file, got {path.name}")
    try:
        loaded = np.load(path, allow_pickle=False)
    except Exception as err:  # noqa: BLE001 - numpy raises ValueError/OSError/EOFError/zipfile errors
        raise DataError(f"cannot read {path}: {' '.join(str(err).split())}") from None
    if isinstance(loaded, np.ndarray):
        return loaded
    with loaded:
        names = list(loaded.keys())
        name = key or next((n for n in preferred if n in names), None) or (names[0] if len(names) == 1 else None)
        if name not in names:
            raise DataError(f"{path} holds arrays {names}; expected one named {key or ' or '.join(preferred)} "
                            f"(or a single array)")
        return loaded[name]


def _training_array(raw: np.ndarray, what: str) -> np.ndarray:
    """Checked float32 training data: vectors as they are, images in [-1, 1] (uint8 scaled from [0, 255])."""
    x = np.asarray(raw)
    if x.dtype.kind not in "fiu" or x.ndim < 2 or len(x) < 2:
        raise DataError(f"{what}: need a numeric array of at least 2 examples, got dtype {x.dtype}, "
                        f"shape {list(x.shape)}; supported: {SUPPORTED_SHAPES}")
    shape = check_example_shape(x.shape[1:], what)
    x = x.reshape(len(x), *shape)
    if len(shape) == 3 and x.dtype == np.uint8:
        return x.astype(np.float32) / 127.5 - 1.0  # the [-1, 1] range of every zoo image data set
    x = x.astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise DataError(f"{what}: the array has NaN or infinite values")
    if len(shape) == 3 and (x.min() < -1.001 or x.max() > 1.001):
        raise DataError(f"{what}: float images must be in [-1, 1] (the generators' tanh range), got "
                        f"[{x.min():.3g}, {x.max():.3g}]; save uint8 images in [0, 255] or rescale")
    return np.clip(x, -1.0, 1.0) if len(shape) == 3 else x


def array_source(path, key: str | None = None, name: str | None = None) -> str:
    """Register a ``.npy``/``.npz`` array as a data set; return its name ``array:<file stem or name>``.

    Rows are examples: vectors ``[N, D]`` train MLPs, images ``[N, S, S, C]`` (uint8 in [0, 255] or
    floats in [-1, 1]; S = 28, 32, 64) train DCGANs. The record keeps the absolute path, the array key
    and the file's sha256: a later run or evaluation refuses a file that changed.
    """
    from zoo.checkpoint import sha256

    path = Path(path).resolve()
    x = _training_array(read_array(path, key), str(path))
    record = {"kind": "array", "path": str(path), "key": key, "sha256": sha256(path), "n": len(x),
              "shape": list(x.shape[1:])}
    return register_source(f"array:{name or path.stem}", record)


@functools.lru_cache(maxsize=4)
def _load_array(path: str, key: str | None, digest: str) -> np.ndarray:
    from zoo.checkpoint import sha256

    if not Path(path).is_file():
        raise DataError(f"the data file {path!r} this data set was made from is missing; put it back "
                        f"(sha256 {digest})")
    now = sha256(path)
    if now != digest:
        raise DataError(f"the data file {path!r} changed since it was registered (sha256 {digest[:12]}..., "
                        f"now {now[:12]}...); register it again under another name")
    return _training_array(read_array(path, key), path)


def source_array(name: str) -> np.ndarray:
    """The training array of a registered ``array:`` data set, after checking its file's sha256."""
    record = _SOURCES.get(name)
    if not record or record["kind"] != "array":
        raise DataError(f"{name!r} is not a registered array data set")
    return _load_array(record["path"], record.get("key"), record["sha256"])


def tfds_source(tfds_name: str) -> str:
    """Register any tensorflow-datasets image set; return its name ``tfds:<tfds_name>``.

    The builder's ``image`` feature must have a supported shape (:data:`SUPPORTED_SHAPES`); the record
    keeps the tfds name and version. Data comes through :func:`load_images` (offline rules there).
    """
    import tensorflow_datasets as tfds

    tfds_name = tfds_name.removeprefix("tfds:")
    try:
        builder = tfds.builder(tfds_name, data_dir=_tfds_dir())
    except Exception as err:  # noqa: BLE001 - DatasetNotFoundError and friends
        first = (str(err).split("Traceback")[0].strip().splitlines() or [type(err).__name__])[0]
        raise DataError(f"tensorflow-datasets has no data set {tfds_name!r}: {first}") from None
    features = builder.info.features
    if "image" not in getattr(features, "keys", lambda: [])():
        raise DataError(f"tfds {tfds_name!r} has no 'image' feature; only image data sets are supported")
    shape = check_example_shape([d if d is not None else 0 for d in features["image"].shape], f"tfds {tfds_name!r}")
    record = {"kind": "tfds", "name": tfds_name, "version": str(builder.info.version), "shape": list(shape)}
    return register_source(f"tfds:{tfds_name}", record)


def real_sample(name: str, n: int, seed: int = 0) -> np.ndarray:
    """``n`` real vectors of a vector data set (mixture or array), reproducible for ``seed``: mixtures draw
    fresh points; arrays draw rows without replacement (with replacement beyond their size)."""
    if is_mixture(name):
        return mixture(name).sample(n, seed=seed)
    x = source_array(name)
    if x.ndim != 2:
        raise DataError(f"{name!r} holds images, not vectors")
    idx = np.random.default_rng(seed).choice(len(x), n, replace=n > len(x))
    return x[idx]


def mixture_dataset(name: str, batch_size: int, num_examples: int = 100_000, seed: int = 0,
                    repeat: bool = True) -> tf.data.Dataset:
    """A shuffled, batched ``tf.data`` pipeline over a fixed training sample of a mixture.

    A fixed training set of ``num_examples`` points (100,000 as in PacGAN) makes runs reproducible
    and lets ``fit`` count epochs; batches drop the remainder so every step sees ``batch_size``.
    """
    points = mixture(name).sample(num_examples, seed=seed)
    ds = tf.data.Dataset.from_tensor_slices(points).shuffle(min(num_examples, 100_000), seed=seed)
    if repeat:
        ds = ds.repeat()
    return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def manual_dir() -> Path | None:
    """Folder that holds tfds manual downloads (``<dir>/mnist/*.gz``).

    ``$MODE_ZOO_MANUAL_DIR`` wins; otherwise, when running from a source checkout, a ``shared/data``
    folder beside it (how this project's offline machines and CI provide MNIST) is used when present.
    An installed copy has no checkout: there only ``$MODE_ZOO_MANUAL_DIR`` is looked at.
    """
    env = os.environ.get("MODE_ZOO_MANUAL_DIR")
    if env:
        return Path(env)
    from zoo import checkout_root

    root = checkout_root()
    sibling = root.parent / "shared" / "data" if root is not None else None
    return sibling if sibling is not None and sibling.is_dir() else None


def _tfds_dir() -> str:
    return os.environ.get("MODE_ZOO_DATA_DIR", os.path.expanduser("~/tensorflow_datasets"))


def load_images(name: str, split: str = "train", with_labels: bool = False) -> tf.data.Dataset:
    """Load an image data set from tfds, scaled to [-1, 1] float32 (unbatched).

    MNIST is prepared from a manual-download folder when one exists (no network needed). An
    unreachable data set raises :class:`DataError` saying how to provide it; with
    ``$MODE_ZOO_OFFLINE=1`` nothing is downloaded (without it, tfds retries a dead host for minutes).
    """
    import tensorflow_datasets as tfds

    if name in IMAGE_DATASETS:
        tfds_name, shape = IMAGE_DATASETS[name]
    elif (_SOURCES.get(name) or {}).get("kind") == "tfds":
        tfds_name, shape = _SOURCES[name]["name"], tuple(_SOURCES[name]["shape"])
    else:
        raise _unknown(name)
    kwargs = {}
    mdir = manual_dir()
    has_manual = mdir is not None and (mdir / tfds_name).is_dir()
    if has_manual:
        kwargs["download_and_prepare_kwargs"] = {
            "download_config": tfds.download.DownloadConfig(manual_dir=str(mdir / tfds_name))}
    # $MODE_ZOO_OFFLINE=1 forbids network downloads: without it, tfds retries an unreachable host for
    # minutes before failing.
    offline = os.environ.get("MODE_ZOO_OFFLINE", "") not in ("", "0")
    try:
        ds = tfds.load(tfds_name, split=split, data_dir=_tfds_dir(), download=has_manual or not offline, **kwargs)
    except Exception as err:  # tfds raises many types (network, checksum, missing files)
        raise DataError(
            f"dataset {name!r} (tfds {tfds_name!r}) could not be loaded: {type(err).__name__}: "
            f"{str(err).splitlines()[0] if str(err) else ''}\n"
            f"Provide it offline by putting tfds' manual-download files in "
            f"$MODE_ZOO_MANUAL_DIR/{tfds_name}/ (for MNIST: the four *-ubyte.gz files), or prepare it "
            f"once with internet access into $MODE_ZOO_DATA_DIR (now {_tfds_dir()})."
        ) from err

    def convert(ex):
        img = ex["image"]
        if img.shape.rank == 2:
            img = img[..., None]
        if img.shape[:2] != shape[:2]:
            img = tf.image.resize(img, shape[:2], antialias=True)
        img = tf.cast(img, tf.float32) / 127.5 - 1.0
        return (img, ex["label"]) if with_labels else img

    return ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


def image_dataset(name: str, batch_size: int, seed: int = 0, split: str = "train",
                  repeat: bool = True) -> tf.data.Dataset:
    """Cached, shuffled, batched training pipeline over :func:`load_images`."""
    ds = load_images(name, split).cache().shuffle(10_000, seed=seed)
    if repeat:
        ds = ds.repeat()
    return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def dataset(name: str, batch_size: int, seed: int = 0) -> tf.data.Dataset:
    """The training pipeline for any known dataset name: mixtures, images, registered data sources."""
    if is_mixture(name):
        return mixture_dataset(name, batch_size, seed=seed)
    if name in IMAGE_DATASETS:
        return image_dataset(name, batch_size, seed=seed)
    if name == "stacked_mnist":
        from zoo.stacked_mnist import stacked_mnist_dataset

        return stacked_mnist_dataset(batch_size, seed=seed, num=STACKED_MNIST_SIZE)
    kind = (_SOURCES.get(name) or {}).get("kind")
    if kind == "tfds":
        return image_dataset(name, batch_size, seed=seed)
    if kind == "array":
        x = source_array(name)
        if len(x) < batch_size:
            raise DataError(f"{name!r} has {len(x)} examples, fewer than one batch of {batch_size}; "
                            f"lower --batch-size")
        ds = tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=seed).repeat()
        return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    raise _unknown(name)
