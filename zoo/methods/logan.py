"""LOGAN (Sharma & Namboodiri 2018, arXiv:1802.00771): logit losses and the pair-wise gradient penalty.

LOGAN changes no network and no training step, only terms: the logit loss ``lol1``/``lol2`` of
:mod:`zoo.core.losses` for G (and E), and the pair-wise penalty of :mod:`zoo.core.penalties` between x and
its reconstruction G(E(x)) for a BiGAN's D (:class:`zoo.methods.bigan.BiGAN` computes it when
``penalty="pairwise"``). Its DCGAN variant is a plain GAN with the logit loss and the WGAN-GP penalty.
Equations and choices: ``docs/methods/logan.md``.
"""
from __future__ import annotations

from zoo.core.model import GAN
from zoo.methods import register_entry, register_method
from zoo.methods.bigan import _TOY_BIGAN, BiGAN

_ADAM = {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}

# BiGAN + logit loss lol1 + pair-wise penalty, λ = 0.1 on toy data (image entries set λ = 1);
# `--loss lol2|vanilla|wasserstein`, `--penalty none|gp|pairwise` give the paper's other cells.
register_method("logan_bigan", BiGAN, {"dataset": "ring8", "loss": "lol1", "penalty": "pairwise",
                                       "gp_weight": 0.1, **_TOY_BIGAN},
                paper="Sharma & Namboodiri 2018, arXiv:1802.00771")
# Sec. 4.1 / Table 1: plain DCGAN with the logit loss and the WGAN-GP penalty, λ = 1.
register_method("logan_dcgan", GAN, {"dataset": "mnist", "network": "dcgan", "loss": "lol1", "gp_weight": 1.0,
                                     "optimizer": _ADAM},
                paper="Sharma & Namboodiri 2018, arXiv:1802.00771")

# Toy BiGANs with 1-D z as in the paper's Fig. 4 study; fewer steps than its 40k.
register_entry("logan_bigan_ring8", "logan_bigan", "ring8", prior={"kind": "uniform", "dim": 1}, steps=15_000)
register_entry("logan_bigan_grid25", "logan_bigan", "grid25", seed=2, prior={"kind": "uniform", "dim": 1}, steps=20_000)
# Images: λ = 1 (supplementary §1.1) on the compact DCGAN networks of the MNIST defaults.
register_entry("logan_bigan_mnist", "logan_bigan", "mnist", gp_weight=1.0, steps=4_000)
register_entry("logan_dcgan_mnist", "logan_dcgan", "mnist", steps=4_000)
register_entry("logan_dcgan_stacked_mnist", "logan_dcgan", "stacked_mnist", steps=3_000)
# The paper's CIFAR-10 BiGAN (its image_train.py config): 32×32, 3 levels, 4×4 kernels, 64 filters,
# z ~ U(-1,1)^128, lol1, λ = 1, batch 64. A configuration users with the data run; not trained here.
# Its networks are those of the authors' image_models.py (docs/methods/logan.md, "authors' image_models.py
# vs ours"): lrelu in G, BN (decay 0.9) after every hidden layer of G and E, E's first conv included; D ends
# its convs with a lrelu layer over the last 4×4 map (8·64 units), then one lrelu FC as wide as that
# layer concatenated with z (512 + 128), then the logit.
_LOGAN_IMAGE_NETS = {"g_activation": "lrelu", "bn_momentum": 0.9, "e_bn_first": True, "d_features": 512,
                     "d_joint_hidden": [512 + 128]}
register_entry("logan_bigan_cifar10", "logan_bigan", "cifar10", gp_weight=1.0, base=64, kernel=4,
               prior={"kind": "uniform", "dim": 128}, batch_size=64, **_LOGAN_IMAGE_NETS)
# Table 2's "Vanilla" row on MNIST (scripts.logan_mnist): logan_bigan_mnist's BiGAN without the logit loss
# and the pair-wise penalty (loss v, same networks, batch, optimizer and steps).
register_entry("bigan_mnist", "bigan", "mnist", steps=4_000)
# Fig. 3 (Sec. 4.1, supplementary §1.1; scripts.logan_figures fig3): the toy GANs whose D contours the paper
# draws, 3×FC512 leaky ReLU MLPs with 2-D z; vanilla without a penalty, Wasserstein, lol1 and lol2 with the
# WGAN-GP penalty, λ = 0.1; 3,000 steps.
_FIG3 = {"network": "mlp", "g_hidden": [512, 512, 512], "d_hidden": [512, 512, 512], "steps": 3_000}
for _data in ("ring8", "grid25"):
    register_entry(f"logan_fig3_vanilla_{_data}", "logan_dcgan", _data, loss="vanilla", penalty="none",
                   gp_weight=0.0, **_FIG3)
    for _loss in ("wasserstein", "lol1", "lol2"):
        register_entry(f"logan_fig3_{_loss}_{_data}", "logan_dcgan", _data, loss=_loss, penalty="gp", gp_weight=0.1,
                       **_FIG3)
