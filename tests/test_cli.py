"""Command lines: train.run and eval.missing_modes, including resume and bad input."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

import zoo
from train.run import main as train_main
from train.run import split_steps, train
from zoo import checkpoint, configs

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _run(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=ENV, capture_output=True, text=True,
                          timeout=timeout)


def test_train_then_evaluate_end_to_end(tmp_path):
    out = tmp_path / "run"
    r = _run("train.run", "--model", "gan", "--dataset", "ring8", "--steps", "300", "--out", str(out),
             "--plot-every", "0", "--no-eval")  # the evaluation command is exercised below
    assert r.returncode == 0, r.stderr[-2000:]
    assert {"config.json", "model.weights.h5", "SHA256SUMS", "metrics.json", "train_config.json",
            "samples.png"} <= {p.name for p in out.iterdir()}
    assert not (out / ".backup").exists()  # resume state is removed after a finished run
    r = _run("eval.missing_modes", "--checkpoint", str(out), "--json", "--runs", "2", "--num", "500",
             "--plot", str(tmp_path / "p.png"))
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(r.stdout)
    for key in ("modes", "hq_fraction", "kl", "jsd", "emd", "emd_floor"):
        assert key in result["summary"]
    assert result["n"] == 500 and (tmp_path / "p.png").stat().st_size > 1000
    r = _run("eval.missing_modes", "--checkpoint", str(out), "--runs", "1", "--num", "200")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "modes captured" in r.stdout and "EMD floor" in r.stdout
    assert f"loaded unregistered checkpoint folder {out}" in r.stderr


@pytest.mark.parametrize("args,message", [
    (["--model", "nonsense"], "unknown model"),
    (["--model", "gan", "--dataset", "svhn"], "unknown dataset"),
    (["--model", "gan", "--steps", "-5"], "steps must be a positive integer"),
    (["--model", "gan", "--set", "lr"], "KEY=VALUE"),
    (["--model", "gan", "--loss", "hinge"], "unknown loss"),
])
def test_train_bad_input(args, message, tmp_path, capsys):
    assert train_main([*args, "--out", str(tmp_path / "x")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()  # nothing written for rejected input


def test_missing_modes_bad_checkpoint(tmp_path):
    r = _run("eval.missing_modes", "--checkpoint", str(tmp_path / "missing"))
    assert r.returncode == 2 and "error:" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "config.json").write_text("{}")
    r = _run("eval.missing_modes", "--checkpoint", str(tmp_path / "corrupt"))
    assert r.returncode == 2 and "incomplete" in r.stderr


@pytest.mark.parametrize("flags, message", [(["--sigmas", "0"], "--sigmas must be positive"),
                                            (["--third-party-steps", "0"], "--third-party-steps must be positive"),
                                            (["--num", "-5"], "--num")])
def test_missing_modes_bad_flags(flags, message, capsys):
    from eval.missing_modes import main as missing_modes_main

    # Rejected before any checkpoint is loaded or anything is written.
    assert missing_modes_main(["--checkpoint", "does_not_matter", *flags]) == 2
    assert message in capsys.readouterr().err


def test_help_documents_flags():
    r = _run("train.run", "--help")
    assert r.returncode == 0 and "--steps" in r.stdout and "--publish" in r.stdout
    r = _run("train.run", "--list")
    assert "gan_ring8" in r.stdout and "wgan_gp" in r.stdout


def test_split_steps():
    assert split_steps(300, 500) == (1, 300)
    assert split_steps(10_000, 500) == (20, 500)
    assert split_steps(1200, 500) == (3, 400)
    epochs, spe = split_steps(10_007, 500)  # prime: rounds up rather than 10,007 one-step epochs
    assert spe <= 500 and 10_007 <= epochs * spe < 10_007 + epochs


class _Interrupt(keras.callbacks.Callback):
    """Stops training after the resume state of the second epoch is written (it runs after ResumeState)."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt("simulated interruption after the second epoch")


_TINY = {"steps": 200, "steps_per_epoch": 50, "steps_per_execution": 10, "g_hidden": [8], "d_hidden": [8]}


def _weights(folder):
    model = zoo.load(str(folder))
    return [w.numpy() for w in model.weights]


