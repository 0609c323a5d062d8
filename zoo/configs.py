"""Run configuration: one typed, documented schema, and the layers that fill it.

A run's config is the :class:`Config` schema's defaults, overridden in turn by the data set's defaults
(:data:`DATASET_DEFAULTS`), the method's defaults and the named entry (both declared in the method's own
module, :mod:`zoo.methods`), then the user's overrides (``--set KEY=VALUE``). :func:`resolve` builds it
and validates every value before any work starts; ``python -m train.run --model NAME --show-config``
prints it. Configs travel as plain dicts (``train_config.json``), with every key of the schema.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import math
from typing import Any

__all__ = ["Config", "ConfigError", "DATASET_DEFAULTS", "resolve", "validate", "default_penalty_weight",
           "schema_defaults", "dataset_defaults", "same_config"]


class ConfigError(ValueError):
    """Unknown model/dataset name or an invalid value; the message names the key and what it needs."""


_ADAM = {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}


def _f(default, doc: str, check=None):
    """A schema field: its default, its documentation and its check (value -> error text or None)."""
    factory = (lambda: copy.deepcopy(default)) if isinstance(default, (dict, list)) else None
    meta = {"doc": doc, "check": check}
    if factory:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _positive_int(v):
    return None if _is_int(v) and v >= 1 else "a positive integer"


def _optional(check):
    return lambda v: None if v is None else check(v)


def _fraction(v):
    return None if _is_num(v) and 0 <= v <= 1 else "a number in [0, 1]"


def _non_negative(v):
    return None if _is_num(v) and v >= 0 else "a finite number >= 0"


def _positive(v):
    return None if _is_num(v) and v > 0 else "a finite number > 0"


def _one_of(*choices):
    return lambda v: None if v in choices else f"one of {', '.join(map(str, choices))}"


def _layers(v):
    ok = isinstance(v, list) and v and all(_is_int(u) and u >= 1 for u in v)
    return None if ok else "a non-empty list of positive integers, e.g. [128, 128]"


def _dict(v):
    return None if isinstance(v, dict) else 'a JSON object, e.g. {"name": "adam", "learning_rate": 1e-4}'


def _string(v):
    return None if isinstance(v, str) and v else "a non-empty string"


def _bool(v):
    return None if isinstance(v, bool) else "true or false"


def _covering(v):
    return None if isinstance(v, (bool, dict)) else "true, false or a JSON object of covering_init arguments"


def _int_min0(v):
    return None if _is_int(v) and v >= 0 else "an integer >= 0"


@dataclasses.dataclass
class Config:
    """Every key of a run's config, with its default and meaning (``--set KEY=VALUE`` overrides any)."""

    method: str = _f("gan", "method name (``python -m train.run --list``)", _string)
    dataset: str = _f("ring8", "data set name (built-in, or mixture:/array:/tfds: for your own data)", _string)
    data_source: dict = _f(None, "where your own data came from (zoo.data: the mixture spec, the file's path "
                           "and sha256, or the tfds name and version); None for built-in data sets",
                           _optional(_dict))
    name: str = _f("", "run / entry name; defaults to <method>_<dataset>")
    network: str = _f("mlp", "network family: mlp (vectors) or dcgan (images)", _one_of("mlp", "dcgan"))
    g_hidden: list = _f([128, 128, 128], "MLP generator hidden widths", _layers)
    d_hidden: list = _f([128, 128], "MLP discriminator hidden widths", _layers)
    e_hidden: list = _f(None, "MLP encoder hidden widths (encoder methods); default g_hidden", _optional(_layers))
    activation: str = _f("lrelu", "MLP hidden activation: lrelu (slope 0.2) or any Keras activation name", _string)
    d_activation: str = _f(None, "D's hidden activation when it differs from G's", _optional(_string))
    g_output: str = _f(None, "activation of the MLP generator's output (None: linear)", _optional(_string))
    init: str = _f(None, "hidden-layer init of MLPs: None (Glorot uniform) or logan (Sharma & Namboodiri)",
                   _one_of(None, "logan"))
    base: int = _f(32, "DCGAN channels at full resolution", _positive_int)
    kernel: int = _f(5, "DCGAN kernel size", _positive_int)
    g_activation: str = _f("relu", "DCGAN generator's hidden activation: relu (Radford et al.), lrelu (slope 0.2, "
                           "LOGAN's image nets) or any Keras activation name; MLPs use activation", _string)
    bn_momentum: float = _f(0.99, "momentum of the batch-norm moving statistics of the DCGAN generator and "
                            "encoder (Keras' 0.99; LOGAN's code 0.9)", _fraction)
    e_bn_first: bool = _f(False, "batch-normalise the DCGAN encoder's first conv too (LOGAN's encoder normalises "
                          "every conv, DCGAN's convention skips the first)", _bool)
    d_features: int = _f(None, "units of a lrelu layer over the whole last feature map of a DCGAN discriminator "
                         "(LOGAN: 8·base); None: the flattened convs feed the head", _optional(_positive_int))
    d_joint_hidden: list = _f([512], "widths of the lrelu FC layers of a DCGAN joint discriminator D(x, z) after "
                              "concat(image features, z) (encoder methods)", _layers)
    prior: dict = _f({"kind": "uniform", "dim": 2}, "latent prior: zoo.core.priors.Prior arguments", _dict)
    loss: str = _f("non_saturating", "adversarial loss (zoo.core.losses.LOSSES)", _string)
    d_steps: int = _f(None, "D updates per G update (None: the loss's own, 5 for Wasserstein)",
                      _optional(_positive_int))
    penalty: str = _f("gp", "gradient penalty kind: gp, pairwise (encoder methods) or none",
                      _one_of("none", "gp", "pairwise"))
    gp_weight: float = _f(0.0, "λ of the gradient penalty; the penalty is on when λ > 0 and penalty != none",
                          _non_negative)
    z_penalty: bool = _f(False, "LOGAN's z-side pair-wise term as well (encoder methods)", _bool)
    clip: float = _f(None, "D weight clipping (None: the loss's own when no penalty is on)", _optional(_positive))
    pack: int = _f(1, "PacGAN packing degree m: D judges m samples at once", _positive_int)
    optimizer: dict = _f(_ADAM, "optimizer of every player: {name: adam|rmsprop|sgd, **kwargs}", _dict)
    d_optimizer: dict = _f(None, "discriminator's optimizer when it differs (two time-scale updates)", _optional(_dict))
    g_optimizer: dict = _f(None, "generator's optimizer when it differs", _optional(_dict))
    e_optimizer: dict = _f(None, "a separately trained encoder's optimizer when it differs", _optional(_dict))
    batch_size: int = _f(256, "D inputs per update", _positive_int)
    steps: int = _f(10_000, "training steps (generator updates)", _positive_int)
    steps_per_epoch: int = _f(500, "steps per Keras epoch: the unit of logging, plots and resume state",
                              _positive_int)
    steps_per_execution: int = _f(50, "steps per compiled call (Keras steps_per_execution)", _positive_int)
    seed: int = _f(0, "training seed: weights, data order and latents", _int_min0)
    curve_every: int = _f(500, "mixture data: generator steps between training-curve points (modes, HQ share, "
                          "reverse KL; curve.json, docs/evaluation.md#training-curves); 0: no curve. Recording "
                          "does not change the trained weights", _int_min0)
    method_kwargs: dict = _f({}, "the method's own constructor arguments", _dict)
    covering_init: Any = _f(False, "covering initialization before training (Lopez-Paz & Oquab): "
                            "true or covering_init arguments", _covering)


