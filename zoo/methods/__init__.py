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
           "build_optimizer", "piecewise_lr", "list_methods"]


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


def piecewise_lr(values: list[float], boundaries: list[int], updates_per_step: int = 1) -> dict:
    """A step-decay learning rate in the serialized form ``build_optimizer`` takes.

    ``values[i]`` holds up to generator step ``boundaries[i]``, the last value after the last boundary
    (``keras.optimizers.schedules.PiecewiseConstantDecay``). A schedule counts its optimizer's own updates,
    so a player that takes ``updates_per_step`` updates per generator step (a critic with ``d_steps`` = 5)
    gets its boundaries scaled by that, and both players change rate at the same generator step. Entries
    use it to end a run at a lower learning rate: the generator then settles into the modes it has found
    instead of oscillating around them (the HQ-share curves in MODEL_CARDS.md).
    """
    if len(values) != len(boundaries) + 1:
        raise ValueError(f"piecewise_lr needs one value more than boundaries, got {values} and {boundaries}")
    return {"class_name": "PiecewiseConstantDecay",
            "config": {"boundaries": [int(b) * int(updates_per_step) for b in boundaries],
                       "values": [float(v) for v in values]}}


def build_optimizer(spec: dict) -> keras.optimizers.Optimizer:
    """A Keras optimizer from ``{"name": ..., **kwargs}`` (adam, rmsprop or sgd).

    ``learning_rate`` is a number or a Keras learning-rate schedule in its serialized form,
    ``{"class_name": "CosineDecay", "config": {"initial_learning_rate": 1e-3, "decay_steps": 10000}}``
    (any class of ``keras.optimizers.schedules``). A schedule counts the optimizer's own updates, so a
    critic with 5 steps per generator step reaches ``decay_steps`` 5× sooner than the generator.
    """
    spec = dict(spec)
    name = spec.pop("name", None)
    classes = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}
    if name not in classes:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(classes)}")
    if isinstance(spec.get("learning_rate"), dict):
        schedule = spec["learning_rate"]
        hint = (f"learning_rate {schedule!r} is not a Keras learning-rate schedule "
                '(e.g. {"class_name": "CosineDecay", "config": {...}})')
        try:
            spec["learning_rate"] = keras.optimizers.schedules.deserialize(schedule)
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"{hint}: {str(error).splitlines()[-1]}") from None
        if not isinstance(spec["learning_rate"], keras.optimizers.schedules.LearningRateSchedule):
            raise ValueError(hint)
    return classes[name](**spec)


# Every module of the package declares its methods and entries when imported.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
