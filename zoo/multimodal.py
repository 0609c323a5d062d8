"""Multimodal noise + covering initialization (Lopez-Paz & Oquab, paper 001, Secs. 2–3).

The method is a plain :class:`zoo.gan.GAN` with two changes, both outside the training step:

* **multimodal noise** (Sec. 2): z = concat(a, b) with a ~ Q = U(low, high)^d and b a one-hot vector of
  c categories drawn uniformly (``zoo.priors.Prior(kind="multimodal")``: ``tfd.Blockwise`` of an
  independent uniform and a ``tfd.OneHotCategorical``). c defaults to the number of modes of the
  mixture or classes of the image data set (PROTOCOLS §1.2 [REC]: c = 8 on the ring);
* **covering initialization** (Sec. 3): the generator is pre-trained to match the data's mean and
  covariance before adversarial training (:mod:`zoo.covering`; config key ``covering_init``, which
  ``train.run.train`` honours for every method).

:class:`MultimodalCoveringGAN` only fills in the prior from the config (kind ``multimodal``, default c)
so that ``--model multimodal_covering --dataset NAME`` works on any data set.
"""
from __future__ import annotations

import keras

from zoo.gan import GAN

__all__ = ["default_categories", "multimodal_prior_config", "MultimodalCoveringGAN"]

# Classes of the labelled image data sets (c = number of classes, PROTOCOLS §1.2 [REC]).
_CLASSES = {"mnist": 10, "fashion_mnist": 10, "cifar10": 10}


def default_categories(dataset: str) -> int:
    """Default c for multimodal noise: the number of mixture modes or image classes of ``dataset``.

    Paper 001 chooses c "by cross-validation or by means of a clustering algorithm" (Sec. 2); the
    known number of modes stands in for that here. Unlabelled data sets (CelebA) need an explicit c.
    """
    from zoo import data

    if data.is_mixture(dataset):
        return data.mixture(dataset).num_modes
    if dataset in _CLASSES:
        return _CLASSES[dataset]
    raise ValueError(f"no default number of noise categories for {dataset!r}; set prior.categories")


def multimodal_prior_config(config: dict) -> dict:
    """The config's prior turned into multimodal noise z = [a, one-hot b] (paper 001, Sec. 2).

    Keeps the continuous part (kind uniform: its dim and bounds) and sets c to
    ``prior["categories"]`` if given, else :func:`default_categories`.
    """
    prior = dict(config["prior"])
    if prior.get("kind", "uniform") == "normal":
        raise ValueError("multimodal noise is built on a uniform continuous part in this zoo; "
                         "use prior kind 'uniform' or 'multimodal'")
    prior["kind"] = "multimodal"
    prior["categories"] = int(prior.get("categories") or default_categories(config["dataset"]))
    return prior


@keras.saving.register_keras_serializable(package="mode_zoo")
class MultimodalCoveringGAN(GAN):
    """GAN with multimodal noise (paper 001, Sec. 2); covering init comes from the config (Sec. 3).

    Training, losses and sampling are :class:`zoo.gan.GAN`'s; only :meth:`from_hparams` differs.
    """

    @classmethod
    def from_hparams(cls, config: dict, **kwargs):
        """Build from a resolved config with its prior made multimodal (:func:`multimodal_prior_config`)."""
        return super().from_hparams({**config, "prior": multimodal_prior_config(config)}, **kwargs)
