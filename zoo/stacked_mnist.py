"""Stacked MNIST: 28×28×3 images whose channels are three independent MNIST digits.

The protocol is in ``docs/evaluation.md#stacked-mnist``.

Each channel is an independently, uniformly drawn digit image (indices drawn **with replacement**), so
the (d0, d1, d2) label triples span 1000 modes (VEEGAN ``index.md``; PacGAN ``VEEGAN_experiment/model.py:
load_mnist``). Values are in [-1, 1] like every other image data set of the zoo (``zoo.data``).

Two settings from the literature map onto this module:

* VEEGAN/PacGAN: a fixed set of 128,000 images built once from train+test ->
  ``stacked_mnist(128_000, seed, split="train+test")`` or ``stacked_mnist_dataset(..., num=128_000,
  split="train+test")``.
* Unrolled GAN (Metz et al.): built on the fly from the 60k training set ->
  ``stacked_mnist_dataset(batch_size, seed)`` (``num=None``).

Determinism: the same ``(num, seed, split)`` always gives the same images and triples (numpy
``default_rng(seed)`` for the indices; tfds' MNIST split order is fixed).
"""
from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf

__all__ = ["arrays_sha256", "mnist_digits", "stack_digits", "stacked_indices", "stacked_mnist", "stacked_mnist_dataset"]


