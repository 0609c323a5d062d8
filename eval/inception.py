"""Classifier wrappers that turn images into class probabilities and features.

Every scorer in the evaluation toolkit has the same two-method interface (:class:`Scorer`):

* ``probs(images)``    -> ``[N, K]`` softmax probabilities (what the Inception and MODE scores need:
  probabilities, never logits; docs/evaluation.md#inception-score);
* ``features(images)`` -> ``[N, D]`` penultimate activations (what FID, KID and precision/recall need).

Images always come in the generator's range **[-1, 1]**, ``[N, H, W, C]``; each scorer maps them to the
range its network was trained on (a fixed map, never a per-batch rescaling). Two implementations
exist: :class:`InceptionScorer` here (natural images; Szegedy et al. 2016 Inception-v3 with ImageNet
weights, as in Salimans et al. 2016, arXiv:1606.03498, and Heusel et al. 2017, arXiv:1706.08500) and
``eval.classifier.MnistScorer`` (the MNIST CNN of docs/evaluation.md#mnist-classifier). Both are
:class:`KerasScorer`s, so ``eval.scores.inception_score`` and ``eval.scores.frechet_distance`` accept
the output of either.

Deviation to know about: the reference Inception score code (openai/improved-gan, copied in LOGAN)
uses the 2015 TF graph ``inception-2015-12-05`` with a 1008-way softmax; Keras' InceptionV3 has a
1000-way head and slightly different weights, so absolute IS/FID numbers are close to, but not
identical with, numbers published with the old graph.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = [
    "INCEPTION_WEIGHTS_FILE", "INCEPTION_WEIGHTS_MD5", "InceptionScorer", "KerasScorer", "Scorer",
    "inception_weights_path"
]

# Keras' own registry entry for the ImageNet InceptionV3 weights with the classification top
# (keras/src/applications/inception_v3.py: WEIGHTS_PATH and its file_hash, an MD5).
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INCEPTION_WEIGHTS_MD5 = "9a0d58056eeedaa3f26cb7ebd46da564"


@runtime_checkable
class Scorer(Protocol):
    """What every metric pipeline needs from a classifier (images in [-1, 1])."""

    def probs(self, images) -> np.ndarray:
        """Softmax class probabilities ``[N, K]``."""

    def features(self, images) -> np.ndarray:
        """Penultimate-layer features ``[N, D]``."""


class KerasScorer:
    """A :class:`Scorer` over a Keras classifier whose last layer is a softmax.

    Args:
        model: a Keras model mapping preprocessed images to ``[N, K]`` probabilities.
        feature_layer: name of the layer whose output is the feature vector (penultimate layer).
        preprocess: maps a float32 batch in [-1, 1] to the network's input range/size.
        batch_size: images per forward pass (bounds memory; does not change results).
        name: a label reported next to the scores.
    """

    def __init__(self, model, feature_layer: str, preprocess: Callable | None = None,
                 batch_size: int = 256, name: str = "classifier"):
        import keras

        self.model = model
        self.name = name
        self.batch_size = int(batch_size)
        self.preprocess = preprocess or (lambda x: x)
        # One model with both heads, so features and probabilities cost one forward pass.
        feats = model.get_layer(feature_layer).output
        self._both = keras.Model(model.inputs, [model.outputs[0], feats], name=f"{model.name}_scorer")
        self._step = None

    @property
    def num_classes(self) -> int:
        """K, the number of softmax outputs."""
        return int(self._both.outputs[0].shape[-1])

    def _forward(self, batch):
        """One forward pass of a ``[batch_size, H, W, C]`` float32 batch under a single traced graph."""
        import tensorflow as tf

        if self._step is None:
            # A traced graph is several times faster than eager calls. No autograph: the function is
            # plain tensor code, and autograph re-reads its source from disk, which breaks a
            # long-running process when the file is edited meanwhile.
            self._step = tf.function(lambda x: self._both(self.preprocess(x), training=False), autograph=False)
        # A strided view (one channel of stacked images) is copied here, one batch at a time.
        return self._step(tf.convert_to_tensor(np.ascontiguousarray(batch, np.float32)))

    def outputs(self, images) -> tuple[np.ndarray, np.ndarray]:
        """``(probs [N, K], features [N, D])`` in one pass; images ``[N, H, W, C]`` in [-1, 1].

        Every batch has exactly ``batch_size`` rows (the last one is padded with zeros and the padding
        dropped), so the graph is traced once per image shape instead of once more for the remainder.
        The network is evaluated in inference mode, where each row's output depends on that row only.
        """
        x = np.asarray(images, np.float32)
        if x.ndim == 3:  # [N, H, W] grayscale
            x = x[..., None]
        if x.ndim != 4:
            raise ValueError(f"images must be [N, H, W, C], got shape {x.shape}")
        n, size = len(x), self.batch_size
        if n == 0:
            return np.zeros((0, self.num_classes)), np.zeros((0, int(np.prod(self._both.outputs[1].shape[1:]))))
        probs = feats = None
        for i in range(0, n, size):
            batch = x[i:i + size]
            rows = len(batch)
            if rows < size:
                batch = np.concatenate([batch, np.zeros((size - rows, *x.shape[1:]), np.float32)])
            p, f = self._forward(batch)
            p, f = np.asarray(p)[:rows], np.asarray(f).reshape(size, -1)[:rows]
            if probs is None:  # widened to float64 once, straight into the result arrays
                probs, feats = np.empty((n, p.shape[1])), np.empty((n, f.shape[1]))
            probs[i:i + rows], feats[i:i + rows] = p, f
        return probs, feats

    def cache_fingerprint(self) -> str | None:
        """A string that changes whenever this scorer's outputs could, for on-disk caches of its results;
        None when the outputs cannot be fingerprinted (an arbitrary ``preprocess`` function)."""
        return None

    def _weights_fingerprint(self, extra: str) -> str:
        """sha256 of the network's architecture (Keras JSON), every weight's shape, dtype and bytes, the
        feature layer and ``extra`` (what identifies the preprocessing)."""
        digest = hashlib.sha256()
        digest.update(f"{type(self).__qualname__}|{self.name}|{extra}|".encode())
        digest.update(self._both.to_json().encode())
        for w in self._both.weights:
            value = np.ascontiguousarray(np.asarray(w))
            digest.update(f"|{w.path}|{value.dtype}|{value.shape}|".encode())
            digest.update(value.tobytes())
        return digest.hexdigest()

    def probs(self, images) -> np.ndarray:
        """Softmax probabilities ``[N, K]`` for images in [-1, 1]."""
        return self.outputs(images)[0]

    def features(self, images) -> np.ndarray:
        """Penultimate features ``[N, D]`` for images in [-1, 1]."""
        return self.outputs(images)[1]


def inception_weights_path(path: str | os.PathLike | None = None) -> Path:
    """Locate the ImageNet InceptionV3 weights without downloading them.

    Order: the explicit ``path``; ``$MODE_ZOO_INCEPTION_WEIGHTS``; Keras' cache
    ``$KERAS_HOME/models/`` (default ``~/.keras/models/``). Raises ``FileNotFoundError`` naming the
    expected file when none exists: the weights are never downloaded here.
    """
    candidates = []
    if path is not None:
        candidates.append(Path(path))
    elif os.environ.get("MODE_ZOO_INCEPTION_WEIGHTS"):
        candidates.append(Path(os.environ["MODE_ZOO_INCEPTION_WEIGHTS"]))
    else:
        keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
        candidates.append(keras_home / "models" / INCEPTION_WEIGHTS_FILE)
    for c in candidates:
        if c.is_file():
            return c
    raise FileNotFoundError(
        f"InceptionV3 ImageNet weights not found (looked at: {', '.join(map(str, candidates))}). "
        f"Expected the Keras file {INCEPTION_WEIGHTS_FILE} (md5 {INCEPTION_WEIGHTS_MD5}); put it in "
        f"~/.keras/models/ or pass its path / set $MODE_ZOO_INCEPTION_WEIGHTS.")


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class InceptionScorer(KerasScorer):
    """Inception-v3 probabilities (1000 ImageNet classes) and 2048-d pool features for [-1, 1] images.

    Images are resized bilinearly to ``image_size`` (299 for Inception-v3) and grayscale is repeated to
    3 channels. Keras' InceptionV3 ``preprocess_input`` ("tf" mode) maps [0, 255] to [-1, 1], which is
    exactly the generator range, so no value rescaling is needed after resizing.

    Args:
        weights: path to the Keras ImageNet weights file; ``None`` looks in the usual places
            (:func:`inception_weights_path`). Its MD5 is checked against Keras' registry value
            before Keras reads the file, unless ``verify=False``.
        model: a ready Keras model to use instead of InceptionV3 (tests pass a tiny stand-in with the
            same structure: a softmax output and a layer named ``feature_layer``).
        feature_layer: the feature layer name (``avg_pool``, the 2048-d pool3 features of FID).
        image_size: the network's input side.
        batch_size: images per forward pass.
    """

    def __init__(self, weights: str | os.PathLike | None = None, *, model=None, feature_layer="avg_pool",
                 image_size: int = 299, batch_size: int = 50, verify: bool = True):
        import tensorflow as tf

        if model is None:
            import keras

            path = inception_weights_path(weights)
            if verify and _md5(path) != INCEPTION_WEIGHTS_MD5:
                raise ValueError(f"{path} does not match Keras' MD5 {INCEPTION_WEIGHTS_MD5} for "
                                 f"{INCEPTION_WEIGHTS_FILE}; refusing to load it")
            model = keras.applications.InceptionV3(weights=str(path), include_top=True,
                                                   input_shape=(image_size, image_size, 3))
        self.image_size = int(image_size)

        def preprocess(x):
            if x.shape[-1] == 1:
                x = tf.repeat(x, 3, axis=-1)
            return tf.image.resize(x, (self.image_size, self.image_size), method="bilinear")

        super().__init__(model, feature_layer, preprocess, batch_size, name="inception_v3")
