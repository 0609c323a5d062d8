"""Adversarial losses as small pure functions of discriminator **logits**, per sample or reduced.

Each loss is a set of **per-sample** terms (one value per D input) that the caller reduces with
:func:`reduce`, optionally with per-sample weights (the Dual Importance Weight GAN weights the
generator's samples). ``real`` holds D's logits on real data (or on the real pair (x, E(x)) of a BiGAN),
``fake`` those on generated data (or on the pair (G(z), z)). The reduced functions keep their familiar
names (``minimax_discriminator_loss`` ...) and equal the batch means of their terms.

Computing on logits with ``softplus`` keeps the log-sigmoids stable: log σ(t) = -softplus(-t) and
log(1 - σ(t)) = -softplus(t). The table is in ``docs/methods/baselines.md`` and ``docs/methods/logan.md``.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from keras import ops

__all__ = [
    "reduce", "AdversarialLoss", "LOSSES", "get_loss",
    "minimax_discriminator_loss", "minimax_generator_loss", "non_saturating_generator_loss",
    "wasserstein_discriminator_loss", "wasserstein_generator_loss",
    "logit_generator_loss", "lol2_discriminator_loss",
]


def reduce(values, weights=None):
    """Mean over the batch of per-sample ``values``, each multiplied by its weight when ``weights`` is given.

    ``weights`` has one entry per sample (shape ``[B]``) and broadcasts over any further axes of
    ``values``. With weights normalised to mean 1 the result is the importance-weighted mean.
    """
    if weights is None:
        return ops.mean(values)
    weights = ops.reshape(ops.cast(weights, values.dtype), [-1] + [1] * (len(values.shape) - 1))
    return ops.mean(values * weights)


# Per-sample terms. ``_neg_log_sigmoid(t)`` = -log σ(t); ``_neg_log_one_minus_sigmoid(t)`` = -log(1 - σ(t)).
def _neg_log_sigmoid(t):
    return ops.softplus(-t)


def _neg_log_one_minus_sigmoid(t):
    return ops.softplus(t)


def _log_one_minus_sigmoid(t):
    return -ops.softplus(t)


def _log_sigmoid(t):
    return -ops.softplus(-t)


def _identity(t):
    return t


def _negate(t):
    return -t


def _squared_sigmoid(t):
    return ops.square(ops.sigmoid(t))


def _squared_one_minus_sigmoid(t):
    return ops.square(1.0 - ops.sigmoid(t))


@dataclasses.dataclass(frozen=True)
class AdversarialLoss:
    """A discriminator/generator loss pair as per-sample terms, with the D:G ratio its paper prescribes.

    Attributes:
        d_real, d_fake: D's per-sample loss on real and on fake logits.
        g_fake: G's per-sample loss on fake logits.
        g_real: G's (and a BiGAN encoder's) per-sample loss on real logits. For a plain GAN it does
            not depend on G's weights, so the generator step skips it (and D(real)).
        d_steps: discriminator updates per generator update.
        clip: D weight clipping of the paper (WGAN), used only when no gradient penalty is on.
    """

    d_real: Callable
    d_fake: Callable
    g_fake: Callable
    g_real: Callable
    d_steps: int = 1
    clip: float | None = None

    def discriminator(self, real, fake, real_weights=None, fake_weights=None):
        """D's loss: reduced real terms plus reduced fake terms."""
        return reduce(self.d_real(real), real_weights) + reduce(self.d_fake(fake), fake_weights)

    def generator(self, real, fake, real_weights=None, fake_weights=None):
        """G's loss: reduced fake terms, plus the real terms when ``real`` is given (BiGAN's encoder)."""
        loss = reduce(self.g_fake(fake), fake_weights)
        return loss if real is None else loss + reduce(self.g_real(real), real_weights)


_BCE_D = dict(d_real=_neg_log_sigmoid, d_fake=_neg_log_one_minus_sigmoid)
_CRITIC_D = dict(d_real=_negate, d_fake=_identity)
# The logit difference of G and E: -f(fake) + f(real) (LOGAN's logit loss, WGAN's generator loss).
_LOGIT_G = dict(g_fake=_negate, g_real=_identity)

