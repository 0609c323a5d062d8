"""Reproduction scripts: each script's ``main`` end to end at a tiny budget into a tmp folder, and their helpers.

The budgets (a few dozen steps, one seed, a few hundred samples) only check that every part of a script
runs and writes the files and tables of its default invocation; ``slow`` marks the ones that train.
"""
import json

import numpy as np
import pytest

import zoo
from scripts import (
    common,
    goerttler_mnist_hist,
    goerttler_ring_emd,
    learned_prior_plot,
    learned_prior_seeds,
    logan_figures,
    logan_mnist,
    logan_toy_study,
    lopez_paz_fig1,
    model_table,
    stacked_mnist_table,
)

STEPS = "20"  # generator steps of every tiny training run


def _need(*names):
    """Skip unless the published checkpoints ``names`` are in this checkout."""
    missing = [n for n in names if not (zoo.checkpoint_dir() / n / "SHA256SUMS").is_file()]
    if missing:
        pytest.skip(f"published checkpoints not in this checkout: {', '.join(missing)}")


def _table_rows(md: str) -> list[str]:
    """The body rows of every markdown table in ``md`` (headers and rules left out)."""
    lines = md.splitlines()
    return [line for line, after in zip(lines, lines[1:] + [""])
            if line.startswith("|") and not line.startswith("|---") and not after.startswith("|---")]


def test_model_table_prints_each_checkpoints_metrics(capsys):
    _need("gan_ring8", "gan_mnist")
    assert model_table.main(["gan_ring8", "gan_mnist"]) == 0
    out = capsys.readouterr().out
    ring = json.loads((zoo.checkpoint_dir() / "gan_ring8" / "metrics.json").read_text())["summary"]
    mnist = json.loads((zoo.checkpoint_dir() / "gan_mnist" / "metrics.json").read_text())
    assert f"| `gan_ring8` | ring8 | {ring['modes']['mean']:.1f} ± {ring['modes']['std']:.1f} / 8 |" in out
    assert f"{mnist['inception_score']['mean']:.2f} ± {mnist['inception_score']['std']:.2f}" in out
    assert "| real test digits | mnist | 10/10 |" in out  # the real-data floor row closes the image table


def test_stacked_mnist_table_lists_each_entry_beside_pacgan(tmp_path, capsys):
    _need("veegan_stacked_mnist")
    names = [n for n in zoo.list() if n.endswith("_stacked_mnist")]
    assert stacked_mnist_table.main(["--out", str(tmp_path / "t")]) == 0
    out = capsys.readouterr().out
    for name in names:
        m = json.loads((zoo.checkpoint_dir() / name / "metrics.json").read_text())
        assert f"| `{name}` | {m['modes']:.0f} | {m['modes_kl']:.2f} | 26,000 | 0 | yes |" in out
    assert "| PacDCGAN2 | 1000 | 0.06 |" in out
    assert json.loads((tmp_path / "t.json").read_text())["rows"][0]["n"] == 26_000