def test_interrupted_run_resumes_exactly(tmp_path):
    # In-process twin of the kill -9 test below: resumed epochs continue the data and latent streams,
    # so the result equals an uninterrupted run bit for bit (before, resumed epochs replayed both from
    # step 0 and ended up to 0.06 away).
    config = configs.resolve("gan", "ring8", _TINY)
    train(config, tmp_path / "whole", verbose=0, plot_every=0, evaluate=False)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(config, out, verbose=0, plot_every=0, evaluate=False, callbacks=[_Interrupt()])
    assert (out / ".backup" / "training_metadata.json").is_file() and not (out / "SHA256SUMS").exists()
    model = train(config, out, verbose=0, plot_every=0, evaluate=False)
    assert model.history.epoch == [2, 3]  # epochs 0 and 1 were not trained again
    assert (out / "SHA256SUMS").exists() and not (out / ".backup").exists()
    for a, b in zip(_weights(tmp_path / "whole"), _weights(out)):
        np.testing.assert_array_equal(a, b)
    for name in checkpoint.MODEL_FILES:  # and the saved files are byte-identical
        assert checkpoint.sha256(out / name) == checkpoint.sha256(tmp_path / "whole" / name), name


_TINY_ARGS = ["--model", "gan", "--dataset", "ring8", "--steps", "600", "--set", "steps_per_epoch=100",
              "--set", "steps_per_execution=10", "--set", "g_hidden=[8]", "--set", "d_hidden=[8]",
              "--no-eval", "--plot-every", "0"]


@pytest.mark.slow
def test_kill_9_then_rerun_gives_bit_identical_weights(tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    r = _run("train.run", *_TINY_ARGS, "--out", str(whole))
    assert r.returncode == 0, r.stderr[-2000:]
    proc = subprocess.Popen([sys.executable, "-m", "train.run", *_TINY_ARGS, "--out", str(killed)], cwd=REPO,
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = killed / ".backup" / "training_metadata.json"
    deadline = time.time() + 120
    while not state.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)  # a real kill -9, right after the first resume state exists
    proc.wait()
    assert proc.returncode == -signal.SIGKILL and state.exists() and not (killed / "SHA256SUMS").exists()
    epoch = json.loads(state.read_text())["epoch"]
    assert 1 <= epoch < 6
    r = _run("train.run", *_TINY_ARGS, "--out", str(killed))
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"Epoch {epoch + 1}/6" in r.stdout and "Epoch 1/6" not in r.stdout  # resumed, not restarted
    for a, b in zip(_weights(whole), _weights(killed)):
        np.testing.assert_array_equal(a, b)  # max |Δ| = 0
    for name in checkpoint.MODEL_FILES:
        assert checkpoint.sha256(killed / name) == checkpoint.sha256(whole / name), name
    assert not (killed / ".backup").exists() and not list(tmp_path.glob(".*.lock"))


def test_resume_state_of_another_config_is_refused(tmp_path):
    # An interrupted run leaves resume state; restarting the same folder with other networks must stop
    # with an error naming the folder, not load the wrong weights or crash inside Keras.
    config = configs.resolve("gan", "ring8", _TINY)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(config, out, verbose=0, plot_every=0, evaluate=False, callbacks=[_Interrupt()])
    other = {**config, "g_hidden": [16]}
    with pytest.raises(RuntimeError, match="another config"):
        train(other, out, verbose=0, plot_every=0, evaluate=False)
    assert (out / ".backup" / "training_metadata.json").exists()  # the interrupted run can still be resumed
    (out / ".backup" / "train_config.json").unlink()  # state written by a version that did not record it
    with pytest.raises(RuntimeError, match="does not record its config"):
        train(config, out, verbose=0, plot_every=0, evaluate=False)


def test_missing_modes_refuses_runs_for_an_image_checkpoint(capsys):
    """Image checkpoints are scored once; ``--runs`` is refused rather than silently ignored."""
    from eval.missing_modes import main as missing_modes_main

    assert missing_modes_main(["--checkpoint", "dcgan_mnist", "--runs", "3", "--metrics", "digits"]) == 2
    err = capsys.readouterr().err
    assert "--runs is for vector data" in err and "mnist" in err