LOSSES = {
    # Goodfellow et al. 2014 (arXiv:1406.2661), saturating form of Eq. 1: G maximises D's loss.
    "minimax": AdversarialLoss(**_BCE_D, g_fake=_log_one_minus_sigmoid, g_real=_log_sigmoid),
    # Goodfellow et al. 2014, Sec. 3 "-log D" heuristic; LOGAN's vanilla BiGAN loss ``v``.
    "non_saturating": AdversarialLoss(**_BCE_D, g_fake=_neg_log_sigmoid, g_real=_neg_log_one_minus_sigmoid),
    # Arjovsky et al. 2017 (arXiv:1701.07875): 5 critic steps, weights clipped to [-0.01, 0.01].
    "wasserstein": AdversarialLoss(**_CRITIC_D, **_LOGIT_G, d_steps=5, clip=0.01),
    # Gulrajani et al. 2017 (arXiv:1704.00028): the same losses, Lipschitz through the gradient
    # penalty; a name kept for configs that say so (a penalty that is on switches clipping off anyway).
    "wasserstein_gp": AdversarialLoss(**_CRITIC_D, **_LOGIT_G, d_steps=5),
    # Sharma & Namboodiri 2018 (LOGAN, arXiv:1802.00771) Sec. 3.1: BCE (lol1) or squared sigmoid (lol2)
    # for D, the logit difference for G and E; one D step per G step.
    "lol1": AdversarialLoss(**_BCE_D, **_LOGIT_G),
    "lol2": AdversarialLoss(d_real=_squared_one_minus_sigmoid, d_fake=_squared_sigmoid, **_LOGIT_G),
    # LOGAN's own code (shashank879/logan, ``_adversarial_loss``, loss ``'w'``): the Wasserstein critic and
    # generator terms with one D step per G step and no weight clipping; its Lipschitz control, if any, is
    # the pair-wise penalty (``--penalty pairwise``). The unclipped Wasserstein BiGAN of the paper's study.
    "w": AdversarialLoss(**_CRITIC_D, **_LOGIT_G),
}
# Short alias used on the command line and in the LOGAN code.
LOSSES["vanilla"] = LOSSES["non_saturating"]


def get_loss(name: str) -> AdversarialLoss:
    """Look up a loss by name, with an error that lists the known ones."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; known losses: {', '.join(sorted(LOSSES))}") from None


# ------------------------------------------------------------------------------ reduced forms
def minimax_discriminator_loss(real, fake):
    """Binary cross-entropy of D: -E log D(x) - E log(1 - D(G(z))) (Goodfellow et al. 2014, Eq. 1)."""
    return LOSSES["minimax"].discriminator(real, fake)


def minimax_generator_loss(real, fake):
    """Saturating generator loss E log(1 - D(G(z))) + E log D(x, E(x)) (Goodfellow et al. 2014, Eq. 1).

    The real-pair term is BiGAN's encoder term (Donahue et al. 2017); for a plain GAN its gradient
    with respect to G is zero.
    """
    return LOSSES["minimax"].generator(real, fake)


def non_saturating_generator_loss(real, fake):
    """Non-saturating ("-log D trick") loss -E log D(G(z)) - E log(1 - D(x, E(x))) (LOGAN code ``v``)."""
    return LOSSES["non_saturating"].generator(real, fake)


def wasserstein_discriminator_loss(real, fake):
    """Critic loss E f(G(z)) - E f(x) (Arjovsky et al. 2017; LOGAN code ``w``: D_ - D)."""
    return LOSSES["wasserstein"].discriminator(real, fake)


def wasserstein_generator_loss(real, fake):
    """Generator (and encoder) loss E f(x) - E f(G(z)) (LOGAN code ``w``: D - D_)."""
    return LOSSES["wasserstein"].generator(real, fake)


def logit_generator_loss(real, fake):
    """LOGAN logit loss for G and E: mean logit(real) - mean logit(fake) (Sharma & Namboodiri 2018, Sec. 3.1).

    It equals the Wasserstein generator loss on logits; unlike WGAN it is paired with a BCE-trained
    discriminator (``lol1``) or a squared-sigmoid one (``lol2``), so D stays a classifier and one D
    step per G step suffices.
    """
    return LOSSES["lol1"].generator(real, fake)


def lol2_discriminator_loss(real, fake):
    """LOGAN ``lol2`` discriminator loss: E σ(D(fake))² + E (1 - σ(D(real)))² (Sec. 3.1).

    A least-squares loss on the sigmoid outputs, not on raw outputs as in LSGAN: its gradient is
    bounded and vanishes near the targets, which the paper argues keeps the logits from exploding.
    """
    return LOSSES["lol2"].discriminator(real, fake)
