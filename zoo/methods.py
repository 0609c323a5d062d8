"""Method name -> model class, and building a model from a resolved config (zoo.configs).

Importing this module registers every method class with Keras, which ``keras.saving.load_model``
needs to rebuild a saved zoo model.
"""
from __future__ import annotations

import keras

from zoo.bigan import BiGAN
from zoo.gan import GAN
from zoo.masked_prior import MaskedPriorGAN
from zoo.multimodal import MultimodalCoveringGAN
from zoo.weighted_prior import WeightedPriorGAN

__all__ = ["METHOD_CLASSES", "build_model", "build_optimizer"]

# gan / wgan / wgan_gp / dcgan differ only in configuration (loss, penalty, networks).
METHOD_CLASSES = {"gan": GAN, "wgan": GAN, "wgan_gp": GAN, "dcgan": GAN}
# Learned priors (Goerttler & Kloft) and multimodal noise + covering initialization (Lopez-Paz & Oquab).
METHOD_CLASSES.update({"weighted_prior": WeightedPriorGAN, "masked_prior": MaskedPriorGAN,
                       "multimodal_covering": MultimodalCoveringGAN})
# BiGAN with the vanilla loss; LOGAN = BiGAN + logit loss + pair-wise penalty, or DCGAN + logit loss + GP.
METHOD_CLASSES.update({"bigan": BiGAN, "logan_bigan": BiGAN, "logan_dcgan": GAN})


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
