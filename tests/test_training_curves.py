"""Training curves and training seeds (issue #13, part 4): a curve leaves the trained weights bit-identical,
survives kill -9 and resume, ships in the checkpoint; the training-seeds study, its cells and its median seed."""
import functools
import hashlib
import json
import shutil
import subprocess
import sys
import time

import pytest
from test_robustness import ENV, REPO, TINY, TINY_ARGS, _tiny_config

import zoo
from eval import defaults
from eval.curve import read_curve
from eval.mixture import evaluate_mixture, mixture_metrics
from scripts import common, model_table, training_seeds
from train import run as train_run
from zoo import checkpoint, configs, data, hub
from zoo.methods import ENTRIES


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_curve_leaves_the_weights_bit_identical_and_ships_in_the_checkpoint(tmp_path):
    model = train_run.train(_tiny_config(curve_every=45), tmp_path / "curve", verbose=0, plot_every=0, evaluate=False)
    train_run.train(_tiny_config(curve_every=0), tmp_path / "none", verbose=0, plot_every=0, evaluate=False)
    for name in ("model.weights.h5", "config.json"):
        assert _sha(tmp_path / "curve" / name) == _sha(tmp_path / "none" / name), name
    assert "curve.json" in checkpoint.verify(tmp_path / "curve")  # summed like the other files
    assert (tmp_path / "curve" / "curve.png").stat().st_size > 1000
    assert read_curve(tmp_path / "none") is None and not (tmp_path / "none" / "curve.png").exists()
    curve = read_curve(tmp_path / "curve")
    # Step 0, the first execution end (steps of 10) at or after each multiple of 45, and the last step.
    assert [p["step"] for p in curve["points"]] == [0, 50, 90, 140, 180, 200]
    assert curve["every"] == 45 and curve["n"] == defaults.CURVE_SAMPLES and curve["seed"] == defaults.CURVE_SEED
    final = mixture_metrics(model.sample(defaults.CURVE_SAMPLES, seed=defaults.CURVE_SEED), data.mixture("ring8"))
    assert curve["points"][-1] == {"step": 200, **{k: final[k] for k in ("modes", "hq_fraction", "kl", "jsd")}}


