"""Hyperparameters: per-dataset defaults, per-method defaults and the zoo's named entries.

A run's config is ``DATASET_DEFAULTS[dataset] | METHOD_DEFAULTS[method] | ENTRIES[name]`` (later wins),
so every pretrained entry reads as the few lines that make it what it is. :func:`resolve` builds it
from a method or entry name; ``python -m train.run --model NAME --show-config`` prints it.

Keys:
    method, dataset: what to train on what.
    network: ``mlp`` or ``dcgan``; ``g_hidden``/``d_hidden``/``activation``/``g_output`` for MLPs,
        ``base`` (channels) and ``kernel`` for DCGANs.
    prior: kwargs of :class:`zoo.priors.Prior`.
    loss, d_steps, gp_weight, clip: see :class:`zoo.gan.GAN`.
    optimizer: ``{"name": "adam"|"rmsprop"|"sgd", "learning_rate": ..., ...}`` for both players;
        ``d_optimizer`` / ``g_optimizer`` override it for one player (two time-scale updates).
    batch_size, steps, steps_per_epoch, steps_per_execution: training length and logging cadence.
    method_kwargs: extra constructor arguments of the method class.
"""
from __future__ import annotations

import copy

__all__ = ["DATASET_DEFAULTS", "METHOD_DEFAULTS", "ENTRIES", "resolve", "ConfigError"]


class ConfigError(ValueError):
    """Unknown model/dataset name or an invalid override."""


