"""The methods of the zoo, one module per paper, and the registry their modules fill.

A method's module declares everything about it beside its class: ``register_method(name, cls,
defaults)`` (its config defaults over the data set's) and ``register_entry(name, ...)`` for each
published model. Every module in this package is imported on first use, so adding a method is adding
a module here (``docs/adding_a_method.md``). Importing this package also registers every model class
with Keras, which ``keras.saving.load_model`` needs to rebuild a saved zoo model.
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import keras

__all__ = ["MethodSpec", "METHODS", "ENTRIES", "register_method", "register_entry", "build_model",
           "build_optimizer", "list_methods"]


@dataclasses.dataclass(frozen=True)
class MethodSpec:
    """A registered method: its model class, its config defaults and the paper it comes from."""

    name: str
    cls: type
    defaults: dict
    paper: str


METHODS: dict[str, MethodSpec] = {}
ENTRIES: dict[str, dict] = {}


def register_method(name: str, cls: type, defaults: dict, paper: str) -> None:
    """Declare method ``name``: model class ``cls`` trained with ``defaults`` (config keys)."""
    if name in METHODS:
        raise ValueError(f"method {name!r} is registered twice")
    METHODS[name] = MethodSpec(name, cls, dict(defaults), paper)


def register_entry(name: str, method: str, dataset: str, **settings) -> None:
    """Declare the pretrained entry ``name``: ``method`` on ``dataset`` with only what differs from
    the data set's and the method's defaults.

    A ``seed`` among the settings is the training seed of the published checkpoint: for a mixture entry the
    median of its training seeds (``python -m scripts.training_seeds``, MODEL_CARDS.md), so that
    ``python -m train.run --model NAME`` retrains exactly the published weights."""
    if name in ENTRIES:
        raise ValueError(f"entry {name!r} is registered twice")
    ENTRIES[name] = {"method": method, "dataset": dataset, **settings}


def list_methods() -> list[str]:
    """Names of the registered methods, sorted."""
    return sorted(METHODS)


def build_model(config: dict):
    """Instantiate the model class of ``config["method"]`` with its networks, prior and settings."""
    return METHODS[config["method"]].cls.from_hparams(config)


def build_optimizer(spec: dict) -> keras.optimizers.Optimizer:
    """A Keras optimizer from ``{"name": ..., **kwargs}`` (adam, rmsprop or sgd)."""
    spec = dict(spec)
    name = spec.pop("name", None)
    classes = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}
    if name not in classes:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(classes)}")
    return classes[name](**spec)


# Every module of the package declares its methods and entries when imported.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
