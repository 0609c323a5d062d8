"""Latent priors p(z) as tfp distributions behind a small serializable wrapper.

``Prior`` holds only plain config (kind, sizes, bounds) so it round-trips through ``get_config``; the
tfp distribution is rebuilt from it. Kinds:

* ``uniform``: U(low, high)^dim (LOGAN, Goerttler & Kloft use U(-1, 1)).
* ``normal``: N(0, I_dim).
* ``multimodal``: z = [a, one-hot b] with a ~ U(low, high)^dim and b uniform over ``categories``
  classes (Lopez-Paz & Oquab, Sec. 2), built with ``tfd.Blockwise``.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions

__all__ = ["Prior", "as_seed"]

KINDS = ("uniform", "normal", "multimodal")


def as_seed(seed):
    """Turn an int, ``None`` or a Keras/TF seed tensor into something tfp samplers accept.

    Ints and tensors become stateless ``[2]`` int32 seeds (deterministic); ``None`` stays stateful.
    """
    if seed is None:
        return None
    if isinstance(seed, (int, np.integer)):
        # tfp's sanitize_seed(int) draws from the stateful global RNG, so it is not reproducible
        # across processes; a literal stateless seed is.
        return tf.constant([0, int(seed)], tf.int32)
    return tf.cast(seed, tf.int32)


@keras.saving.register_keras_serializable(package="mode_zoo")
class Prior:
    """A latent distribution p(z) with ``sample`` and ``log_prob``, serializable by config."""

    def __init__(self, kind: str = "uniform", dim: int = 2, categories: int = 0,
                 low: float = -1.0, high: float = 1.0):
        if kind not in KINDS:
            raise ValueError(f"unknown prior kind {kind!r}; known kinds: {', '.join(KINDS)}")
        if dim < 1:
            raise ValueError(f"prior dim must be >= 1, got {dim}")
        if kind == "multimodal" and categories < 1:
            raise ValueError("a multimodal prior needs categories >= 1")
        self.kind, self.dim, self.categories = kind, int(dim), int(categories)
        self.low, self.high = float(low), float(high)

    @property
    def event_dim(self) -> int:
        """Length of one z vector (continuous part plus one-hot part)."""
        return self.dim + (self.categories if self.kind == "multimodal" else 0)

    @property
    def distribution(self) -> tfd.Distribution:
        """The tfp distribution with event shape ``[event_dim]``.

        Built afresh on each access: a cached one would capture tensors of whichever tf.function
        graph first touched it.
        """
        if self.kind == "normal":
            return tfd.MultivariateNormalDiag(loc=tf.zeros(self.dim))
        uniform = tfd.Independent(tfd.Uniform(tf.fill([self.dim], self.low), tf.fill([self.dim], self.high)), 1)
        if self.kind == "uniform":
            return uniform
        one_hot = tfd.OneHotCategorical(logits=tf.zeros(self.categories), dtype=tf.float32)
        return tfd.Blockwise([uniform, one_hot])

    def sample(self, n, seed=None):
        """Draw ``[n, event_dim]`` latents; an int or tensor ``seed`` makes it deterministic."""
        return self.distribution.sample(n, seed=as_seed(seed))

    def log_prob(self, z):
        """Log-density of ``z`` under the prior."""
        return self.distribution.log_prob(z)

    def get_config(self) -> dict:
        """Plain-config form for Keras serialization."""
        return {"kind": self.kind, "dim": self.dim, "categories": self.categories,
                "low": self.low, "high": self.high}

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`."""
        return cls(**config)

    def __repr__(self):
        return f"Prior({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"
