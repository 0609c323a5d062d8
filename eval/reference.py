"""Real reference sets for the image metrics and their statistics.

* :func:`real_images` draws N real MNIST / stacked-MNIST images of a split, reproducibly for a seed;
* :func:`classified_real` is such a set already run through a scorer, cached per scorer, because the
  same reference (N training images) and floor (N test images) serve every generator evaluated with
  that scorer (docs/evaluation.md#fid-and-feature-metrics);
* :func:`cached_stats` keeps what is derived from such sets (the reference's features and k-NN radii,
  the floor's metrics) in memory per scorer **and on disk** (:mod:`zoo.diskcache`), keyed by the
  scorer's weights fingerprint, the sha256 of the MNIST arrays the sets are drawn from, and every
  parameter (data set, split, N, seed, metric arguments), so a new process skips classifying them;
* :func:`train_marginal` is the training-label distribution p_train(y) of the MODE score.
"""
from __future__ import annotations

import functools
import json
import weakref

import numpy as np

from eval import scores
from eval.digits import classify
from eval.samples import SampleError

__all__ = ["cached_stats", "classified_real", "clear_caches", "data_fingerprint", "real_images", "train_marginal"]

# Classified real sets per scorer: {scorer: {(dataset, split, n, seed): entry}}. The keys are weak, so
# an entry lives exactly as long as its scorer: a new scorer can never be handed another one's results.
_REAL_SETS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MAX_REAL_SETS = 8  # per scorer; a classified 26,000-image stacked set holds ~0.2 GB of probabilities
#: Version of how real sets are drawn and reduced; part of every on-disk key, so changing the drawing
#: code (``real_images``, ``classify``, ``kth_nn_radii``, the metrics of the floor) and bumping this never
#: serves old statistics. 2: the FID square root runs on one BLAS thread (floors move by ~1e-11).
#: 3: k-NN radii from Σ (a_k − b_k)² (eval.distances) instead of ‖a‖² + ‖b‖² − 2aᵀb (radii move by ~1e-15).
CACHE_FORMAT = 3
# sha256 of the MNIST arrays per split: {split: (digits, labels, hex)}. The arrays are kept so that
# their identity check below is sound (a freed array's id could be reused by another one).
_DATA_FINGERPRINTS: dict = {}


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
    sets = _memory(scorer)
    key = (dataset, split, n, seed)
    entry = sets.get(key)
    if entry is None:
        if len(sets) >= _MAX_REAL_SETS:
            sets.pop(next(iter(sets)))
        images, true_digits = real_images(dataset, split, n, seed)
        entry = dict(classify(scorer, images, dataset), true_digits=true_digits)
        sets[key] = entry
    return entry


def data_fingerprint(split: str) -> str:
    """sha256 of the MNIST ``split`` arrays (digits and labels) that real sets of that split are drawn
    from: :func:`zoo.stacked_mnist.mnist_digits`, whatever provides it (tests substitute small pools)."""
    from zoo import stacked_mnist

    digits, labels = stacked_mnist.mnist_digits(split)
    known = _DATA_FINGERPRINTS.get(split)
    if known is None or known[0] is not digits or known[1] is not labels:
        known = (digits, labels, stacked_mnist.arrays_sha256(digits, labels))
        _DATA_FINGERPRINTS[split] = known
    return known[2]


def _memory(scorer) -> dict:
    try:
        return _REAL_SETS.setdefault(scorer, {})
    except TypeError:  # not weakly referenceable or hashable: no cache
        return {}


def cached_stats(scorer, what: str, params: dict, build) -> dict:
    """``build()`` for ``(scorer, what, params)``, computed once: from memory (per live scorer), else from
    the on-disk cache, else built and stored in both.

    ``params`` (JSON-able) must hold everything the result depends on besides the scorer, data
    fingerprints included. The disk is used only for scorers with a ``cache_fingerprint()`` (the MNIST
    classifier hashes its weights); the key is ``what``, that fingerprint, :data:`CACHE_FORMAT` and
    ``params``. ``build`` returns numpy arrays and JSON-able values (nested dicts of arrays are not
    supported); float64 arrays that are float32 values are stored compactly and restored bit for bit.
    """
    from zoo import diskcache

    sets = _memory(scorer)
    mem_key = ("stats", what, json.dumps(params, sort_keys=True))
    entry = sets.get(mem_key)
    if entry is not None:
        return entry
    fingerprint = getattr(scorer, "cache_fingerprint", None)
    fingerprint = fingerprint() if callable(fingerprint) else None
    key = None if fingerprint is None else {"what": what, "scorer": fingerprint, "format": CACHE_FORMAT, **params}
    entry = diskcache.load(what, key) if key is not None else None
    if entry is None:
        entry = build()
        if key is not None:
            diskcache.save(what, key, entry)
    if len(sets) >= _MAX_REAL_SETS:
        sets.pop(next(iter(sets)))
    sets[mem_key] = entry
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
    """Forget the in-memory classified real sets, statistics, data fingerprints and training-label marginal
    (the on-disk cache is keyed by the data itself and needs no clearing)."""
    _REAL_SETS.clear()
    _DATA_FINGERPRINTS.clear()
    _mnist_train_marginal.cache_clear()
