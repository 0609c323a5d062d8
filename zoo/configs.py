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
    optimizer: ``{"name": "adam"|"rmsprop"|"sgd", "learning_rate": ..., ...}`` for both players.
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
    # G with 3 FC layers of 128, D with 2 FC layers, no BN and no dropout.
    "network": "mlp", "g_hidden": [128, 128, 128], "d_hidden": [128, 128], "activation": "relu",
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
    "cifar10": {**_IMAGES, "base": 64, "prior": {"kind": "uniform", "dim": 128}},
    "celeba": {**_IMAGES, "base": 64, "prior": {"kind": "uniform", "dim": 128}},
}

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
}

# Named pretrained entries: only what differs from the dataset and method defaults.
ENTRIES = {
    "gan_ring8": {"method": "gan", "dataset": "ring8", "steps": 10_000},
    "wgan_gp_ring8": {"method": "wgan_gp", "dataset": "ring8", "steps": 10_000},
    "gan_grid25": {"method": "gan", "dataset": "grid25", "steps": 20_000},
    "wgan_gp_grid25": {"method": "wgan_gp", "dataset": "grid25", "steps": 20_000},
    "dcgan_mnist": {"method": "dcgan", "dataset": "mnist", "steps": 5_000},
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
        if key not in config and key not in ("seed", "method_kwargs", "d_steps", "gp_weight", "clip"):
            raise ConfigError(f"unknown config key {key!r}; known keys: {', '.join(sorted(config))}")
        config[key] = value
    return config
