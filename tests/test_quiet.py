"""Quiet command lines (issue #15): TensorFlow's start-up lines and Keras' ignored-``shuffle`` warning are
hidden unless ``--verbose`` or the user's own ``TF_CPP_MIN_LOG_LEVEL`` asks for them (zoo/quiet.py).

The claims are about what a user sees, so the commands run in subprocesses whose environment has no
``TF_CPP_MIN_LOG_LEVEL``, from an empty folder, as the README's quick start runs them."""
import os
import subprocess
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo import configs, data, quiet
from zoo.methods import build_model

REPO = Path(__file__).resolve().parents[1]
NOISE = ("cuda", "onednn", "cpu_feature_guard", "userwarning")


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update({"PYTHONPATH": str(REPO), "MODE_ZOO_OFFLINE": "1", "HF_HUB_OFFLINE": "1", **extra})
    return env


def _run(args, cwd, **env):
    return subprocess.run([sys.executable, *args], cwd=cwd, env=_env(**env), capture_output=True, text=True,
                          timeout=300)


def _noise(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if any(word in line.lower() for word in NOISE)]


def test_the_quick_start_prints_no_tensorflow_start_up_lines(tmp_path):
    r = _run(["-m", "train.run", "--model", "gan", "--dataset", "ring8", "--steps", "100", "--out", "runs/quickstart"],
             tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert _noise(r.stderr) == [], r.stderr
    assert (tmp_path / "runs" / "quickstart" / "SHA256SUMS").is_file()
    r = _run(["-m", "eval.missing_modes", "--checkpoint", "runs/quickstart"], tmp_path)
    assert r.returncode == 0 and "modes" in r.stdout, r.stderr[-2000:]
    assert _noise(r.stderr) == [], r.stderr
    assert r.stderr.strip().splitlines() == ["loaded unregistered checkpoint folder runs/quickstart (its own "
                                             "SHA256SUMS only)"]


def test_verbose_or_the_users_own_level_shows_them(tmp_path):
    # What TensorFlow prints on this machine when nobody hides anything (may be nothing elsewhere).
    baseline = _noise(_run(["-c", "import tensorflow"], tmp_path).stderr)
    markers = {word for line in baseline for word in NOISE if word in line.lower()}
    show = ["-m", "train.run", "--model", "gan", "--show-config"]
    quiet_run = _run(show, tmp_path)
    assert quiet_run.returncode == 0 and _noise(quiet_run.stderr) == [], quiet_run.stderr
    for args, env in (([*show, "--verbose"], {}), (show, {"TF_CPP_MIN_LOG_LEVEL": "0"})):
        r = _run(args, tmp_path, **env)
        assert r.returncode == 0, r.stderr[-2000:]
        shown = {word for line in _noise(r.stderr) for word in NOISE if word in line.lower()}
        assert markers <= shown, (args, env, r.stderr)


def test_launched_module_reads_the_interpreter_command_line():
    assert quiet.launched_module(["python", "-m", "train.run", "--verbose"]) == ("train.run", ["--verbose"])
    assert quiet.launched_module(["python", "-X", "dev", "-u", "-meval.missing_modes", "-h"]) == (
        "eval.missing_modes", ["-h"])
    assert quiet.launched_module(["python", "script.py", "-m", "train.run"]) == (None, [])
    assert quiet.launched_module(["python", "-c", "pass", "-m", "x"]) == (None, [])
    assert quiet.launched_module(["python", "-m", "pytest", "tests"]) == ("pytest", ["tests"])


def test_gan_fit_does_not_repeat_the_ignored_shuffle_warning():
    config = configs.resolve("gan", "ring8", {"g_hidden": [8], "d_hidden": [8]})
    model = build_model(config)
    from train.run import compile_model

    compile_model(model, config)
    ds = data.dataset("ring8", 64, seed=0)
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    plain.compile("sgd", "mse")
    pairs = tf.data.Dataset.from_tensor_slices((np.zeros((8, 2), "float32"), np.zeros((8, 1), "float32"))).batch(4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plain.fit(pairs, epochs=1, verbose=0)  # Keras' own model: the warning is there to be seen
        seen = [str(w.message) for w in caught if "shuffle=True" in str(w.message)]
        caught.clear()
        model.fit(ds, epochs=1, steps_per_epoch=2, verbose=0)
        hidden = [str(w.message) for w in caught if "shuffle=True" in str(w.message)]
    assert seen and not hidden
