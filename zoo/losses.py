"""Adversarial losses as small pure functions of discriminator **logits**.

Every function takes ``real`` (logits of D on real data, or on the real pair (x, E(x)) for BiGAN) and
``fake`` (logits on generated data, or on the pair (G(z), z)) and returns a scalar batch mean, so the
same function serves plain GANs and BiGAN-style models (PROTOCOLS.md §1.3 table). Computing on
logits with ``softplus`` keeps the log-sigmoids numerically stable: log σ(t) = -softplus(-t) and
log(1 - σ(t)) = -softplus(t).
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from keras import ops

__all__ = [
    "AdversarialLoss", "LOSSES", "get_loss",
    "minimax_discriminator_loss", "minimax_generator_loss", "non_saturating_generator_loss",
    "wasserstein_discriminator_loss", "wasserstein_generator_loss",
    "logit_generator_loss", "lol2_discriminator_loss",
]


def minimax_discriminator_loss(real, fake):
    """Binary cross-entropy of D: -E log D(x) - E log(1 - D(G(z))) (Goodfellow et al. 2014, Eq. 1)."""
    return ops.mean(ops.softplus(-real)) + ops.mean(ops.softplus(fake))


def minimax_generator_loss(real, fake):
    """Saturating minimax generator loss E log(1 - D(G(z))) (Goodfellow et al. 2014, Eq. 1).

    For BiGAN the encoder shares it with the real-pair term, E log D(x, E(x)) (Donahue et al.), so the
    real logits enter too; for a plain GAN their gradient with respect to G is zero.
    """
    return -ops.mean(ops.softplus(fake)) - ops.mean(ops.softplus(-real))


def non_saturating_generator_loss(real, fake):
    """Non-saturating ("-log D trick") loss -E log D(G(z)) - E log(1 - D(x, E(x))).

    The second term is the vanilla BiGAN loss of LOGAN's code (``v``: BCE(D_,1)+BCE(D,0)); for a plain
    GAN it does not depend on G's weights.
    """
    return ops.mean(ops.softplus(-fake)) + ops.mean(ops.softplus(real))


def wasserstein_discriminator_loss(real, fake):
    """Critic loss E f(G(z)) - E f(x) (Arjovsky et al. 2017; LOGAN code ``w``: D_ - D)."""
    return ops.mean(fake) - ops.mean(real)


def wasserstein_generator_loss(real, fake):
    """Generator (and encoder) loss E f(x) - E f(G(z)) (LOGAN code ``w``: D - D_)."""
    return ops.mean(real) - ops.mean(fake)


def logit_generator_loss(real, fake):
    """LOGAN logit loss for G and E: mean logit(real) - mean logit(fake) (paper 002, Sec. 3.1, L_{E,G}).

    It equals the Wasserstein generator loss on logits; unlike WGAN it is paired with a BCE-trained
    discriminator (``lol1``) or a squared-sigmoid one (``lol2``), so D stays a classifier and one D
    step per G step suffices.
    """
    return ops.mean(real) - ops.mean(fake)


def lol2_discriminator_loss(real, fake):
    """LOGAN ``lol2`` discriminator loss: E σ(D(fake))² + E (1 - σ(D(real)))² (paper 002, Sec. 3.1).

    A least-squares loss on the sigmoid outputs, not on raw outputs as in LSGAN: its gradient is
    bounded and vanishes near the targets, which the paper argues keeps the logits from exploding.
    """
    return ops.mean(ops.square(ops.sigmoid(fake))) + ops.mean(ops.square(1.0 - ops.sigmoid(real)))


@dataclasses.dataclass(frozen=True)
class AdversarialLoss:
    """A discriminator/generator loss pair and the D:G update ratio its paper prescribes."""

    discriminator: Callable
    generator: Callable
    d_steps: int = 1
    clip: float | None = None


LOSSES = {
    # Goodfellow et al. 2014, saturating form of Eq. 1.
    "minimax": AdversarialLoss(minimax_discriminator_loss, minimax_generator_loss),
    # Goodfellow et al. 2014, Sec. 3 "-log D" heuristic; LOGAN's vanilla BiGAN loss ``v``.
    "non_saturating": AdversarialLoss(minimax_discriminator_loss, non_saturating_generator_loss),
    # Arjovsky et al. 2017: 5 critic steps, weights clipped to [-0.01, 0.01].
    "wasserstein": AdversarialLoss(wasserstein_discriminator_loss, wasserstein_generator_loss, 5, 0.01),
    # Gulrajani et al. 2017: 5 critic steps, Lipschitz through the gradient penalty, no clipping.
    "wasserstein_gp": AdversarialLoss(wasserstein_discriminator_loss, wasserstein_generator_loss, 5),
    # Sharma & Namboodiri 2018 (LOGAN) Sec. 3.1: BCE (lol1) or squared sigmoid (lol2) for D, logit
    # difference for G and E; one D step per G step (supplementary §1.1, code ``_run_step``).
    "lol1": AdversarialLoss(minimax_discriminator_loss, logit_generator_loss),
    "lol2": AdversarialLoss(lol2_discriminator_loss, logit_generator_loss),
}
# Short aliases used on the command line and in the LOGAN code.
LOSSES["vanilla"] = LOSSES["non_saturating"]


def get_loss(name: str) -> AdversarialLoss:
    """Look up a loss pair by name, with an error that lists the known ones."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; known losses: {', '.join(sorted(LOSSES))}") from None