def test_a_curve_survives_kill_9_and_resume(tmp_path):
    args = [*(a if a != "200" else "600" for a in TINY_ARGS), "--set", "curve_every=45"]
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    proc = subprocess.Popen([sys.executable, "-m", "train.run", *args, "--out", str(killed)], cwd=REPO, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    state = killed / ".backup" / "training_metadata.json"
    deadline = time.time() + 240
    while not state.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    proc.kill()  # SIGKILL, right after the first epoch's resume state was written
    _, err = proc.communicate()
    assert proc.returncode == -9, err[-2000:]
    saved = json.loads(state.read_text())
    assert 1 <= saved["epoch"] < 12 and not (killed / "SHA256SUMS").exists()
    assert saved["curve"][0]["step"] == 0 and saved["curve"][-1]["step"] <= 50 * saved["epoch"]
    assert train_run.main([*args, "--out", str(killed)]) == 0  # resumes from the resume state
    assert train_run.main([*args, "--out", str(whole)]) == 0
    assert (killed / "curve.json").read_bytes() == (whole / "curve.json").read_bytes()
    assert _sha(killed / "model.weights.h5") == _sha(whole / "model.weights.h5")
    assert len(read_curve(whole)["points"]) == 1 + 13 + 1  # step 0, 13 crossings of 45 before 600, step 600


def test_checkpoints_without_a_curve_still_verify_and_configs_without_the_key_still_match(tmp_path):
    # gan_ring8 as published before curves existed: no curve files, none in its sums.
    folder = tmp_path / "gan_ring8"
    shutil.copytree(zoo.checkpoint_dir() / "gan_ring8", folder)
    for name in ("curve.json", "curve.png"):
        (folder / name).unlink(missing_ok=True)
    sums = folder / checkpoint.SUMS
    sums.write_text("".join(line for line in sums.read_text().splitlines(True) if "curve." not in line))
    assert read_curve(folder) is None and "curve.json" not in checkpoint.verify(folder)
    assert zoo.load(str(folder)).sample(5, seed=0).shape == (5, 2)
    folder = zoo.checkpoint_dir() / "gan_ring8"
    config = configs.resolve("gan_ring8")
    recorded = {k: v for k, v in config.items() if k != "curve_every"}  # written before the key existed
    assert configs.same_config(recorded, config) and common.finished_run(config, "/nonexistent") == folder
    assert not configs.same_config(recorded, {**config, "curve_every": 0})


def _scores(modes, hq, emd):
    return {"modes": modes, "hq_fraction": hq, "kl": None, "jsd": None, "emd": emd}


def test_the_median_seed_ranks_modes_then_hq_share_then_emd():
    scores = {0: _scores(8, 0.90, 0.10), 1: _scores(7, 0.99, 0.01), 2: _scores(8, 0.80, 0.10),
              3: _scores(8, 0.80, 0.05), 4: _scores(6, 1.00, 0.00)}
    # Best first: 0 (8 modes, 90 %), 3 (8, 80 %, EMD .05), 2 (8, 80 %, EMD .10), 1 (7 modes), 4 (6 modes).
    assert common.rank_seeds(sorted(scores), [training_seeds.rank_key(scores[s]) for s in sorted(scores)]) == \
        [0, 3, 2, 1, 4]
    assert training_seeds.median_of(scores) == 2
    del scores[4]
    assert training_seeds.median_of(scores) == 3  # an even count: the better of the two middle seeds
    same = {9: _scores(8, 0.5, 0.1), 2: _scores(8, 0.5, 0.1), 5: _scores(8, 0.5, 0.1)}
    assert training_seeds.median_of(same) == 5  # full ties: by seed
    assert common.median_seed([0, 1, 2], [0.3, 0.1, 0.2]) == 2  # learned_prior_seeds: by EMD, lower first


@pytest.fixture
def tiny_entry(tmp_path, monkeypatch):
    """A tiny registered mixture entry, a cheap protocol (300 samples per run) and a checkout of our own."""
    monkeypatch.setitem(ENTRIES, "tiny_ring8", {"method": "gan", "dataset": "ring8", "steps": 150, **TINY,
                                                "steps_per_epoch": 50, "steps_per_execution": 10,
                                                "curve_every": 50})
    monkeypatch.setattr(defaults, "MIXTURE_SAMPLES", 300)
    monkeypatch.setattr(defaults, "CURVE_SAMPLES", 300)
    checkout = tmp_path / "checkout"
    (checkout / "zoo").mkdir(parents=True)
    (checkout / "zoo" / "manifest.json").write_text("{}")
    monkeypatch.setattr(train_run, "_checkout", lambda: checkout)
    return checkout


def test_training_seeds_script_two_seeds_median_published(tiny_entry, tmp_path, monkeypatch):
    results, runs = tmp_path / "results", tmp_path / "runs"
    argv = ["--entries", "tiny_ring8", "--seeds", "0", "1", "--runs-dir", str(runs), "--results", str(results)]
    assert training_seeds.main([*argv, "--publish-median"]) == 0
    result = json.loads((results / "training_seeds.json").read_text())
    row = result["entries"]["tiny_ring8"]
    assert set(row["seeds"]) == {"0", "1"} and row["summary"]["modes"]["runs"] == 2
    assert row["summary"]["emd"]["values"] == [row["seeds"][s]["emd"] for s in ("0", "1")]
    median = row["median_seed"]
    assert median == training_seeds.median_of({int(s): v for s, v in row["seeds"].items()}) and row["published"]
    for seed in (0, 1):
        cell = json.loads((results / "training_seeds_cells" / f"tiny_ring8_s{seed}.json").read_text())
        assert cell["config"]["seed"] == seed and cell["evaluation"]["n"] == 300
        assert [p["step"] for p in cell["curve"]["points"]] == [0, 50, 100, 150]
    assert (results / row["figure"]).stat().st_size > 1000 and row["figure"] == "figures/training_seeds_tiny_ring8.png"
    md = (results / "training_seeds.md").read_text()
    assert f"| {median} (median) | 1 |" in md and "| mean ± std over training seeds |" in md
    # Published: the median run, its seed in train_config.json, the study in metrics.json, hashes registered.
    dest = tiny_entry / "checkpoints" / "tiny_ring8"
    manifest = json.loads((tiny_entry / "zoo" / "manifest.json").read_text())
    checkpoint.verify(dest, manifest["tiny_ring8"]["files"])
    assert json.loads((dest / "train_config.json").read_text())["seed"] == median
    assert configs.same_config(json.loads((dest / "train_config.json").read_text()),
                               configs.resolve("tiny_ring8", overrides={"seed": median}))
    seeds = json.loads((dest / "metrics.json").read_text())["training_seeds"]
    assert seeds["median_seed"] == median and seeds["seeds"] == [0, 1] and seeds["summary"] == row["summary"]
    assert {"curve.json", "curve.png", "samples.png"} <= {p.name for p in dest.iterdir()}
    table_row = model_table.training_seeds_row("tiny_ring8", json.loads((dest / "metrics.json").read_text()))
    assert table_row.startswith(f"| `tiny_ring8` | ring8 | 0, 1 | {median} | ")
    card = hub.model_card(str(dest))
    assert f"median of 2 training seeds** (seed {median};" in card and "](curve.png)" in card
    assert (f"--model tiny_ring8 --seed {median} --publish" in card) == (median != 0)
    # A second run reads every cell back: nothing is trained.
    monkeypatch.setattr(training_seeds, "train_run", lambda *a, **k: pytest.fail("trained again"))
    assert training_seeds.main(argv) == 0
    again = json.loads((results / "training_seeds.json").read_text())["entries"]["tiny_ring8"]
    assert again["summary"] == row["summary"] and again["median_seed"] == median and again["published"]
    # A quick look with other steps is never the published model, whatever its median seed.
    monkeypatch.setattr(training_seeds, "train_run", common.train_run)
    quick = tmp_path / "quick"
    assert training_seeds.main([*argv[:-1], str(quick), "--steps", "100"]) == 0
    assert not json.loads((quick / "training_seeds.json").read_text())["entries"]["tiny_ring8"]["published"]


def test_training_seeds_compares_a_learned_prior_with_the_constant_prior_on_the_same_weights(
        tiny_entry, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(ENTRIES, "tiny_masked_ring8", {**ENTRIES["tiny_ring8"], "method": "masked_prior",
                                                       "steps": 100, "method_kwargs": {"presample": 64, "rate": 0.5}})
    results, runs = tmp_path / "results", tmp_path / "runs"
    common_args = ["--seeds", "0", "1", "--runs-dir", str(runs), "--results", str(results)]
    assert training_seeds.main(["--entries", "tiny_ring8", *common_args]) == 0
    first = json.loads((results / "training_seeds.json").read_text())["entries"]["tiny_ring8"]
    assert "constant_prior" not in first  # a constant-prior GAN has nothing to compare
    argv = ["--entries", "tiny_masked_ring8", *common_args]
    assert training_seeds.main(argv) == 0
    entries = json.loads((results / "training_seeds.json").read_text())["entries"]
    assert entries["tiny_ring8"] == first  # the earlier entry stays in the report, read back from its cells
    row = entries["tiny_masked_ring8"]
    const = row["constant_prior"]
    for seed in ("0", "1"):
        cell = json.loads((results / "training_seeds_cells" / f"tiny_masked_ring8_s{seed}.json").read_text())
        # The same weights sampled with prior="constant" on the protocol's sample size and sampling seeds.
        model = checkpoint.load(runs / f"tiny_masked_ring8_s{seed}")
        again = evaluate_mixture(functools.partial(model.sample, prior="constant"), data.mixture("ring8"),
                                 n=cell["evaluation"]["n"], seeds=cell["evaluation"]["sampling_seeds"])
        assert cell["constant_prior"] == training_seeds.scores_of(again)
        assert cell["scores"]["emd"] != cell["constant_prior"]["emd"]  # the masked prior samples other latents
        assert const["seeds"][seed]["emd_ratio"] == cell["scores"]["emd"] / cell["constant_prior"]["emd"]
    wins = sum(row["seeds"][s]["emd"] < const["seeds"][s]["emd"] for s in ("0", "1"))
    assert const["learned_wins_emd"] == wins and const["summary"]["emd_ratio"]["runs"] == 2
    md = (results / "training_seeds.md").read_text()
    assert "| training seed | EMD (a) | EMD (b) | (a)/(b) | HQ % (a) | HQ % (b) |" in md
    assert f"lower EMD on {wins} of 2 training seeds" in md
    # A cell written before the comparison existed gets it from its finished run, without training.
    path = results / "training_seeds_cells" / "tiny_masked_ring8_s0.json"
    cell = json.loads(path.read_text())
    expected = cell.pop("constant_prior")
    path.write_text(json.dumps(cell))
    monkeypatch.setattr(train_run, "train", lambda *a, **k: pytest.fail("trained again"))
    assert training_seeds.main(argv) == 0
    assert json.loads(path.read_text())["constant_prior"] == expected
    # An entry with a cell missing is named and left out of the report, not summarised over fewer seeds.
    (results / "training_seeds_cells" / "tiny_ring8_s1.json").unlink()
    capsys.readouterr()
    assert training_seeds.main(argv) == 0
    assert "tiny_ring8: no finished cell for training seed(s) [1]" in capsys.readouterr().out
    assert set(json.loads((results / "training_seeds.json").read_text())["entries"]) == {"tiny_masked_ring8"}


def test_training_seeds_refuses_to_publish_a_changed_config(tiny_entry, tmp_path, capsys):
    with pytest.raises(SystemExit):
        training_seeds.main(["--entries", "tiny_ring8", "--steps", "20", "--publish-median",
                             "--results", str(tmp_path / "r")])
    assert "--steps changes tiny_ring8" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        training_seeds.main(["--entries", "mdgan_mnist"])
    assert not (tmp_path / "r").exists()


def test_checkpoint_metrics_adds_a_learned_priors_score_spread_without_touching_the_weights(tmp_path, monkeypatch):
    # weighted_prior_ring8 as published before the method reported its score spread.
    monkeypatch.setenv("MODE_ZOO_CHECKPOINTS", str(tmp_path))
    folder = tmp_path / "weighted_prior_ring8"
    shutil.copytree(REPO / "checkpoints" / "weighted_prior_ring8", folder)
    shutil.copytree(REPO / "checkpoints" / "gan_ring8", tmp_path / "gan_ring8")  # a method with no figures
    plain = (tmp_path / "gan_ring8" / "metrics.json").read_bytes()
    stored = json.loads((folder / "metrics.json").read_text())
    checkpoint.update(folder, {"metrics.json": {k: v for k, v in stored.items() if k != "score_spread"}})
    weights = _sha(folder / "model.weights.h5")
    from scripts import checkpoint_metrics

    assert checkpoint_metrics.main(["weighted_prior_ring8", "gan_ring8"]) == 0
    assert json.loads((folder / "metrics.json").read_text()) == stored  # the figures are a function of the weights
    checkpoint.verify(folder, zoo.manifest()["weighted_prior_ring8"]["files"])
    assert _sha(folder / "model.weights.h5") == weights and (folder / "samples.png").is_file()
    assert (tmp_path / "gan_ring8" / "metrics.json").read_bytes() == plain
    with pytest.raises(SystemExit):
        checkpoint_metrics.main(["no_such_entry"])