MAX_STEPS = 10**9  # a step count beyond this is a typo, not a run


def schema_defaults() -> dict:
    """Every key with its schema default."""
    return dataclasses.asdict(Config())


def same_config(recorded: dict | None, config: dict) -> bool:
    """Whether ``recorded`` (a ``train_config.json``, a resume state's record, a results cell's config) is
    the config ``config``, compared as JSON. A key the schema gained after ``recorded`` was written counts
    with its schema default (``curve_every``, say), so adding a key does not orphan finished runs."""
    if not isinstance(recorded, dict):
        return False
    as_json = lambda c: json.loads(json.dumps(c))  # noqa: E731 - tuples become lists, as in the files
    return as_json({**schema_defaults(), **recorded}) == as_json(config)


_MIX = {"network": "mlp", "prior": {"kind": "uniform", "dim": 2}}
# Compact DCGAN (Radford et al. 2016, arXiv:1511.06434) sized to train in minutes on a CPU.
_IMAGES = {"network": "dcgan", "base": 32, "kernel": 5, "prior": {"kind": "uniform", "dim": 64},
           "batch_size": 64, "steps": 5_000, "steps_per_epoch": 250, "steps_per_execution": 25,
           "optimizer": {"name": "adam", "learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999}}
# The mixtures share the architecture of the Dual Importance Weight GAN comparison (G 3 FC layers of 128,
# D 2 FC layers, no batch norm); its activation is not given, and leaky ReLU (0.2, as in LOGAN) is used
# because plain ReLU nets died on grid25 (MODEL_CARDS.md).
DATASET_DEFAULTS = {
    "ring8": _MIX,
    "grid25": _MIX,
    "grid25_aniso": _MIX,
    "cube27": {**_MIX, "prior": {"kind": "uniform", "dim": 3}},
    "rect25": _MIX,
    "mnist": _IMAGES,
    "fashion_mnist": _IMAGES,
    "stacked_mnist": _IMAGES,
    "cifar10": {**_IMAGES, "base": 64, "prior": {"kind": "uniform", "dim": 128}},
    "celeba": {**_IMAGES, "base": 64, "prior": {"kind": "uniform", "dim": 128}},
}


def dataset_defaults(dataset: str) -> dict:
    """The config layer of a data set: :data:`DATASET_DEFAULTS` for a built-in one; for your own data
    (a registered ``zoo.data`` source) the layer of its shape: the mixtures' MLP with a uniform prior of
    the data's dimension (at least 2) for vectors, the compact DCGAN for 28-pixel images and the CIFAR-10
    one (base 64, 128-d prior) for 32 and 64 pixels."""
    from zoo import data

    if dataset in DATASET_DEFAULTS:
        return DATASET_DEFAULTS[dataset]
    if dataset not in data.dataset_names():
        raise ConfigError(f"unknown dataset {dataset!r}; known datasets: {', '.join(sorted(DATASET_DEFAULTS))}, "
                          f"or your own data (--mixture SPEC, --data FILE.npy, --dataset tfds:NAME)")
    shape = data.data_shape(dataset)
    if len(shape) == 1:
        return {**_MIX, "prior": {"kind": "uniform", "dim": max(2, shape[0])}}
    return DATASET_DEFAULTS["mnist" if shape[0] == 28 else "cifar10"]


def default_penalty_weight(penalty: str, dataset: str) -> float:
    """λ a penalty gets when it is switched on without one: 10 for WGAN-GP (Gulrajani et al. 2017),
    LOGAN's 0.1 on mixtures and 1 on images for the pair-wise penalty (Sharma & Namboodiri 2018, supp. §1.1)."""
    from zoo import data

    if penalty == "gp":
        return 10.0
    return 0.1 if data.is_mixture(dataset) else 1.0


def validate(config: dict) -> dict:
    """Check every value of a full config; raise :class:`ConfigError` naming the first bad key."""
    from zoo import data
    from zoo.core import losses
    from zoo.core.priors import Prior

    fields = {f.name: f for f in dataclasses.fields(Config)}
    unknown = sorted(set(config) - set(fields))
    if unknown:
        raise ConfigError(f"unknown config key {unknown[0]!r}; known keys: {', '.join(sorted(fields))}")
    for key, field in fields.items():
        check = field.metadata["check"]
        problem = check(config[key]) if check else None
        if problem:
            raise ConfigError(f"{key} must be {problem}, got {config[key]!r}")
    if config["steps"] > MAX_STEPS:
        raise ConfigError(f"steps must be at most {MAX_STEPS:,}, got {config['steps']:,}")
    if config["data_source"] is not None:
        try:
            data.register_source(config["dataset"], config["data_source"])
        except data.DataError as err:
            raise ConfigError(f"data_source: {err}") from None
    if config["dataset"] not in data.dataset_names():
        raise ConfigError(f"unknown dataset {config['dataset']!r}; known datasets: {', '.join(data.dataset_names())}")
    if config["loss"] not in losses.LOSSES:
        raise ConfigError(f"unknown loss {config['loss']!r}; known losses: {', '.join(sorted(losses.LOSSES))}")
    try:
        Prior(**config["prior"])
    except (TypeError, ValueError) as err:
        raise ConfigError(f"prior {config['prior']!r} is invalid: {err}") from None
    from zoo.methods import build_optimizer

    for key in ("optimizer", "d_optimizer", "g_optimizer", "e_optimizer"):
        if config[key] is not None:
            try:
                build_optimizer(config[key])
            except (TypeError, ValueError, KeyError) as err:
                raise ConfigError(f"{key} {config[key]!r} is invalid: {err}") from None
    # MLPs take flat vectors (the mixtures), DCGANs images: a method default must not carry one into
    # the other (e.g. logan_dcgan on ring8 needs --set network=mlp).
    wanted = "mlp" if len(data.data_shape(config["dataset"])) == 1 else "dcgan"
    if config["network"] != wanted:
        raise ConfigError(f"network {config['network']!r} does not fit dataset {config['dataset']!r}, which "
                          f"needs {wanted!r} (e.g. --set network={wanted})")
    return config


def resolve(model: str, dataset: str | None = None, overrides: dict | None = None,
            penalty: str | None = None) -> dict:
    """Full, validated config for ``model`` (a method or an entry name) on ``dataset``, with ``overrides``.

    ``--model gan --dataset ring8`` resolves to the ``gan_ring8`` entry when one exists, so a retrain
    with one command reproduces the published checkpoint. ``penalty`` switches a gradient penalty on
    (with :func:`default_penalty_weight` when the config has no λ) or off (``"none"``).
    """
    from zoo import data
    from zoo.methods import ENTRIES, METHODS

    custom = dataset is not None and data.source_record(dataset) is not None
    if model in ENTRIES:
        entry = ENTRIES[model]
        if dataset and dataset != entry["dataset"]:
            raise ConfigError(f"entry {model!r} is trained on {entry['dataset']!r}; use --model "
                              f"{entry['method']} --dataset {dataset} for another dataset")
        name, method, dataset = model, entry["method"], entry["dataset"]
    elif model in METHODS:
        method = model
        dataset = dataset or METHODS[method].defaults.get("dataset", "ring8")
        name = f"{method}_{data.short_name(dataset)}"
        # Your own data never picks up a published entry's settings, even when the names coincide.
        entry = {} if custom else ENTRIES.get(name, {})
    else:
        known = sorted(METHODS) + sorted(ENTRIES)
        raise ConfigError(f"unknown model {model!r}; known methods and entries: {', '.join(known)}")
    layer = dataset_defaults(dataset)
    config = copy.deepcopy({**schema_defaults(), **layer, **METHODS[method].defaults, **entry})
    config.update(name=name, method=method, dataset=dataset, data_source=data.source_record(dataset))
    if custom and METHODS[method].defaults.get("network") not in (None, layer.get("network")):
        # A method default made for one kind of data (logan_dcgan's DCGAN) yields to the data's shape.
        config["network"] = layer["network"]
    for key, value in (overrides or {}).items():
        if key not in config:
            raise ConfigError(f"unknown config key {key!r}; known keys: {', '.join(sorted(config))}")
        config[key] = value
    if penalty is not None:
        config["penalty"] = penalty
        if penalty == "none":
            config["gp_weight"] = 0.0
        elif not config["gp_weight"]:
            config["gp_weight"] = default_penalty_weight(penalty, dataset)
    return validate(config)