_TOY = {
    # DIW-GAN (paper 003) uses one architecture for every compared method on the mixtures:
    # G with 3 FC layers of 128, D with 2 FC layers, no BN and no dropout. The activation is not
    # given; leaky ReLU (0.2, as in LOGAN) is used because plain ReLU nets died on grid25 here
    # (D stuck at chance, G collapsed off the data after 20k steps).
    "network": "mlp", "g_hidden": [128, 128, 128], "d_hidden": [128, 128], "activation": "lrelu",
    "g_output": None, "prior": {"kind": "uniform", "dim": 2},
    "batch_size": 256, "steps": 10_000, "steps_per_epoch": 500, "steps_per_execution": 50,
    "optimizer": {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9},
}
_IMAGES = {
    # Compact DCGAN (Radford et al. 2016) sized to train in minutes on a CPU.
    "network": "dcgan", "base": 32, "kernel": 5, "prior": {"kind": "uniform", "dim": 64},
    "batch_size": 64, "steps": 5_000, "steps_per_epoch": 250, "steps_per_execution": 25,
    "optimizer": {"name": "adam", "learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999},
}
DATASET_DEFAULTS = {
    "ring8": _TOY,
    "grid25": _TOY,
    "grid25_aniso": _TOY,
    "cube27": {**_TOY, "prior": {"kind": "uniform", "dim": 3}},
    "mnist": _IMAGES,
    "fashion_mnist": _IMAGES,
    "stacked_mnist": _IMAGES,
    "cifar10": {**_IMAGES, "base": 64, "prior": {"kind": "uniform", "dim": 128}},
    "celeba": {**_IMAGES, "base": 64, "prior": {"kind": "uniform", "dim": 128}},
}

# Critic optimizer of the two time-scale WGAN-GP entries (Heusel et al. 2017): 10× the generator's learning rate.
_TTUR_D = {"name": "adam", "learning_rate": 1e-3, "beta_1": 0.5, "beta_2": 0.9}

METHOD_DEFAULTS = {
    # Goodfellow et al. 2014 with the non-saturating generator loss.
    "gan": {"dataset": "ring8", "loss": "non_saturating"},
    # Arjovsky et al. 2017: 5 critic steps, clipping at 0.01, RMSProp 5e-5.
    "wgan": {"dataset": "ring8", "loss": "wasserstein",
             "optimizer": {"name": "rmsprop", "learning_rate": 5e-5}},
    # Gulrajani et al. 2017: λ = 10, 5 critic steps, Adam 1e-4 (0.5, 0.9).
    "wgan_gp": {"dataset": "ring8", "loss": "wasserstein_gp", "gp_weight": 10.0,
                "optimizer": {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}},
    # Radford et al. 2016: the GAN objective on the DCGAN networks, Adam 2e-4, β1 = 0.5.
    "dcgan": {"dataset": "mnist", "loss": "non_saturating", "network": "dcgan"},
    # Goerttler & Kloft 2019 (paper 000) Sec. 4.1: Wasserstein loss with 5 critic steps, pre-sample
    # n = 2m (the paper's n = 1000 for m = 500), w ∝ s (Eq. 7) / masking rate r = 0.5. Everything else is
    # the wgan_gp baseline of the same data set, so a comparison with it isolates the prior: toy networks,
    # batch 256, λ = 10 gradient penalty (the paper names neither clipping nor GP, PROTOCOLS §1.1 [AMBIG] b)
    # and the two time-scale critic (_TTUR_D). The paper's own networks (G 2×FC128 ReLU, D 3×FC128 tanh,
    # batch 500, n = 1000) gave 2.8/8 modes and 1.6 % HQ samples after 10k steps with this loop (MODEL_CARDS.md).
    # `--loss non_saturating` is the paper's "standard GAN with the alternative loss".
    "weighted_prior": {"dataset": "ring8", "loss": "wasserstein_gp", "gp_weight": 10.0, "d_optimizer": _TTUR_D,
                       "method_kwargs": {"presample": 512, "weight": "linear", "rate": 0.5}},
    "masked_prior": {"dataset": "ring8", "loss": "wasserstein_gp", "gp_weight": 10.0, "d_optimizer": _TTUR_D,
                     "method_kwargs": {"presample": 512, "rate": 0.5}},
    # Lopez-Paz & Oquab (paper 001) Sec. 4: G and D with 2 hidden layers of 128 ReLU (PROTOCOLS §1.2 [REC]),
    # 10 D steps per G step; z = [a, one-hot b] with c = number of modes (filled in by zoo.multimodal),
    # covering initialization on 10⁴-sample batches before training. Adam lr 1e-4 (0.5, 0.999) instead of
    # the paper's defaults (1e-3, 0.9): with those, 3,000 steps left every ring cluster 3-5σ off its mode
    # (0/8 modes by the 3σ rule) and the grid collapsed to 5/25 modes.
    "multimodal_covering": {"dataset": "ring8", "loss": "non_saturating", "d_steps": 10, "steps": 3_000,
                            "g_hidden": [128, 128], "d_hidden": [128, 128], "activation": "relu",
                            "optimizer": {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.999},
                            "covering_init": {"batch_size": 10_000}},
    # Donahue et al. 2017 BiGAN with LOGAN's setup (PROTOCOLS §1.3): vanilla loss ``v``, no penalty;
    # toy nets G, E, D = 3×512 lrelu with LOGAN's init, Adam 1e-4 (0.5, 0.9) everywhere.
    "bigan": {"dataset": "ring8", "loss": "non_saturating", "penalty": "none", "gp_weight": 0.0,
              "z_penalty": False, "g_hidden": [512, 512, 512], "e_hidden": [512, 512, 512],
              "d_hidden": [512, 512, 512], "activation": "lrelu", "init": "logan",
              "optimizer": {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}},
    # LOGAN (Sharma & Namboodiri 2018): BiGAN + logit loss lol1 + pair-wise penalty, λ = 0.1 on toy
    # data (image entries set λ = 1); `--loss lol2|vanilla|wasserstein`, `--penalty none|gp|pairwise`.
    "logan_bigan": {"dataset": "ring8", "loss": "lol1", "penalty": "pairwise", "gp_weight": 0.1,
                    "z_penalty": False, "g_hidden": [512, 512, 512], "e_hidden": [512, 512, 512],
                    "d_hidden": [512, 512, 512], "activation": "lrelu", "init": "logan",
                    "optimizer": {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}},
    # LOGAN Sec. 4.1 / Table 1: plain DCGAN with the logit loss and the WGAN-GP penalty, λ = 1.
    "logan_dcgan": {"dataset": "mnist", "network": "dcgan", "loss": "lol1", "gp_weight": 1.0,
                    "optimizer": {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}},
}

# Goerttler & Kloft on MNIST (paper 000 Sec. 4, DCGAN version): the standard GAN loss on the compact DCGAN
# of DATASET_DEFAULTS["mnist"]; pre-sample n = 2m as in the paper's ring setup (n = 1000 for m = 500).
# Adam 1e-3 (0.5, 0.9) for both players: with the DCGAN default (2e-4, 0.5, 0.999) the constant-prior GAN
# reached Inception score 7.24 and the weighted prior 6.97; with 1e-3, 7.95 and 8.05 (MODEL_CARDS.md).
_ADAM_1E3 = {"name": "adam", "learning_rate": 1e-3, "beta_1": 0.5, "beta_2": 0.9}
_PRIOR_MNIST = {"dataset": "mnist", "loss": "non_saturating", "gp_weight": 0.0, "batch_size": 64, "steps": 3_000,
                "optimizer": _ADAM_1E3, "d_optimizer": _ADAM_1E3}

# The non-saturating GAN loss on one shared optimizer, for the learned-prior methods (paper 000's "standard
# GAN with the alternative loss"; the toy defaults' Adam for both players).
_STANDARD_LOSS = {"loss": "non_saturating", "gp_weight": 0.0, "d_optimizer": _TOY["optimizer"]}

# Named pretrained entries: only what differs from the dataset and method defaults.
ENTRIES = {
    "gan_ring8": {"method": "gan", "dataset": "ring8", "steps": 10_000},
    # Two time-scale updates (Heusel et al. 2017): with one shared Adam 1e-4 the critic lagged (its loss
    # stayed near -0.06 while W1 was about 1) and G collapsed to a point in 10k steps on this CPU budget.
    "wgan_gp_ring8": {"method": "wgan_gp", "dataset": "ring8", "steps": 10_000, "d_optimizer": _TTUR_D},
    "gan_grid25": {"method": "gan", "dataset": "grid25", "steps": 20_000},
    "wgan_gp_grid25": {"method": "wgan_gp", "dataset": "grid25", "steps": 20_000, "d_optimizer": _TTUR_D},
    "dcgan_mnist": {"method": "dcgan", "dataset": "mnist", "steps": 3_000},
    # Issue 4: learned priors (paper 000, Sec. 4.1 setup = METHOD_DEFAULTS) and multimodal noise + covering
    # init (paper 001, Sec. 4 setup) on the mixtures.
    "weighted_prior_ring8": {"method": "weighted_prior", "dataset": "ring8", "steps": 10_000},
    "masked_prior_ring8": {"method": "masked_prior", "dataset": "ring8", "steps": 10_000},
    "weighted_prior_grid25": {"method": "weighted_prior", "dataset": "grid25", "steps": 20_000},
    # The masked prior on the grid adds the prior to gan_grid25 instead, with the paper's "standard GAN with
    # the alternative loss": on the WGAN-GP recipe it captured 7/25 modes (MODEL_CARDS.md has both recipes).
    "masked_prior_grid25": {"method": "masked_prior", "dataset": "grid25", "steps": 20_000, **_STANDARD_LOSS},
    "multimodal_covering_ring8": {"method": "multimodal_covering", "dataset": "ring8",
                                  "prior": {"kind": "multimodal", "dim": 2, "categories": 8}},
    # On the grid, gan_grid25's recipe plus multimodal noise and covering init: paper 001's setup (2×128 ReLU,
    # 10 D steps, 3,000 steps) captured 16.8/25 modes with 1.8 % HQ samples here (MODEL_CARDS.md).
    "multimodal_covering_grid25": {"method": "multimodal_covering", "dataset": "grid25",
                                   "prior": {"kind": "multimodal", "dim": 2, "categories": 25},
                                   "g_hidden": [128, 128, 128], "d_hidden": [128, 128], "activation": "lrelu",
                                   "d_steps": 1, "steps": 20_000, "optimizer": _TOY["optimizer"]},
    # Issue 4: learned priors (paper 000) and multimodal noise + covering init (paper 001) on MNIST, with
    # gan_mnist as their baseline (same networks, loss, batch and steps).
    "gan_mnist": {"method": "gan", "dataset": "mnist", "steps": 3_000, "optimizer": _ADAM_1E3, "d_optimizer": _ADAM_1E3},
    "weighted_prior_mnist": {"method": "weighted_prior", **_PRIOR_MNIST,
                             "method_kwargs": {"presample": 128, "weight": "linear", "rate": 0.5}},
    "masked_prior_mnist": {"method": "masked_prior", **_PRIOR_MNIST, "method_kwargs": {"presample": 128, "rate": 0.5}},
    # c = 10 classes; one D step and the DCGAN optimizer (10 D steps per G step are too slow here);
    # covering init on 1,024-image batches (a 784×784 covariance from 10⁴ fakes does not fit this CPU budget).
    "multimodal_covering_mnist": {"method": "multimodal_covering", "dataset": "mnist", "steps": 3_000, "d_steps": 1,
                                  "prior": {"kind": "multimodal", "dim": 64, "categories": 10},
                                  "optimizer": {"name": "adam", "learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999},
                                  "covering_init": {"batch_size": 1024, "max_steps": 300, "patience": 30}},
    # LOGAN toy BiGANs (issue 5): 1-D z as in the paper's Fig. 4 study; fewer steps than its 40k (CPU).
    "logan_bigan_ring8": {"method": "logan_bigan", "dataset": "ring8", "prior": {"kind": "uniform", "dim": 1},
                          "steps": 15_000},
    "logan_bigan_grid25": {"method": "logan_bigan", "dataset": "grid25", "prior": {"kind": "uniform", "dim": 1},
                           "steps": 20_000},
    "bigan_ring8": {"method": "bigan", "dataset": "ring8", "prior": {"kind": "uniform", "dim": 1},
                    "steps": 15_000},
    # LOGAN on images: λ = 1 (supplementary §1.1); compact DCGAN nets of DATASET_DEFAULTS["mnist"].
    "logan_bigan_mnist": {"method": "logan_bigan", "dataset": "mnist", "gp_weight": 1.0, "steps": 4_000},
    "logan_dcgan_mnist": {"method": "logan_dcgan", "dataset": "mnist", "steps": 4_000},
    # The paper's CIFAR-10 BiGAN (image_train.py config [1]): 32×32, 3 levels, 4×4 kernels, 64 filters,
    # z ~ U(-1,1)^128, lol1, λ = 1, batch 64. Configuration only: not trained on this CPU machine.
    "logan_bigan_cifar10": {"method": "logan_bigan", "dataset": "cifar10", "gp_weight": 1.0, "base": 64,
                            "kernel": 4, "prior": {"kind": "uniform", "dim": 128}, "batch_size": 64},
}


def resolve(model: str, dataset: str | None = None, overrides: dict | None = None) -> dict:
    """Full config for ``model`` (a method or an entry name) on ``dataset``, with ``overrides``.

    ``--model gan --dataset ring8`` resolves to the ``gan_ring8`` entry when one exists, so a
    retrain with one command reproduces the published checkpoint.
    """
    if model in ENTRIES:
        entry = ENTRIES[model]
        if dataset and dataset != entry["dataset"]:
            raise ConfigError(f"entry {model!r} is trained on {entry['dataset']!r}; use --model "
                              f"{entry['method']} --dataset {dataset} for another dataset")
        name, method, dataset = model, entry["method"], entry["dataset"]
    elif model in METHOD_DEFAULTS:
        method = model
        dataset = dataset or METHOD_DEFAULTS[method]["dataset"]
        name = f"{method}_{dataset}"
        entry = ENTRIES.get(name, {})
    else:
        known = sorted(METHOD_DEFAULTS) + sorted(ENTRIES)
        raise ConfigError(f"unknown model {model!r}; known methods and entries: {', '.join(known)}")
    if dataset not in DATASET_DEFAULTS:
        raise ConfigError(f"unknown dataset {dataset!r}; known datasets: {', '.join(sorted(DATASET_DEFAULTS))}")
    config = copy.deepcopy({**DATASET_DEFAULTS[dataset], **METHOD_DEFAULTS[method], **entry})
    config.update(name=name, method=method, dataset=dataset)
    for key, value in (overrides or {}).items():
        if key not in config and key not in ("seed", "method_kwargs", "d_steps", "gp_weight", "clip",
                                              "d_optimizer", "g_optimizer"):
            raise ConfigError(f"unknown config key {key!r}; known keys: {', '.join(sorted(config))}")
        config[key] = value
    # MLPs take flat vectors (the mixtures), DCGANs images: a method default must not carry one into the
    # other (e.g. logan_dcgan on ring8 needs --set network=mlp).
    wanted = DATASET_DEFAULTS[dataset]["network"]
    if config.get("network") != wanted:
        raise ConfigError(f"network {config.get('network')!r} does not fit dataset {dataset!r}, which needs "
                          f"{wanted!r} (e.g. --set network={wanted})")
    return config
