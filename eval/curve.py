"""Training curves on the mixtures: modes, HQ share and reverse KL of a generator against training steps.

While a model trains on a Gaussian mixture (a built-in benchmark or your own ``mixture:`` data set),
``train.run`` records a curve point every ``curve_every`` generator steps (config key, default 500; 0: no
curve) and at step 0 and the last step: :func:`curve_point` draws :data:`eval.defaults.CURVE_SAMPLES`
samples with the fixed sampling seed :data:`eval.defaults.CURVE_SEED` and scores them with the protocol's
:func:`eval.mixture.mixture_metrics`. A seeded draw is stateless, so recording a curve leaves every training
random stream untouched: a run with a curve ends with exactly the weights of the same run without one.
The finished checkpoint carries the points as ``curve.json`` (listed in ``SHA256SUMS``) and a plot,
``curve.png``. docs/evaluation.md#training-curves says how to read them.
"""
from __future__ import annotations

import json
from pathlib import Path

from eval import defaults

__all__ = ["CURVE_FILE", "CURVE_PLOT", "POINT_KEYS", "curve_point", "curve_record", "read_curve"]

CURVE_FILE = "curve.json"
CURVE_PLOT = "curve.png"
#: What a point records besides its step (``eval.mixture.mixture_metrics`` keys; ``kl`` and ``jsd`` are
#: None while no sample is high quality).
POINT_KEYS = ("modes", "hq_fraction", "kl", "jsd")


def curve_point(model, mixture, step: int) -> dict:
    """One curve point of ``model`` on ``mixture`` after ``step`` generator steps: ``{"step", "modes",
    "hq_fraction", "kl", "jsd"}`` of ``CURVE_SAMPLES`` samples drawn with seed ``CURVE_SEED``."""
    from eval.mixture import mixture_metrics

    metrics = mixture_metrics(model.sample(defaults.CURVE_SAMPLES, seed=defaults.CURVE_SEED), mixture)
    return {"step": int(step), **{key: metrics[key] for key in POINT_KEYS}}


def curve_record(points: list[dict], mixture, every: int) -> dict:
    """The content of ``curve.json``: the points with what they were measured on and how often."""
    return {"dataset": mixture.name, "num_modes": mixture.num_modes, "n": defaults.CURVE_SAMPLES,
            "seed": defaults.CURVE_SEED, "every": int(every), "points": list(points)}


def read_curve(folder) -> dict | None:
    """The ``curve.json`` of checkpoint ``folder``, or None when it has none (runs on images, runs with
    ``curve_every=0`` and checkpoints published before curves were recorded)."""
    path = Path(folder) / CURVE_FILE
    return json.loads(path.read_text()) if path.is_file() else None