def test_write_report_writes_the_markdown_it_prints(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    assert common.write_report(["# title", "", "| a |"], "demo", "demo.png") == 0
    text = (tmp_path / "demo.md").read_text()
    assert text == "# title\n\n| a |\n\nFigure: `demo.png`.\n" and text in capsys.readouterr().out
    assert not list(tmp_path.glob("*.tmp"))  # written atomically, no leftovers
    assert common.report_head("T", "scripts.x", ["--seeds", 0])[2] == "Command: `python -m scripts.x --seeds 0`"


def test_mean_std_and_fmt_are_the_one_summary():
    s = common.mean_std([1.0, None, 3.0])
    assert s == {"mean": 2.0, "std": 1.0, "runs": 2, "values": [1.0, 3.0]}
    assert common.fmt(s, 1) == "2.0 ± 1.0" and common.fmt(s, 0, 100) == "200 ± 100"
    assert common.fmt(common.mean_std([None])) == "n/a" and common.fmt(None, missing="—") == "—"


def test_mnist_images_are_load_images_scaled_digits():
    from zoo import data

    x = common.mnist_images("test")
    first = np.stack([im.numpy() for im in data.load_images("mnist", "test").take(3)])
    assert x.shape == (10_000, 28, 28, 1) and x.dtype == np.float32
    np.testing.assert_array_equal(x[:3], first)  # the same values as the tf.data pipeline, bit for bit


def test_learned_prior_plot(tmp_path):
    _need("weighted_prior_ring8")
    out = tmp_path / "prior.png"
    assert learned_prior_plot.main(["--checkpoint", "weighted_prior_ring8", "--out", str(out)]) == 0
    stats = json.loads((tmp_path / "prior.json").read_text())
    assert out.is_file() and [s["model"] for s in stats] == ["weighted_prior_ring8"]
    assert stats[0]["islands"] >= 1 and 0 <= stats[0]["modes_from_mask"] <= 8


def test_logan_figures_fig4_from_published_checkpoints(tmp_path):
    _need("bigan_ring8")
    out = tmp_path / "fig4.png"
    assert logan_figures.main(["fig4", "--checkpoints", "bigan_ring8", "--out", str(out)]) == 0
    assert out.stat().st_size > 0


def test_goerttler_mnist_hist(tmp_path):
    _need("gan_mnist", "masked_prior_mnist", "mnist_classifier")
    argv = ["--checkpoint", "gan_mnist", "masked_prior_mnist", "--n", "100", "--seeds", "0", "1",
            "--results-dir", str(tmp_path)]
    assert goerttler_mnist_hist.main(argv) == 0
    result = json.loads((tmp_path / "goerttler_mnist_hist.json").read_text())
    rows = ["gan_mnist", "masked_prior_mnist", "masked_prior_mnist (constant prior at generation)",
            "real test digits (floor)"]
    assert set(result) == {"n", "seeds", "summary", "mean_counts", "runs"} and set(result["summary"]) == set(rows)
    assert [len(result["runs"][r]) for r in rows] == [2, 2, 2, 1]
    assert sum(result["mean_counts"]["real test digits (floor)"]) == 100
    md = (tmp_path / "goerttler_mnist_hist.md").read_text()
    assert md.startswith("# Goerttler & Kloft Fig. 6") and "--n 100" in md
    assert [r.split(" | ")[0][2:] for r in _table_rows(md)] == rows
    assert (tmp_path / "goerttler_mnist_hist.png").is_file()


@pytest.mark.slow
def test_goerttler_ring_emd(tmp_path):
    results = tmp_path / "results"
    argv = ["--seeds", "0", "--steps", STEPS, "--rates", "0.5", "--sweep-seeds", "0", "--n-eval", "200",
            "--runs-dir", str(tmp_path / "runs"), "--results-dir", str(results)]
    assert goerttler_ring_emd.main(argv) == 0
    result = json.loads((results / "goerttler_ring_emd.json").read_text())
    assert {"paper", "config", "seeds", "summary", "runs", "learned_prior_seed0", "sweep"} <= set(result)
    assert set(result["summary"]) == set(goerttler_ring_emd.LABELS)  # (result JSON keys are sorted)
    assert result["config"]["name"] == "constant_prior_ring8" and result["config"]["steps"] == int(STEPS)
    assert [p["rate"] for p in result["sweep"]] == [0.5] and len(result["learned_prior_seed0"]) == 3
    md = (results / "goerttler_ring_emd.md").read_text()
    assert len(_table_rows(md)) == len(goerttler_ring_emd.LABELS) + 1  # the EMD table and one sweep row
    assert {p.name for p in results.iterdir()} == {"goerttler_ring_emd.json", "goerttler_ring_emd.md",
                                                   "goerttler_learned_prior.png", "goerttler_rate_sweep.png"}


@pytest.mark.slow
def test_learned_prior_seeds(tmp_path, capsys):
    results, runs = tmp_path / "results", tmp_path / "runs"
    argv = ["--seeds", "0", "--steps", STEPS, "--sampling-seeds", "0", "1", "--n-eval", "200",
            "--runs-dir", str(runs), "--results-dir", str(results)]
    assert learned_prior_seeds.main(argv) == 0
    result = json.loads((results / "learned_prior_seeds.json").read_text())
    assert result["config"]["name"] == "weighted_prior_ring8" and result["config"]["steps"] == int(STEPS)
    assert result["config"]["method_kwargs"]["score"] == "auto_calibrated"
    row = result["weighted"]["0"]
    assert row["learned"]["emd"]["mean"] > 0 and row["constant_sampling"]["emd"]["mean"] > 0
    assert row["emd_ratio"] == pytest.approx(row["learned"]["emd"]["mean"] / row["constant_sampling"]["emd"]["mean"])
    assert set(row["spread"]) == {"centered", "calibrated", "trained"}
    assert row["spread"]["calibrated"]["s_p05"] == pytest.approx(0.05, abs=1e-3)
    assert result["summary"]["weighted"]["median_seed"] == 0 and "0" in result["baseline"]
    assert result["centered"]["0"]["score"] == "auto"  # the entry before the calibration, for comparison
    # train.run's metrics.json: the score spread for the learned prior only (the constant-prior baseline has none).
    assert json.loads((runs / "wp_ring8_s0" / "metrics.json").read_text())["score_spread"]["score"] == "calibrated"
    assert "score_spread" not in json.loads((runs / "cp_ring8_s0" / "metrics.json").read_text())
    md = (results / "learned_prior_seeds.md").read_text()
    assert result["standard"]["0"]["spread"]["trained"]["score"] == "sigmoid"  # Eq. 2 with the standard loss
    assert len(_table_rows(md)) == 9  # per variant (calibrated, centred, standard): the seed, mean ± std, the paper
    capsys.readouterr()
    assert learned_prior_seeds.main(argv + ["--skip-baseline", "--skip-centered", "--skip-standard"]) == 0  # reused
    assert "reusing" in capsys.readouterr().out


@pytest.mark.slow
def test_lopez_paz_fig1(tmp_path):
    results = tmp_path / "results"
    argv = ["--seeds", "0", "--steps", STEPS, "--n-eval", "200", "--runs-dir", str(tmp_path / "runs"),
            "--results-dir", str(results)]
    assert lopez_paz_fig1.main(argv) == 0
    result = json.loads((results / "lopez_paz_fig1.json").read_text())
    assert set(result["summary"]) == set(lopez_paz_fig1.VARIANTS) and result["steps"] == int(STEPS)
    assert all(len(runs) == 1 for runs in result["runs"].values())
    assert set(result["summary"]["covering init, multimodal noise"]) == {"modes", "hq_fraction", "kl",
                                                                          "between_fraction"}
    md = (results / "lopez_paz_fig1.md").read_text()
    assert len(_table_rows(md)) == len(lopez_paz_fig1.VARIANTS)
    assert (results / "lopez_paz_fig1.png").is_file()


@pytest.mark.slow
def test_logan_toy_study_and_its_aggregate_only_rerun(tmp_path):
    out = tmp_path / "results" / "toy"
    argv = ["--datasets", "ring8", "--losses", "lol1", "--seeds", "0", "--steps", STEPS, "--n-eval", "200",
            "--runs-dir", str(tmp_path / "runs"), "--out", str(out)]
    assert logan_toy_study.main(argv) == 0
    result = json.loads(out.with_suffix(".json").read_text())
    assert set(result["cells"]) == {"ring8/lol1/none", "ring8/lol1/pairwise"}
    assert list(result["penalty_effect"]) == ["ring8/lol1"] and len(result["runs"]) == 2
    assert all({"modes", "hq_fraction", "emd"} <= set(r["metrics"]) <= set(logan_toy_study.METRICS)
               for r in result["runs"])  # (KL only with a high-quality sample)
    assert result["cells"]["ring8/lol1/none"]["modes"]["runs"] == 1
    md = out.with_suffix(".md").read_text()
    # two cells, one paired effect, and each run's curve quarters
    assert len(_table_rows(md)) == 3 + 2 and "5 sampling seeds × 200 samples" in md
    assert all([p["step"] for p in r["curve"]["points"]] == [0, int(STEPS)] for r in result["runs"])
    assert (tmp_path / "results" / "toy_curves.png").stat().st_size > 1000 and "toy_curves.png" in md
    last = {r["penalty"]: r["curve"]["points"][-1] for r in result["runs"]}
    for row in _table_rows(md)[-2:]:  # the last quarter of a 2-point curve is its last point
        penalty = row.split("|")[1].split()[2]
        assert f"| {last[penalty]['modes']:.1f} ± 0.0 |" in row, row
    # Finished cells are read back, not retrained.
    assert logan_toy_study.main(argv + ["--aggregate-only"]) == 0
    again = json.loads(out.with_suffix(".json").read_text())
    assert again["cells"] == result["cells"] and all("wall_seconds" not in r for r in again["runs"])


@pytest.mark.slow
def test_logan_mnist(tmp_path):
    _need("mnist_classifier")
    out = tmp_path / "results" / "logan_mnist"
    argv = ["--steps", "2", "--seeds", "0", "--ssim-images", "20", "--num-samples", "200",
            "--runs-dir", str(tmp_path / "runs"), "--out", str(out)]
    assert logan_mnist.main(argv) == 0
    result = json.loads(out.with_suffix(".json").read_text())
    assert set(result["models"]) == set(logan_mnist.MODELS) and set(result) >= {"args", "paper", "models"}
    bigan, dcgan = result["models"]["logan_bigan"][0], result["models"]["logan_dcgan"][0]
    assert bigan["ssim"]["n"] == 20 and len(bigan["ssim_history"]) == 1 and "ssim" not in dcgan
    assert dcgan["n_samples"] == 200 and "inception_score" in dcgan
    md = out.with_suffix(".md").read_text()
    assert [r.split(" | ")[0][2:] for r in _table_rows(md)] == [*logan_mnist.MODELS, "real test data (floor)"]
    assert (out.parent / "figures" / "logan_mnist_reconstructions.png").is_file()


@pytest.mark.slow
def test_logan_figures_fig3_trains_the_fig3_entries(tmp_path):
    out = tmp_path / "fig3.png"
    argv = ["fig3", "--train-dcgan", "--steps", STEPS, "--runs-dir", str(tmp_path / "runs"), "--out", str(out)]
    assert logan_figures.main(argv) == 0
    assert out.stat().st_size > 0
    trained = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert trained == sorted(f"fig3_ring8_{loss}_{pen}_s0" for loss, pen in logan_figures.FIG3_LOSSES)
    config = json.loads((tmp_path / "runs" / "fig3_ring8_lol2_gp_s0" / "train_config.json").read_text())
    assert config["name"] == "logan_fig3_lol2_ring8" and config["steps"] == int(STEPS)