@functools.lru_cache(maxsize=4)
def mnist_digits(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST ``split`` as ``(uint8 [N,28,28], int64 [N])``, loaded once per process through
    ``zoo.data.load_images`` and kept in the on-disk cache (:mod:`zoo.diskcache`) for later processes.

    Kept as uint8 (47 MB for 60k) and converted to [-1, 1] on demand; ``load_images`` gives
    x/127.5 − 1, so rounding (x + 1)·127.5 recovers the bytes exactly.

    Decoding the 60,000 training PNGs through tfds costs ~3 s, most of a cold stacked-MNIST evaluation's
    overhead (docs/evaluation.md#speed); reading them back from the cache costs ~0.05 s. The cache key is
    :func:`_prepared_key`: the tfds files the arrays are decoded from (path, size, modification time)
    and the tfds version, so re-preparing or replacing the data is a miss. It is neither read nor
    written while the loading path is substituted (``tfds.testing.mock_data``, a patched
    ``zoo.data.load_images``): those arrays do not come from the files on disk, and once a cache keyed
    by the files served such random digits to every later process. Each entry also stores the arrays'
    sha256, checked on every read, so a corrupt entry is a miss. The statistics computed from the arrays
    are cached separately, keyed by that sha256 (:mod:`eval.reference`).
    """
    from zoo import diskcache
    from zoo.data import load_images

    key = _prepared_key(split)
    if key is not None:
        hit = diskcache.load("mnist-arrays", key)
        if hit is not None and arrays_sha256(hit["digits"], hit["labels"]) == hit["sha256"]:
            return hit["digits"], hit["labels"]
    xs, ys = [], []
    for x, y in load_images("mnist", split, with_labels=True).batch(10_000):
        xs.append(np.rint((x.numpy()[..., 0] + 1.0) * 127.5).astype(np.uint8))
        ys.append(y.numpy().astype(np.int64))
    digits, labels = np.concatenate(xs), np.concatenate(ys)
    key = _prepared_key(split)  # the files exist now if this load prepared them
    if key is not None:
        diskcache.save("mnist-arrays", key, {"digits": digits, "labels": labels,
                                             "sha256": arrays_sha256(digits, labels)})
    return digits, labels


def arrays_sha256(digits, labels) -> str:
    """sha256 of the digit and label arrays (dtype, shape and bytes of each)."""
    import hashlib

    digest = hashlib.sha256()
    for a in (digits, labels):
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype}|{a.shape}|".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _loading_substituted() -> bool:
    """True when MNIST would not be read from the prepared files by the real code path: tfds'
    ``mock_data`` is active (it patches ``DatasetBuilder.as_dataset``) or ``zoo.data.load_images`` was
    replaced (as tests do)."""
    import sys

    from zoo import data

    load = data.load_images
    if getattr(load, "__module__", None) != "zoo.data" or getattr(load, "__qualname__", None) != "load_images":
        return True
    if "tensorflow_datasets" not in sys.modules:  # mock_data needs tfds imported
        return False
    from tensorflow_datasets.core import dataset_builder as db

    for cls, name in ((db.DatasetBuilder, "as_dataset"), (db.FileReaderBuilder, "_as_dataset")):
        fn = getattr(cls, name)
        where = (getattr(fn, "__module__", None), getattr(fn, "__qualname__", None))
        if where != (db.__name__, f"{cls.__name__}.{name}"):
            return True
    return False


def _prepared_key(split: str) -> dict | None:
    """The disk-cache key of the MNIST ``split`` arrays: every file of tfds' prepared ``mnist`` folder
    (name, size, modification time in ns), its absolute path and the installed tfds version; None when
    nothing is prepared yet or the loading path is substituted (:func:`_loading_substituted`)."""
    import importlib.metadata
    from pathlib import Path

    from zoo.data import _tfds_dir

    if _loading_substituted():
        return None
    root = Path(_tfds_dir()).expanduser().resolve() / "mnist"
    files = sorted(p for p in root.glob("*/*") if p.is_file()) if root.is_dir() else []
    if not any(p.name.startswith(f"mnist-{split}.") for p in files):
        return None
    try:
        tfds_version = importlib.metadata.version("tensorflow-datasets")
    except importlib.metadata.PackageNotFoundError:
        tfds_version = "unknown"
    return {"what": "mnist-arrays", "format": 1, "split": split, "folder": str(root), "tfds": tfds_version,
            "files": [[str(p.relative_to(root)), st.st_size, st.st_mtime_ns] for p in files for st in [p.stat()]]}


def _to_unit(x_uint8):
    return x_uint8.astype(np.float32) / 127.5 - 1.0


def stacked_indices(num: int, pool_size: int, seed: int) -> np.ndarray:
    """``[num, 3]`` digit indices, uniform with replacement, one independent draw per channel."""
    if num < 0 or pool_size < 1:
        raise ValueError(f"need num >= 0 and a non-empty digit pool, got num={num}, pool={pool_size}")
    return np.random.default_rng(seed).integers(0, pool_size, size=(int(num), 3))


def stack_digits(digits, labels, num: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stack ``num`` random digit triples from a given pool.

    Args:
        digits: ``[M, 28, 28]`` (or ``[M,28,28,1]``) uint8 in [0, 255] or float in [-1, 1].
        labels: ``[M]`` digit labels.
        num, seed: how many images, and the seed of the index draw.

    Returns:
        ``(images [num, 28, 28, 3] float32 in [-1, 1], triples [num, 3] int64)``; channel c holds digit
        ``triples[:, c]``.
    """
    d = np.asarray(digits)
    if d.ndim == 4:
        d = d[..., 0]
    idx = stacked_indices(num, len(d), seed)
    chosen = d[idx]  # [num, 3, 28, 28]
    images = _to_unit(chosen) if chosen.dtype == np.uint8 else chosen.astype(np.float32)
    return np.ascontiguousarray(np.moveaxis(images, 1, -1)), np.asarray(labels, np.int64)[idx]


def stacked_mnist(num: int, seed: int = 0, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """``num`` stacked-MNIST images ``[num,28,28,3]`` in [-1,1] and their digit triples ``[num,3]``.

    Built from tfds MNIST ``split`` (e.g. ``"train"``, ``"test"``, ``"train+test"``) via
    ``zoo.data.load_images``; reproducible for a fixed ``seed``.
    """
    digits, labels = mnist_digits(split)
    return stack_digits(digits, labels, num, seed)


def stacked_mnist_dataset(batch_size: int, seed: int = 0, split: str = "train", num: int | None = None,
                          with_labels: bool = False, repeat: bool = True) -> tf.data.Dataset:
    """A batched ``tf.data`` training pipeline of stacked MNIST in [-1, 1].

    With ``num`` set, a fixed set of ``num`` images (the same as ``stacked_mnist(num, seed, split)``) is
    shuffled each epoch (VEEGAN/PacGAN setting, 128,000 images). With ``num=None`` new triples are drawn
    on the fly from the split (Unrolled-GAN setting), deterministic given ``seed``. Only the uint8 digit
    pool and the index table live in memory; images are gathered per batch. Batches drop the remainder
    so every step sees ``batch_size``. Elements are images, or ``(images, triples)`` with ``with_labels``.
    """
    digits, labels = mnist_digits(split)
    pool = tf.constant(digits)
    pool_labels = tf.constant(labels)

    if num is not None:
        table = stacked_indices(num, len(digits), seed)
        ds = tf.data.Dataset.from_tensor_slices(table)
        ds = ds.shuffle(min(int(num), 200_000), seed=seed, reshuffle_each_iteration=True)
        if repeat:
            ds = ds.repeat()
    else:
        if not repeat:
            raise ValueError("the on-the-fly stream (num=None) is infinite; pass num for a finite data set")
        # Stateless per-element draws: element i uses seed (seed, i), so the stream is reproducible.
        ds = tf.data.Dataset.counter()
        n = len(digits)
        ds = ds.map(lambda i: tf.random.stateless_uniform([3], tf.stack([tf.cast(seed, tf.int64), i]),
                                                          0, n, dtype=tf.int64))
    ds = ds.batch(batch_size, drop_remainder=True)

    def gather(idx):
        images = tf.cast(tf.gather(pool, idx), tf.float32) / 127.5 - 1.0  # [B, 3, 28, 28]
        images = tf.transpose(images, [0, 2, 3, 1])
        return (images, tf.gather(pool_labels, idx)) if with_labels else images

    return ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
