"""Reading image samples from ``.npy``/``.npz`` files and checking their shape and range.

Every image metric of the toolkit takes generator outputs: float arrays ``[N, H, W, C]`` in [-1, 1],
the tanh range of the zoo's generators. MNIST samples are ``[N, 28, 28, 1]`` and stacked-MNIST samples
``[N, 28, 28, 3]`` (see the conventions of docs/evaluation.md). :func:`check_images` rejects anything else
with a :class:`SampleError` whose message says what is wrong, so a command line can print it as one line.
"""
from __future__ import annotations

import os

import numpy as np

__all__ = ["DATASETS", "SampleError", "check_images", "infer_dataset", "load_samples"]

#: The image data sets with an offline evaluation classifier.
DATASETS = ("mnist", "stacked_mnist")
_CHANNELS = {"mnist": 1, "stacked_mnist": 3}


class SampleError(ValueError):
    """Samples are missing, unreadable, or have the wrong shape or range; the message says which."""


def load_samples(path: str | os.PathLike, key: str | None = None) -> np.ndarray:
    """Read samples from ``.npy`` or ``.npz`` (``key``, else ``samples``, else its only array), through
    :func:`zoo.data.read_array`; any problem is a :class:`SampleError`."""
    from zoo.data import DataError, read_array

    try:
        return read_array(path, key, preferred=("samples",), what="samples file")
    except DataError as err:
        raise SampleError(str(err)) from None


def infer_dataset(images) -> str:
    """``mnist`` for one channel, ``stacked_mnist`` for three (28×28 images)."""
    shape = np.shape(images)
    if len(shape) == 3 or (len(shape) == 4 and shape[-1] == 1):
        return "mnist"
    if len(shape) == 4 and shape[-1] == 3:
        return "stacked_mnist"
    raise SampleError(f"cannot tell the data set from sample shape {shape}; expected [N,28,28,1] or [N,28,28,3]")


def check_images(samples, dataset: str | None = None, min_n: int = 1) -> np.ndarray:
    """Validate samples and return them as float32 ``[N, H, W, C]`` in [-1, 1] (the array itself, not a
    copy, when it already is one: callers must not modify the result in place).

    ``dataset`` is ``"mnist"`` (``[N,28,28,1]``; ``[N,28,28]`` is accepted), ``"stacked_mnist"``
    (``[N,28,28,3]``), ``None`` (one of those two, from the channel count) or ``"any"`` (any size, 1 or 3
    channels; for the Inception network). Rejects (``SampleError``): wrong rank or size, fewer than
    ``min_n`` samples, non-finite values, and values outside [-1, 1] (beyond a 1e-3 tolerance) — the
    usual sign of images saved in [0, 255] or [0, 1], which would silently distort every score.
    """
    x = np.asarray(samples)
    if x.dtype.kind not in "fiu":
        raise SampleError(f"samples must be numeric, got dtype {x.dtype}")
    if x.ndim == 3:
        x = x[..., None]
    if dataset == "any":
        if x.ndim != 4 or x.shape[-1] not in (1, 3) or min(x.shape[1:3]) < 1:
            raise SampleError(f"samples must have shape [N, H, W, 1 or 3], got {list(x.shape)}")
    else:
        dataset = dataset or infer_dataset(x)
        if dataset not in DATASETS:
            raise SampleError(f"unknown image data set {dataset!r}; known: {', '.join(DATASETS)}")
        want = (28, 28, _CHANNELS[dataset])
        if x.ndim != 4 or tuple(x.shape[1:]) != want:
            raise SampleError(f"{dataset} samples must have shape [N, {', '.join(map(str, want))}], "
                              f"got {list(x.shape)}")
    if len(x) < min_n:
        raise SampleError(f"need at least {min_n} samples, got {len(x)}")
    # No copy when the samples are already float32 in [-1, 1] (the usual case): a stacked-MNIST sample
    # of 26,000 images is 245 MB, and every fresh copy of it costs a visible share of an evaluation.
    x = x.astype(np.float32, copy=False)
    lo, hi = float(x.min()), float(x.max())  # NaN propagates through min/max; ±inf is an extreme
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise SampleError("samples contain NaN or infinite values")
    if lo < -1.001 or hi > 1.001:
        raise SampleError(f"samples must be generator outputs in [-1, 1], got range [{lo:.3g}, {hi:.3g}]")
    return x if -1.0 <= lo and hi <= 1.0 else np.clip(x, -1.0, 1.0)
