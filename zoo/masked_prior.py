"""Masked prior GAN (Goerttler & Kloft 2019, paper 000, Sec. 3.1, Defs. 1 and 3).

Identical to the weighted prior GAN (:mod:`zoo.weighted_prior`: pre-sample n latents, score them with
s(z) = D(G(z)), resample the minibatch with replacement) except for the resampling rule: only the
z_i whose score lies above the (1 − r) percentile of the pre-sample's scores, i.e. the top r·n, keep a
mass, each 1/(r·n) (Def. 3, Eq. 8). r = 1 is the constant-prior GAN; small r restricts training to a
small region of the latent space (the paper finds r ∈ [0.5, 0.9] best, Fig. 4).
"""
from __future__ import annotations

import keras
import tensorflow as tf

from zoo.weighted_prior import WeightedPriorGAN

__all__ = ["masked_probs", "kept_count", "MaskedPriorGAN"]


def kept_count(n: int, rate: float) -> int:
    """Size r·n of the mask (rounded, at least 1) for a pre-sample of ``n`` at rate ``rate``."""
    if not 0.0 < rate <= 1.0:
        raise ValueError(f"masking rate r must lie in (0, 1], got {rate}")
    return max(1, int(round(rate * n)))


def masked_probs(scores, rate: float) -> tf.Tensor:
    """Probability mass of the masked prior over a pre-sample (paper 000, Def. 3, Eq. 8).

    The top r·n scores (those above the (1 − r) percentile) get 1/(r·n) each, the rest 0. Exactly
    r·n entries are kept even if scores tie (``tf.math.top_k`` breaks ties by index); with scores
    from a continuous prior ties have probability 0, as the paper notes.
    """
    scores = tf.reshape(tf.cast(scores, tf.float32), [-1])
    n = scores.shape[0] if scores.shape[0] is not None else None
    if n is None:
        raise ValueError("masked_probs needs a pre-sample of static size")
    k = kept_count(n, rate)
    top = tf.math.top_k(scores, k=k).indices
    return tf.scatter_nd(top[:, None], tf.fill([k], 1.0 / k), [n])


@keras.saving.register_keras_serializable(package="mode_zoo")
class MaskedPriorGAN(WeightedPriorGAN):
    """GAN trained with the masked prior of paper 000 (Def. 3); generation uses the masked prior too.

    Takes the arguments of :class:`zoo.weighted_prior.WeightedPriorGAN`; ``rate`` (r, paper: 0.5) is
    the masking rate used in training and by ``sample()``. Only :meth:`resampling_probs` differs.
    """

    generation_prior = "masked"

    def resampling_probs(self, scores) -> tf.Tensor:
        """Mass of each pre-sampled z given its score: the masked prior, Def. 3."""
        return masked_probs(scores, self.rate)
