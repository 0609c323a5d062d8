"""Gradient penalties on the discriminator, as pure functions of a critic callable.

``critic`` maps an input batch to logits of shape ``[B, 1]`` (or ``[B]``); ``epsilon`` is the per-sample
interpolation weight, drawn by the caller as U(0, 1) with shape ``[B]``: one uniform ε per sample,
broadcast over the feature axes (Gulrajani et al. 2017, arXiv:1704.00028, Alg. 1; a normal ε, a bug in
one widely copied example, silently changes the penalty).
"""
from __future__ import annotations

import tensorflow as tf

__all__ = ["interpolate", "gradient_penalty", "pairwise_gradient_penalty"]


def interpolate(a, b, epsilon):
    """Per-sample interpolate ε·a + (1-ε)·b, with ``epsilon`` of shape ``[B]`` broadcast over features."""
    eps = tf.reshape(tf.cast(epsilon, a.dtype), [-1] + [1] * (len(a.shape) - 1))
    return eps * a + (1.0 - eps) * b


def _input_gradient(critic, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        # Summing over the batch gives each sample's own input gradient (samples are independent).
        total = tf.reduce_sum(critic(x))
    return tape.gradient(total, x)


def _flat(t):
    return tf.reshape(t, [tf.shape(t)[0], -1])


def gradient_penalty(critic, real, fake, epsilon):
    """WGAN-GP two-sided penalty E (‖∇ D(x̃)‖₂ - 1)² at x̃ = εx + (1-ε)G(z) (Gulrajani et al. 2017, Eq. 3).

    The caller multiplies it by λ (10 in the WGAN-GP paper).
    """
    x_hat = interpolate(real, fake, epsilon)
    grads = _flat(_input_gradient(critic, x_hat))
    norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1) + 1e-12)
    return tf.reduce_mean(tf.square(norm - 1.0))


def pairwise_gradient_penalty(critic, x, x_rec, epsilon):
    """LOGAN pair-wise penalty L_GPx = E ‖∇_x̃ D(x̃, E(x)) - x_unit‖₂ (Sharma & Namboodiri 2018, Sec. 3.2).

    x̃ = εx + (1-ε)x̂ with x̂ = G(E(x)) the reconstruction, and u = (x - x̂)/‖x - x̂‖ the unit direction
    from the reconstruction to the data point. The norm is **not squared** and its target is the
    direction u, not unit magnitude, as in the authors' code (``docs/methods/logan.md``). For BiGAN ``critic``
    closes over the real code E(x), so the gradient is taken on the x side only (the z-side term is
    off by default in the paper's code). ``x_rec`` is treated as a constant target.

    The z-side term P_z = E ‖-∇_z̃ D(G(z), z̃) - z_unit‖ (same section) is this function applied to
    ``z``, ``E(G(z))`` and the critic ``z̃ -> -D(G(z), z̃)``: the minus sign points the gradient against
    the encoder's descent direction.
    """
    x_rec = tf.stop_gradient(x_rec)
    x_hat = interpolate(x, x_rec, epsilon)
    grads = _flat(_input_gradient(critic, x_hat))
    diff = _flat(x - x_rec)
    unit = diff / tf.sqrt(tf.reduce_sum(tf.square(diff), axis=1, keepdims=True) + 1e-12)
    return tf.reduce_mean(tf.sqrt(tf.reduce_sum(tf.square(grads - unit), axis=1) + 1e-12))
