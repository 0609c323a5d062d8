"""The baselines every paper compares with: GAN, WGAN, WGAN-GP and DCGAN.

All four are configurations of :class:`zoo.core.model.GAN`: a loss, a penalty and a network family.
Equations and choices: ``docs/methods/baselines.md``.
"""
from __future__ import annotations

from zoo.core.model import GAN
from zoo.methods import register_entry, register_method

# Critic optimizer of the two time-scale WGAN-GP entries (Heusel et al. 2017, arXiv:1706.08500): 10× the
# generator's learning rate. With one shared Adam 1e-4 the critic lagged (its loss stayed near -0.06
# while W1 was about 1) and G collapsed to a point within 10k steps (MODEL_CARDS.md).
TTUR_D = {"name": "adam", "learning_rate": 1e-3, "beta_1": 0.5, "beta_2": 0.9}
# Adam 1e-3 (0.5, 0.9) for both players of the MNIST prior comparison (MODEL_CARDS.md).
ADAM_1E3 = {"name": "adam", "learning_rate": 1e-3, "beta_1": 0.5, "beta_2": 0.9}

# Goodfellow et al. 2014 (arXiv:1406.2661) with the non-saturating generator loss.
register_method("gan", GAN, {"dataset": "ring8", "loss": "non_saturating"},
                paper="Goodfellow et al. 2014, arXiv:1406.2661")
# Arjovsky et al. 2017 (arXiv:1701.07875): 5 critic steps, clipping at 0.01, RMSProp 5e-5.
register_method("wgan", GAN, {"dataset": "ring8", "loss": "wasserstein",
                              "optimizer": {"name": "rmsprop", "learning_rate": 5e-5}},
                paper="Arjovsky et al. 2017, arXiv:1701.07875")
# Gulrajani et al. 2017 (arXiv:1704.00028): λ = 10, 5 critic steps, Adam 1e-4 (0.5, 0.9).
register_method("wgan_gp", GAN, {"dataset": "ring8", "loss": "wasserstein_gp", "gp_weight": 10.0,
                                 "optimizer": {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}},
                paper="Gulrajani et al. 2017, arXiv:1704.00028")
# Radford et al. 2016 (arXiv:1511.06434): the GAN objective on the DCGAN networks, Adam 2e-4, β1 = 0.5.
register_method("dcgan", GAN, {"dataset": "mnist", "loss": "non_saturating", "network": "dcgan"},
                paper="Radford et al. 2016, arXiv:1511.06434")

register_entry("gan_ring8", "gan", "ring8", seed=1, steps=10_000)
register_entry("wgan_gp_ring8", "wgan_gp", "ring8", seed=3, steps=10_000, d_optimizer=TTUR_D)
register_entry("gan_grid25", "gan", "grid25", seed=4, steps=20_000)
register_entry("wgan_gp_grid25", "wgan_gp", "grid25", seed=4, steps=20_000, d_optimizer=TTUR_D)
register_entry("dcgan_mnist", "dcgan", "mnist", steps=3_000)
# Stacked MNIST, the VEEGAN setting (docs/evaluation.md#stacked-mnist): the compact DCGAN of the image
# defaults, 3,000 steps of 64, as every *_stacked_mnist entry.
register_entry("dcgan_stacked_mnist", "dcgan", "stacked_mnist", steps=3_000)
# The baseline of the MNIST learned-prior entries: same networks, loss, batch and steps.
register_entry("gan_mnist", "gan", "mnist", steps=3_000, optimizer=ADAM_1E3, d_optimizer=ADAM_1E3)
