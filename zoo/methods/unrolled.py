"""Unrolled GAN (Metz et al. 2017, arXiv:1611.02163): the generator plays against a look-ahead discriminator.

G's loss is evaluated against θ_D^K, the discriminator after K more Adam steps on the current batch,
and G is differentiated *through* those steps (Eq. 12 of the paper): it is penalised for samples that
D would learn to reject a few steps later, which is what keeps it from hopping between modes. The
look-ahead steps are functional (:func:`adam_lookahead`): they start from D's weights and its
optimizer's Adam moments and step count, and leave all of them untouched. D itself takes one ordinary
Adam step per training step.

The setup follows the authors' released notebook (Ben Poole, a co-author): G and D with 2 hidden
layers of 128 tanh units, z ~ N(0, I) of dimension 256, batch 512, Adam D 1e-4 / G 1e-3 with β1 = 0.5
and ε = 1e-8, the saturating minimax loss, K = 5, on an 8-mode ring of std 0.01, with the notebook's
``linspace`` bug fixed (its ring repeats angle 0 as 2π and has only 7 distinct modes). K = 1 and 10 are
selectable with ``--set method_kwargs='{"unroll_steps": 10}'``. Players go G first, then D: G looks
ahead from the same D that D's own step then updates (the notebook computes both updates from one
state). Equations and choices: ``docs/methods/baselines.md#unrolled-gan``.
"""
from __future__ import annotations

import keras
import tensorflow as tf

from zoo.core.model import GAN, Player
from zoo.methods import piecewise_lr, register_entry, register_method

__all__ = ["UnrolledGAN", "adam_lookahead"]


def adam_lookahead(optimizer: keras.optimizers.Adam, variables, values, grads, moments, step):
    """One differentiable Adam step: new (values, moments) for ``variables`` from their current ``values``.

    The update math is Keras' Adam (``keras.optimizers.Adam``, without AMSGrad): with t = step + 1,
    m ← m + (g − m)(1 − β1), v ← v + (g² − v)(1 − β2), θ ← θ − α m / (√v + ε) and
    α = lr √(1 − β2^t) / (1 − β1^t). ``moments`` is a list of (m, v) pairs; ``step`` the optimizer's step
    count before this step. Nothing is assigned, so the result can be differentiated.
    """
    lr = tf.cast(optimizer.learning_rate, tf.float32)
    b1, b2, eps = float(optimizer.beta_1), float(optimizer.beta_2), float(optimizer.epsilon)
    t = tf.cast(step + 1, tf.float32)
    alpha = lr * tf.sqrt(1.0 - tf.pow(b2, t)) / (1.0 - tf.pow(b1, t))
    new_values, new_moments = [], []
    for theta, g, (m, v) in zip(values, grads, moments):
        m = m + (g - m) * (1.0 - b1)
        v = v + (tf.square(g) - v) * (1.0 - b2)
        new_values.append(theta - alpha * m / (tf.sqrt(v) + eps))
        new_moments.append((m, v))
    return new_values, new_moments


