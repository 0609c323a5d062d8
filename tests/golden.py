"""Golden weights: a fixed seed and a fixed batch give the same weights after a few training steps.

``GOLDEN_CASES`` are small versions of every method's default config. :func:`fingerprint` trains one
for ``STEPS`` steps on fixed data and summarises every variable of the model (weights and batch-norm
statistics) by its sum, its absolute sum and its first four values. ``tests/golden.json`` holds the
fingerprints recorded with the code **before** the method base was rebuilt around a forward record;
``tests/test_golden.py`` checks that the current code still gives them.

Record anew (only when a change of the numbers is intended and explained in the test):

    python tests/golden.py --record                      # every case, into golden.json
    python tests/golden.py --pin logan_dcgan ...         # changed cases, into golden_pinned.json
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

GOLDEN_FILE = Path(__file__).with_name("golden.json")
# New values of the variables whose old values came from redundant work (``tests/test_golden.py``).
PINNED_FILE = Path(__file__).with_name("golden_pinned.json")
STEPS = 3

# name -> (method, dataset, overrides): small nets and batches so every case takes seconds.
_TOY = {"batch_size": 32, "g_hidden": [32, 32], "d_hidden": [32, 32]}
_BIG_TOY = {"batch_size": 32, "g_hidden": [64, 64], "e_hidden": [64, 64], "d_hidden": [64, 64]}
_IMG = {"batch_size": 8, "base": 8}
GOLDEN_CASES = {
    "gan": ("gan", "ring8", _TOY),
    "wgan": ("wgan", "ring8", _TOY),
    "wgan_gp": ("wgan_gp", "ring8", _TOY),
    "dcgan": ("dcgan", "mnist", _IMG),
    "weighted_prior": ("weighted_prior", "ring8", {**_TOY, "method_kwargs": {"presample": 64}}),
    "masked_prior": ("masked_prior", "ring8", {**_TOY, "method_kwargs": {"presample": 64, "rate": 0.5}}),
    "weighted_prior_mnist": ("weighted_prior", "mnist", {**_IMG, "loss": "non_saturating", "gp_weight": 0.0,
                                                         "method_kwargs": {"presample": 16}}),
    "multimodal_covering": ("multimodal_covering", "ring8", {**_TOY, "d_steps": 2}),
    "bigan": ("bigan", "ring8", _BIG_TOY),
    "logan_bigan": ("logan_bigan", "ring8", _BIG_TOY),
    "logan_bigan_zpen": ("logan_bigan", "ring8", {**_BIG_TOY, "z_penalty": True}),
    "bigan_joint_gp": ("bigan", "ring8", {**_BIG_TOY, "penalty": "gp", "gp_weight": 1.0}),
    "logan_bigan_mnist": ("logan_bigan", "mnist", {**_IMG, "gp_weight": 1.0}),
    "logan_dcgan": ("logan_dcgan", "mnist", _IMG),
}


def golden_config(name: str) -> dict:
    """The resolved config of golden case ``name``."""
    from zoo import configs

    method, dataset, overrides = GOLDEN_CASES[name]
    return configs.resolve(method, dataset, {"seed": 0, **overrides})


def _real_batches(config: dict, per_step: int) -> np.ndarray:
    from zoo import data

    rng = np.random.default_rng(1234)
    shape = data.data_shape(config["dataset"])
    if data.is_mixture(config["dataset"]):
        return data.mixture(config["dataset"]).sample(per_step * STEPS, seed=1234)
    return rng.uniform(-1, 1, size=(per_step * STEPS, *shape)).astype(np.float32)


def train_case(name: str):
    """Build golden case ``name`` from seed 0, train ``STEPS`` steps on fixed data; return the model."""
    from zoo.methods import build_model, build_optimizer

    config = golden_config(name)
    keras.utils.set_random_seed(0)
    model = build_model(config)
    opt = config["optimizer"]
    model.compile(d_optimizer=build_optimizer(config.get("d_optimizer") or opt),
                  g_optimizer=build_optimizer(config.get("g_optimizer") or opt), steps_per_execution=1)
    per_step = config["batch_size"] * model.d_steps
    real = _real_batches(config, per_step)
    ds = tf.data.Dataset.from_tensor_slices(real).batch(per_step)
    model.fit(ds, epochs=1, steps_per_epoch=STEPS, verbose=0)
    return model


def fingerprint(model) -> dict:
    """``{"index shape": [sum, abs sum, first four values]}`` over the model's weights (not optimizers).

    Variables are keyed by their position in ``model.weights`` and their shape: Keras' automatic layer
    names (``dense_2``) depend on how many layers the process built before.
    """
    out = {}
    for i, v in enumerate(model.weights):
        a = np.asarray(v.numpy(), np.float64).ravel()
        out[f"{i:03d} {tuple(v.shape)}"] = [float(a.sum()), float(np.abs(a).sum()), *[float(x) for x in a[:4]]]
    return out


def record() -> None:
    """Write ``golden.json`` for every case (run with the reference version of the code)."""
    GOLDEN_FILE.write_text(json.dumps({name: fingerprint(train_case(name)) for name in GOLDEN_CASES},
                                      indent=1, sort_keys=True) + "\n")


def pin(names) -> None:
    """Write the current fingerprints of cases ``names`` to ``golden_pinned.json``."""
    PINNED_FILE.write_text(json.dumps({name: fingerprint(train_case(name)) for name in names},
                                      indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--record"]:
        record()
        print(f"wrote {GOLDEN_FILE}")
    elif sys.argv[1:2] == ["--pin"]:
        pin(sys.argv[2:])
        print(f"wrote {PINNED_FILE}")
    else:
        print(__doc__)
