"""PacGAN (Lin et al. 2018, arXiv:1712.04086): the discriminator judges m samples at once.

Packing needs no new model: :class:`zoo.core.model.GAN` packs D's inputs when its ``pack`` is m > 1
(m consecutive real samples, or m consecutive generated ones, side by side: concatenated vectors or
stacked image channels), and D's input layer is m times wider. A packed D sees the diversity of a
set of samples, so a generator that covers few modes is easy to tell apart (the paper's Sec. 3
analysis). ``pack`` is a config key of every method (``--set pack=2``); the ``pacgan`` method is the
non-saturating GAN with m = 4, the paper's best setting on the 2-D mixtures (its Table 1).

``batch_size`` counts D inputs, so a step draws m·batch_size real and m·batch_size generated samples.
The networks are the zoo's shared mixture networks, as in the Dual Importance Weight GAN comparison,
not PacGAN's own (4×400 BN-ReLU G, 3×200 maxout D). Equations and choices:
``docs/methods/baselines.md#pacgan``.
"""
from __future__ import annotations

from zoo.core.model import GAN
from zoo.methods import piecewise_lr, register_entry, register_method

register_method("pacgan", GAN, {"dataset": "ring8", "loss": "non_saturating", "pack": 4},
                paper="Lin et al. 2018, arXiv:1712.04086")
# Adam 1e-3 (0.5, 0.9) instead of the toy default 1e-4: with 1e-4 D stayed at chance and the ring came out
# as a smear (5.4/8 modes, 13 % HQ); the ring needs 30k steps at 1e-3 (10k: 6.4/8, 42 % HQ; MODEL_CARDS.md).
register_entry("pacgan_ring8", "pacgan", "ring8", seed=2, steps=30_000,
               optimizer={"name": "adam", "learning_rate": 1e-3, "beta_1": 0.5, "beta_2": 0.9})
# The grid needs a wider G and a step decay (issue #13): at a constant 1e-3 with the toy G (3 × 128) the HQ
# share swung between 46 % and 86 % from one evaluation to the next even after 80k steps (20k: 24.2/25
# modes, 49 % HQ). G 3 × 256 and 1e-3 → 1e-4 after 45k of 60k steps settle it: 24.7 modes, 91 % HQ over
# 5 training seeds (MODEL_CARDS.md).
register_entry("pacgan_grid25", "pacgan", "grid25", seed=3, steps=60_000, g_hidden=[256, 256, 256],
               optimizer={"name": "adam", "learning_rate": piecewise_lr([1e-3, 1e-4], [45_000]),
                          "beta_1": 0.5, "beta_2": 0.9})
# PacGAN Table 2's PacDCGAN2: the stacked-MNIST DCGAN (dcgan_stacked_mnist) with m = 2.
register_entry("pacgan_stacked_mnist", "pacgan", "stacked_mnist", pack=2, steps=3_000)
