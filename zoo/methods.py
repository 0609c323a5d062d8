"""Method name -> model class, and building a model from a resolved config (zoo.configs).

Importing this module registers every method class with Keras, which ``keras.saving.load_model``
needs to rebuild a saved zoo model.
"""
from __future__ import annotations

import keras

from zoo.gan import GAN

__all__ = ["METHOD_CLASSES", "build_model", "build_optimizer"]

# gan / wgan / wgan_gp / dcgan differ only in configuration (loss, penalty, networks).
METHOD_CLASSES = {"gan": GAN, "wgan": GAN, "wgan_gp": GAN, "dcgan": GAN}


def build_model(config: dict) -> GAN:
    """Instantiate the method class of ``config`` with its networks, prior and loss settings."""
    cls = METHOD_CLASSES[config["method"]]
    return cls.from_hparams(config)


def build_optimizer(spec: dict) -> keras.optimizers.Optimizer:
    """A Keras optimizer from ``{"name": ..., **kwargs}`` (adam, rmsprop or sgd)."""
    spec = dict(spec)
    name = spec.pop("name")
    classes = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}
    if name not in classes:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(classes)}")
    return classes[name](**spec)