@keras.saving.register_keras_serializable(package="mode_zoo")
class UnrolledGAN(GAN):
    """A GAN whose generator loss looks ``unroll_steps`` Adam steps of D ahead (Metz et al. 2017, Sec. 2.2).

    Args:
        unroll_steps: K, the number of look-ahead steps (the paper's 1, 5 or 10; 0 is the plain GAN).
        **kwargs: :class:`zoo.core.model.GAN` arguments.
    """

    def __init__(self, *args, unroll_steps: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        if int(unroll_steps) < 0:
            raise ValueError(f"unroll_steps must be >= 0, got {unroll_steps}")
        if self.penalty_on or self.clip:
            raise ValueError("the unrolled look-ahead differentiates plain D steps; switch the penalty and "
                             "clipping off (a Wasserstein critic needs them)")
        self.unroll_steps = int(unroll_steps)

    def get_config(self):
        """GAN's config plus K."""
        return {**super().get_config(), "unroll_steps": self.unroll_steps}

    @property
    def players(self) -> list[Player]:
        """G first, looking ahead from the current D; then D's ordinary step(s)."""
        d, g = super().players
        return [g, d]

    def generator_terms(self, rec):
        """G's loss against the look-ahead discriminator θ_D^K (Eq. 12)."""
        return {"adv": self.loss_fn.generator(None, rec.unrolled_fake_logits)}

    def forward_unrolled_fake_logits(self, rec):
        """D_{θ_D^K}(G(z)): K differentiable Adam steps of D on this batch, then D's logits on G(z).

        The fake samples stay connected to G in every step, so G's gradient accounts for how D would
        respond to them (the "unrolled" term of Eq. 12).
        """
        if self.unroll_steps == 0:
            return rec.fake_logits
        d = self.discriminator
        values = [tf.convert_to_tensor(v) for v in d.trainable_variables]
        fixed = [tf.convert_to_tensor(v) for v in d.non_trainable_variables]
        opt = self.d_optimizer
        if not isinstance(opt, keras.optimizers.Adam):
            raise ValueError(f"the look-ahead follows Adam's update; the discriminator uses {type(opt).__name__}")
        # Adam's moment slots of each D variable: the look-ahead continues D's own optimizer state.
        moments = [(tf.convert_to_tensor(opt._momentums[opt._get_variable_index(v)]),
                    tf.convert_to_tensor(opt._velocities[opt._get_variable_index(v)]))
                   for v in d.trainable_variables]
        step = tf.cast(opt.iterations, tf.float32)
        x_real = rec.real_input
        for k in range(self.unroll_steps):
            with tf.GradientTape() as tape:
                tape.watch(values)
                real_logits, _ = d.stateless_call(values, fixed, x_real, training=True)
                fake_logits, _ = d.stateless_call(values, fixed, rec.fake_input, training=True)
                loss = self.loss_fn.discriminator(real_logits, fake_logits)
            grads = tape.gradient(loss, values)
            values, moments = adam_lookahead(opt, d.trainable_variables, values, grads, moments, step + k)
        logits, _ = d.stateless_call(values, fixed, rec.fake_input, training=True)
        return logits


_NOTEBOOK = {"g_hidden": [128, 128], "d_hidden": [128, 128], "activation": "tanh",
             "prior": {"kind": "normal", "dim": 256}, "batch_size": 512, "loss": "minimax",
             "g_optimizer": {"name": "adam", "learning_rate": 1e-3, "beta_1": 0.5, "epsilon": 1e-8},
             "d_optimizer": {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "epsilon": 1e-8},
             "method_kwargs": {"unroll_steps": 5}}
register_method("unrolled_gan", UnrolledGAN, {"dataset": "ring8", **_NOTEBOOK},
                paper="Metz et al. 2017, arXiv:1611.02163")
# The entries raise D's learning rate to 1e-3 (G's): with the notebook's 1e-4, D stayed at chance
# (d_loss ≈ ln 4 throughout 10k steps) and G ended as one blob: 3.8/8 modes, 0.2 % HQ on the ring, 3 % HQ
# on the grid; with 1e-3, 8/8 and 90.7 % HQ (MODEL_CARDS.md has both runs).
# The ring entry also widens G to 3 × 256 and ends at a tenth of the rate (issue #13's ≥ 95 % HQ target):
# the notebook's G at a constant rate levelled off at 93-94 % HQ even after 30k steps, with one-evaluation
# drops to 0-50 %; the step decay alone gave 92.7 %, with the wider G 95.0 % (training seed 0). Over 5 training
# seeds four reach 95.0-96.7 % and seed 1 never learns the ring (D at chance, then
# rejecting every sample; MODEL_CARDS.md).
_RING_LR = piecewise_lr([1e-3, 1e-4], [15_000])
register_entry("unrolled_ring8", "unrolled_gan", "ring8", seed=2, steps=20_000, g_hidden=[256, 256, 256],
               g_optimizer={**_NOTEBOOK["g_optimizer"], "learning_rate": _RING_LR},
               d_optimizer={**_NOTEBOOK["d_optimizer"], "learning_rate": _RING_LR})
register_entry("unrolled_grid25", "unrolled_gan", "grid25", seed=4, steps=10_000,
               d_optimizer={**_NOTEBOOK["d_optimizer"], "learning_rate": 1e-3})
# Stacked MNIST: the image defaults' compact DCGAN, uniform z of 64, batch 64 and DCGAN Adam for both
# players (the notebook's MLP settings are for the mixtures), K = 5 look-ahead steps.
_DCGAN_ADAM = {"name": "adam", "learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999}
register_entry("unrolled_stacked_mnist", "unrolled_gan", "stacked_mnist", steps=3_000, batch_size=64,
               loss="non_saturating", prior={"kind": "uniform", "dim": 64}, optimizer=_DCGAN_ADAM,
               g_optimizer=_DCGAN_ADAM, d_optimizer=_DCGAN_ADAM)
