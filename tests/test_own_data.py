"""Your own data and your own generator: mixtures from a spec, array and tfds data sets, and the one
evaluation API (``eval.evaluate``) that the library and every command line share."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import eval as zoo_eval
from eval import missing_modes
from eval.api import EvaluationError
from zoo import data

REPO = Path(__file__).resolve().parents[1]

# Four modes with very unequal weights: a histogram test that ignored the weights would fail.
SPEC = {"name": "lopsided", "means": [[0, 0], [3, 0], [0, 3], [3, 3]], "std": 0.1, "weights": [0.55, 0.25, 0.15, 0.05]}


def _run(*args, cwd=None, env_extra=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=cwd or REPO, env=env,
                          timeout=600)


def _spec_file(tmp_path, spec=SPEC) -> Path:
    path = tmp_path / "lopsided.json"
    path.write_text(json.dumps(spec))
    return path


def test_spec_mixture_scores_at_its_floor_on_its_own_samples(tmp_path):
    path = _spec_file(tmp_path)
    mixture = data.Mixture.from_spec(path)
    real = mixture.sample(5 * 2500, seed=7)
    result = zoo_eval.evaluate(real, str(path), runs=5)
    s = result["summary"]
    assert result["dataset"] == "mixture:lopsided" and s["modes"]["mean"] == 4
    assert s["hq_fraction"]["mean"] > 0.98  # 2-d Gaussian: P(r < 3σ) = 1 − e^{-4.5} ≈ 0.989
    assert s["kl"]["mean"] < 0.01 and s["jsd"]["mean"] < 0.003
    # EMD to fresh data is the real-vs-real floor up to sampling noise.
    assert abs(s["emd"]["mean"] - s["emd_floor"]["mean"]) < 3 * max(s["emd_floor"]["std"], s["emd"]["std"]) + 0.01
    # The same samples against the same modes with equal weights are far from the floor: weights count.
    equal = {k: v for k, v in SPEC.items() if k != "weights"} | {"name": "lopsided_equal"}
    unweighted = zoo_eval.evaluate(real, data.Mixture.from_spec(equal), runs=5)["summary"]
    assert unweighted["kl"]["mean"] > 20 * s["kl"]["mean"] + 0.1


def test_evaluate_api_metric_choice_and_errors():
    mixture = data.mixture("ring8")
    x = mixture.sample(1000, seed=0)
    only = zoo_eval.evaluate(x, "ring8", ["modes"])
    assert set(only["summary"]) == {"n", "modes", "num_modes"} and "emd" not in only["runs"][0]
    with pytest.raises(EvaluationError, match="metric 'fid' does not apply"):
        zoo_eval.evaluate(x, "ring8", ["fid"])
    with pytest.raises(EvaluationError, match=r"must be numeric vectors \[N, 2\]"):
        zoo_eval.evaluate(np.zeros((10, 3)), "ring8")
    with pytest.raises(EvaluationError, match="do not split into 3 equal runs"):
        zoo_eval.evaluate(x, "ring8", runs=3)
    with pytest.raises(data.DataError, match="unknown dataset"):
        zoo_eval.evaluate(x, "no_such_data")
    # A reference array of real vectors: the EMD and its floor (no mode table).
    own = zoo_eval.evaluate(x[:500], mixture.sample(2000, seed=1))
    assert set(own["summary"]) >= {"emd", "emd_floor"} and "modes" not in own["summary"]
    # A model (anything with .sample) is drawn per seed: the same as the array of its draws.
    model = type("M", (), {"sample": lambda self, n, seed=None: mixture.sample(n, seed=100 + seed)})()
    drawn = zoo_eval.evaluate(model, "ring8", num=300, runs=2, seed=3)
    saved = zoo_eval.evaluate(np.concatenate([model.sample(300, seed=s) for s in (3, 4)]), "ring8", runs=2, seed=3)
    assert drawn["summary"] == saved["summary"]


def test_train_on_an_array_and_refuse_it_once_changed(tmp_path):
    x = np.random.default_rng(0).normal(size=(3000, 3)).astype(np.float32) * [1.0, 2.0, 0.5]
    path = tmp_path / "points.npy"
    np.save(path, x)
    out = tmp_path / "run"
    r = _run("train.run", "--model", "gan", "--data", str(path), "--steps", "100", "--out", str(out),
             "--plot-every", "0", "--set", "steps_per_epoch=50")
    assert r.returncode == 0, r.stderr[-2000:]
    config = json.loads((out / "train_config.json").read_text())
    source = config["data_source"]
    assert source["kind"] == "array" and source["path"] == str(path) and source["shape"] == [3]
    assert config["network"] == "mlp" and config["prior"]["dim"] == 3
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["summary"]["emd"]["mean"] > 0 and metrics["summary"]["emd_floor"]["mean"] > 0
    np.save(path, x + 1)  # the data changed after training
    r = _run("eval.missing_modes", "--checkpoint", str(out))
    assert r.returncode == 2 and "changed since it was registered" in r.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("shape, dtype", [((10, 5, 7), np.float32), ((10, 30, 30, 1), np.uint8), ((10,), np.float32)])
def test_unsupported_arrays_get_one_line_naming_what_is_supported(tmp_path, shape, dtype, capsys):
    from train import run

    path = tmp_path / "bad.npy"
    np.save(path, np.zeros(shape, dtype))
    assert run.main(["--model", "gan", "--data", str(path), "--steps", "2", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "supported" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()  # nothing written


def test_image_array_trains_a_dcgan(tmp_path):
    from train import run

    images = np.random.default_rng(0).integers(0, 256, size=(64, 28, 28), dtype=np.uint8)
    path = tmp_path / "digits.npz"
    np.savez(path, x=images)
    out = tmp_path / "run"
    assert run.main(["--model", "gan", "--data", str(path), "--steps", "2", "--batch-size", "8", "--set", "base=8",
                     "--set", "steps_per_epoch=2", "--out", str(out), "--plot-every", "0"]) == 0
    config = json.loads((out / "train_config.json").read_text())
    assert config["network"] == "dcgan" and config["data_source"]["shape"] == [28, 28, 1]
    assert "no evaluation classifier" in json.loads((out / "metrics.json").read_text())["skipped"]


def test_tfds_data_set_with_mock_data(tmp_path, monkeypatch, capsys):
    import tensorflow_datasets as tfds

    from train import run

    monkeypatch.setenv("MODE_ZOO_DATA_DIR", str(tmp_path / "tfds"))
    out = tmp_path / "run"
    with tfds.testing.mock_data(num_examples=32):
        assert run.main(["--model", "dcgan", "--dataset", "tfds:cifar10", "--steps", "2", "--batch-size", "8",
                         "--set", "base=8", "--set", "steps_per_epoch=2", "--out", str(out), "--plot-every", "0"]) == 0
    source = json.loads((out / "train_config.json").read_text())["data_source"]
    assert source == {"kind": "tfds", "name": "cifar10", "version": str(tfds.builder("cifar10").info.version),
                      "shape": [32, 32, 3]}
    # A tfds image set of another size gets one line saying what is supported.
    assert run.main(["--model", "dcgan", "--dataset", "tfds:smallnorb", "--steps", "2"]) == 2
    assert "[96, 96, 1] are not supported" in capsys.readouterr().err


def test_image_samples_score_as_the_checkpoint_that_made_them(tmp_path, capsys):
    saved = tmp_path / "digits.npy"
    common = ["--json", "--no-third-party"]
    assert missing_modes.main(["--checkpoint", "gan_mnist", "--num", "500", "--save-samples", str(saved), *common]) == 0
    from_checkpoint = json.loads(capsys.readouterr().out)
    assert missing_modes.main(["--samples", str(saved), "--dataset", "mnist", *common]) == 0
    from_samples = json.loads(capsys.readouterr().out)
    assert from_samples["n"] == from_checkpoint["n"] == 500
    assert from_samples["scalars"] == from_checkpoint["scalars"]
    for key in ("fid", "class_histogram", "inception_score", "floor"):
        assert from_samples[key] == from_checkpoint[key], key


def test_samples_cli_errors(tmp_path, capsys):
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((100, 2), np.float32))
    cases = [(["--samples", str(x)], "needs exactly one of --mixture, --dataset or --data"),
             (["--samples", str(x), "--dataset", "grid25", "--runs", "3"], "do not split into 3 equal runs"),
             (["--samples", str(x), "--dataset", "cube27"], "must be numeric vectors [N, 3]"),
             (["--checkpoint", "gan_ring8", "--mixture", "s.json"], "--mixture is for --samples"),
             (["--samples", "500"], "--samples takes a samples file"),
             (["--samples", str(tmp_path / "missing.npy"), "--dataset", "ring8"], "not found")]
    for flags, message in cases:
        try:
            code = missing_modes.main(flags)
        except SystemExit as exit_:  # argparse-level errors exit from the parser
            code = exit_.code
        assert code == 2, flags
        assert message in capsys.readouterr().err, flags


def test_readme_own_data_commands_work_as_written(tmp_path):
    """The README's "Your own data" commands, run as written (shorter training) from a folder holding
    only a copy of examples/: a spec mixture and an array train, save and evaluate, the checkpoint carries
    its spec, and the saved samples print the checkpoint's very report."""
    import re
    import shlex
    import shutil

    readme = (REPO / "README.md").read_text()
    block = readme.split("## Your own data", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.startswith("python -m ")]
    assert len(commands) == 4
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    spec_file = tmp_path / "examples" / "two_rings.json"
    spec = json.loads(spec_file.read_text())
    outputs = []
    for i, command in enumerate(commands):
        if i == 2:  # evaluating the checkpoint needs nothing but the checkpoint: the spec travels in it
            spec_file.rename(tmp_path / "moved.json")
        if i == 3:
            (tmp_path / "moved.json").rename(spec_file)
        args = shlex.split(re.sub(r"--steps \d+", "--steps 200", command))[2:]
        r = _run(*args, cwd=tmp_path, env_extra={"PYTHONPATH": str(REPO)})
        assert r.returncode == 0, (command, r.stderr[-1500:])
        outputs.append(r.stdout)
    config = json.loads((tmp_path / "runs" / "two_rings" / "train_config.json").read_text())
    assert config["dataset"] == "mixture:two_rings" and config["name"] == "wgan_gp_two_rings"
    assert config["data_source"]["spec"]["weights"] == spec["weights"]
    moons = json.loads((tmp_path / "runs" / "two_moons" / "train_config.json").read_text())["data_source"]
    assert moons["kind"] == "array" and moons["shape"] == [2] and moons["n"] == 4000
    assert np.load(tmp_path / "two_rings_samples.npy").shape == (5 * 2500, 2)
    assert "modes captured" in outputs[3] and "/ 16" in outputs[3]
    assert outputs[3] == outputs[2]  # the saved samples give the checkpoint's report, digit for digit


def test_stacked_mode_count_alone_equals_the_full_report(capsys):
    """``--metrics modes`` classifies only (no features, no reference set) and gives the checkpoint's
    published mode count and KL, which the full bundle computed."""
    published = json.loads((REPO / "checkpoints" / "veegan_stacked_mnist" / "metrics.json").read_text())
    assert missing_modes.main(["--checkpoint", "veegan_stacked_mnist", "--metrics", "modes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == published["n"] == 26_000
    assert result["modes"] == published["modes"]
    assert result["modes_kl"] == pytest.approx(published["modes_kl"], rel=1e-9)
    assert "fid" not in result and "floor" not in result
