"""Real reference sets for the image metrics and their statistics.

* :func:`real_images` draws N real MNIST / stacked-MNIST images of a split, reproducibly for a seed;
* :func:`classified_real` is such a set already run through a scorer, cached per scorer, because the
  same reference (N training images) and floor (N test images) serve every generator evaluated with
  that scorer (docs/evaluation.md#fid-and-feature-metrics);
* :func:`train_marginal` is the training-label distribution p_train(y) of the MODE score.
"""
from __future__ import annotations

import functools
import weakref

import numpy as np

from eval import scores
from eval.digits import classify
from eval.samples import SampleError

__all__ = ["classified_real", "clear_caches", "real_images", "train_marginal"]

# Classified real sets per scorer: {scorer: {(dataset, split, n, seed): entry}}. The keys are weak, so
# an entry lives exactly as long as its scorer: a new scorer can never be handed another one's results.
_REAL_SETS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MAX_REAL_SETS = 8  # per scorer; a classified 26,000-image stacked set holds ~0.2 GB of probabilities


def real_images(dataset: str, split: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` real images in [-1, 1] and their true digits from ``split`` (reproducible for ``seed``).

    MNIST draws without replacement while ``n`` ≤ the split size and with replacement beyond it;
    stacked MNIST uses :func:`zoo.stacked_mnist.stacked_mnist` (with replacement by construction).
    """
    from zoo.stacked_mnist import mnist_digits, stacked_mnist

    if dataset == "stacked_mnist":
        return stacked_mnist(n, seed, split)
    if dataset != "mnist":
        raise SampleError(f"unknown image data set {dataset!r}")
    digits, labels = mnist_digits(split)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(digits), n, replace=n > len(digits))
    return (digits[idx].astype(np.float32) / 127.5 - 1.0)[..., None], labels[idx]


def classified_real(scorer, dataset: str, split: str, n: int, seed: int) -> dict:
    """:func:`real_images` run through ``scorer`` (:func:`eval.digits.classify`), plus ``true_digits``.

    Real sets are deterministic given (scorer, data set, split, N, seed), so each is classified once per
    scorer and kept while the scorer lives (at most eight per scorer, the oldest dropped first). Callers
    may add entries to the returned dict (``radii``, ``floor``) to reuse them with the same set. Scorers
    that cannot be weakly referenced or hashed are served without a cache.
    """
    try:
        sets = _REAL_SETS.setdefault(scorer, {})
    except TypeError:
        sets = {}
    key = (dataset, split, n, seed)
    entry = sets.get(key)
    if entry is None:
        if len(sets) >= _MAX_REAL_SETS:
            sets.pop(next(iter(sets)))
        images, true_digits = real_images(dataset, split, n, seed)
        entry = dict(classify(scorer, images, dataset), true_digits=true_digits)
        sets[key] = entry
    return entry


@functools.lru_cache(maxsize=1)
def _mnist_train_marginal() -> np.ndarray:
    from zoo.stacked_mnist import mnist_digits

    return scores.class_marginal(mnist_digits("train")[1], 10)


def train_marginal(dataset: str) -> np.ndarray:
    """Training-label distribution p_train(y) for the MODE score (docs/evaluation.md#mode-score).

    MNIST: the 10 train-label frequencies. Stacked MNIST: the channels are independent uniform draws
    from the training digits, so p_train(d0, d1, d2) = p(d0) p(d1) p(d2) exactly (1000 entries).
    """
    if dataset not in ("mnist", "stacked_mnist"):
        raise SampleError(f"unknown image data set {dataset!r}")
    p = _mnist_train_marginal()
    if dataset == "mnist":
        return p
    return np.einsum("i,j,k->ijk", p, p, p).ravel()


def clear_caches() -> None:
    """Forget the cached classified real sets and the training-label marginal (e.g. after the data changed)."""
    _REAL_SETS.clear()
    _mnist_train_marginal.cache_clear()
