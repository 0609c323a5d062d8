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

__all__ = ["stack_digits", "stacked_mnist", "stacked_mnist_dataset", "mnist_digits", "stacked_indices"]


@functools.lru_cache(maxsize=4)
def mnist_digits(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST ``split`` as ``(uint8 [N,28,28], int64 [N])``, loaded once through ``zoo.data.load_images``.

    Kept as uint8 (47 MB for 60k) and converted to [-1, 1] on demand; ``load_images`` gives
    x/127.5 − 1, so rounding (x + 1)·127.5 recovers the bytes exactly.

    Not cached on disk: a key made from tfds' prepared files would not prove that these arrays came from
    them (under ``tfds.testing.mock_data`` the same files were on disk while random digits were read,
    and a disk cache then served those to every later process). The statistics computed from the arrays
    are cached, keyed by the arrays' own sha256 (:mod:`eval.reference`).
    """
    from zoo.data import load_images

    xs, ys = [], []
    for x, y in load_images("mnist", split, with_labels=True).batch(10_000):
        xs.append(np.rint((x.numpy()[..., 0] + 1.0) * 127.5).astype(np.uint8))
        ys.append(y.numpy().astype(np.int64))
    return np.concatenate(xs), np.concatenate(ys)


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
