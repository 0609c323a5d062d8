"""Nothing silently wrong (issue #14): how names and folders resolve, the pinned MNIST classifier,
atomic saves and their leftovers, resume state, the output-folder lock, bad input on every command
line, and reproducible checkpoint hashes. docs/robustness.md lists the same probes as commands."""
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import zoo
from eval import classifier as clf
from eval import inception_score, missing_modes, mode_score
from train import run as train_run
from zoo import checkpoint, configs
from zoo.methods import build_model

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
TINY = {"g_hidden": [8], "d_hidden": [8]}
TINY_ARGS = ["--model", "gan", "--dataset", "ring8", "--steps", "200", "--set", "steps_per_epoch=50",
             "--set", "steps_per_execution=10", "--set", "g_hidden=[8]", "--set", "d_hidden=[8]",
             "--no-eval", "--plot-every", "0"]


def _tiny(seed=0):
    return build_model(configs.resolve("gan", "ring8", {**TINY, "seed": seed}))


def _code(main, args) -> int:
    """Exit status of an entry point, whether it returns it or argparse exits."""
    try:
        return main(args)
    except SystemExit as stop:
        return stop.code


# TensorFlow's own start-up lines (absl logging before TF_CPP_MIN_LOG_LEVEL applies), not ours.
_TF_NOISE = re.compile(r"^(WARNING: All log messages before absl|[IWE]\d{4} \d\d:\d\d|To enable the following)")


def _one_line(err: str) -> str:
    """The single line a refused command printed (besides the "loaded ..." report and TF's start-up noise)."""
    lines = [line for line in err.strip().splitlines() if not line.startswith("loaded ") and not _TF_NOISE.match(line)]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """A private registry with one published entry, ``fake_ring8``, in ``tmp_path/checkpoints``."""
    ck = tmp_path / "checkpoints"
    sums = checkpoint.save(_tiny(0), ck / "fake_ring8", {"train_config.json": {"name": "fake_ring8"}})
    entries = {"fake_ring8": {"files": {f: sums[f] for f in checkpoint.MODEL_FILES}, "dataset": "ring8",
                              "method": "gan"}}
    monkeypatch.setattr(zoo, "manifest", lambda: entries)
    monkeypatch.setenv("MODE_ZOO_CHECKPOINTS", str(ck))
    return ck


# ----------------------------------------------------------------------- 1. names and folders
def test_a_name_resolves_through_the_registry_only(registry, tmp_path, monkeypatch):
    work = tmp_path / "work"
    # A look-alike in the current directory: other weights, its own sums re-hashed, same entry name.
    checkpoint.save(_tiny(1), work / "fake_ring8", {"train_config.json": {"name": "fake_ring8"}})
    monkeypatch.chdir(work)
    model, source = zoo.load("fake_ring8", with_source=True)
    assert source.folder == registry / "fake_ring8" and source.entry == "fake_ring8"
    assert np.array_equal(model.sample(20, seed=0), zoo.load(str(registry / "fake_ring8")).sample(20, seed=0))
    model, source = zoo.load("./fake_ring8", with_source=True)  # a path: loaded, but said to be unregistered
    assert source.entry is None and "its own SHA256SUMS only" in source.describe()


def test_a_published_folder_loaded_by_path_is_checked_against_the_registry(registry):
    folder = registry / "fake_ring8"
    assert zoo.locate(str(folder)).entry == "fake_ring8"
    # Tampered and re-hashed: its own SHA256SUMS agree, the registry does not.
    checkpoint.save(_tiny(1), folder, {"train_config.json": {"name": "fake_ring8"}})
    for request in (str(folder), "fake_ring8"):
        with pytest.raises(zoo.CheckpointError, match="corrupt or altered"):
            zoo.load(request)
    # A folder in the checkpoint dir whose train_config.json names the entry is checked as well.
    checkpoint.save(_tiny(1), registry / "renamed", {"train_config.json": {"name": "fake_ring8"}})
    with pytest.raises(zoo.CheckpointError, match="corrupt or altered"):
        zoo.load(str(registry / "renamed"))


def test_a_copy_of_a_registry_entry_is_reported_as_that_entry(registry, tmp_path):
    shutil.copytree(registry / "fake_ring8", tmp_path / "copy")
    assert zoo.locate(str(tmp_path / "copy")).entry == "fake_ring8"
    with pytest.raises(zoo.CheckpointError, match="no checkpoint folder at .*unknown model"):
        zoo.load(str(tmp_path / "absent"))


def test_the_cli_says_which_checkpoint_it_loaded(tmp_path, monkeypatch, capsys):
    checkpoint.save(_tiny(1), tmp_path / "gan_ring8", {"train_config.json": {"name": "gan_ring8"}})
    monkeypatch.chdir(tmp_path)
    args = ["--runs", "1", "--num", "100", "--json"]
    assert missing_modes.main(["--checkpoint", "gan_ring8", *args]) == 0
    out, err = capsys.readouterr()
    assert "loaded registry entry gan_ring8 (sha256 verified" in err
    assert json.loads(out)["checkpoint"].startswith("registry entry gan_ring8")
    assert missing_modes.main(["--checkpoint", "./gan_ring8", *args]) == 0
    assert "loaded unregistered checkpoint folder gan_ring8 (its own SHA256SUMS only)" in capsys.readouterr().err


# ------------------------------------------------------------------- 2. the pinned classifier
@pytest.fixture
def tampered_classifier(tmp_path):
    """The shipped classifier with its output layer zeroed, saved with fresh (consistent) SHA256SUMS."""
    model = clf.build_classifier()
    model.set_weights(clf.load_classifier().get_weights())
    layer = model.get_layer("probs")
    layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    return clf.save_classifier(model, tmp_path / "mnist_classifier")


@pytest.fixture
def digits(tmp_path):
    from scripts.common import mnist_images

    path = tmp_path / "digits.npy"
    np.save(path, mnist_images("test")[:50])
    return path


def test_an_altered_default_classifier_is_refused(tampered_classifier, digits, monkeypatch, capsys):
    assert clf.is_pinned() and not clf.is_pinned(tampered_classifier)
    assert inception_score.main(["--samples", str(digits), "--splits", "2", "--json"]) == 0
    pinned = json.loads(capsys.readouterr().out)["inception_score"]["mean"]
    assert pinned > 5  # real digits
    monkeypatch.setattr(clf, "DEFAULT_DIR", tampered_classifier)
    monkeypatch.setattr(clf, "_LOADED", {})
    with pytest.raises(clf.ChecksumError, match="corrupt or altered"):
        clf.load_classifier()
    assert inception_score.main(["--samples", str(digits), "--splits", "2"]) == 2
    assert "MNIST classifier" in _one_line(capsys.readouterr().err)
    assert missing_modes.main(["--checkpoint", "gan_mnist", "--no-third-party"]) == 2  # refused before any work
    assert "MNIST classifier" in _one_line(capsys.readouterr().err)


def test_a_custom_classifier_needs_a_flag_and_its_hash_is_reported(tampered_classifier, digits, capsys):
    args = ["--samples", str(digits), "--splits", "2", "--classifier-dir", str(tampered_classifier)]
    assert inception_score.main(args) == 2
    assert "--unpinned-classifier" in _one_line(capsys.readouterr().err)
    assert inception_score.main([*args, "--unpinned-classifier", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert clf.classifier_sha256(tampered_classifier) in result["classifier"] and "UNPINNED" in result["classifier"]
    assert result["inception_score"]["mean"] == pytest.approx(1.0)  # the altered network's verdict
    assert mode_score.main(["--samples", str(digits), "--unpinned-classifier"]) == 2


# --------------------------------------------------------------- 4. atomic saves, resume state
@pytest.fixture
def no_cleanup(monkeypatch):
    """Make ``zoo.checkpoint`` leave its temporary folders behind, as a kill -9 would."""
    real = shutil.rmtree
    monkeypatch.setattr(checkpoint.shutil, "rmtree", lambda *a, **k: None)
    return lambda: monkeypatch.setattr(checkpoint.shutil, "rmtree", real)


def _leftovers(out: Path):
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def test_a_save_killed_before_the_swap_leaves_the_old_checkpoint(tmp_path, monkeypatch, no_cleanup):
    out = tmp_path / "ck"
    checkpoint.save(_tiny(0), out)
    before = zoo.load(str(out)).sample(10, seed=0)

    def killed(new, dest):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(checkpoint, "replace_folder", killed)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(_tiny(1), out)
    assert _leftovers(out) == [f".ck.saving-{os.getpid()}"]
    assert np.array_equal(zoo.load(str(out)).sample(10, seed=0), before)  # the old one, complete
    no_cleanup()
    checkpoint.clean_leftovers(out)
    assert _leftovers(out) == [] and np.array_equal(zoo.load(str(out)).sample(10, seed=0), before)


def test_a_save_killed_after_the_swap_keeps_the_new_checkpoint_and_the_logs(tmp_path, monkeypatch, no_cleanup):
    out = tmp_path / "ck"
    checkpoint.save(_tiny(0), out)
    (out / "logs").mkdir()
    (out / "logs" / "events").write_text("x")
    monkeypatch.setattr(checkpoint, "_move_missing", lambda src, dest: (_ for _ in ()).throw(KeyboardInterrupt()))
    new = _tiny(1)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(new, out)
    assert np.array_equal(zoo.load(str(out)).sample(10, seed=0), new.sample(10, seed=0))  # the new one, complete
    no_cleanup()
    monkeypatch.undo()
    checkpoint.clean_leftovers(out)
    assert _leftovers(out) == [] and (out / "logs" / "events").read_text() == "x"


def test_the_two_rename_fallback_is_finished_by_the_next_save(tmp_path, monkeypatch, no_cleanup):
    out = tmp_path / "ck"
    checkpoint.save(_tiny(0), out)
    (out / "logs").mkdir()
    monkeypatch.setattr(checkpoint, "_exchange", lambda a, b: False)  # no renameat2 on this system
    rename = os.rename

    def second_rename_killed(src, dst):
        if ".saving-" in str(src):
            raise KeyboardInterrupt("killed between the two renames")
        return rename(src, dst)

    monkeypatch.setattr(checkpoint.os, "rename", second_rename_killed)
    new = _tiny(1)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(new, out)
    monkeypatch.undo()
    assert not out.exists() and len(_leftovers(out)) == 2  # the old and the new, both complete
    assert checkpoint.clean_leftovers(out)[0].startswith("restored")
    assert np.array_equal(zoo.load(str(out)).sample(10, seed=0), new.sample(10, seed=0))
    assert _leftovers(out) == [] and (out / "logs").is_dir()


def _interrupted(config, out):
    import keras

    class Stop(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_run.train(config, out, verbose=0, plot_every=0, evaluate=False, callbacks=[Stop()])


def _tiny_config(**extra):
    return configs.resolve("gan", "ring8", {"steps": 200, "steps_per_epoch": 50, "steps_per_execution": 10,
                                            **TINY, **extra})


def test_the_resume_state_stays_until_the_checkpoint_is_written(tmp_path, monkeypatch):
    config, out = _tiny_config(), tmp_path / "run"

    def killed(*a, **k):
        raise KeyboardInterrupt("killed while saving")

    monkeypatch.setattr(checkpoint, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        train_run.train(config, out, verbose=0, plot_every=0, evaluate=False)
    monkeypatch.undo()
    state = json.loads((out / ".backup" / "training_metadata.json").read_text())
    assert state["epoch"] == 4  # every epoch done; only the final save was lost
    model = train_run.train(config, out, verbose=0, plot_every=0, evaluate=False)
    assert model.history.epoch == [] and checkpoint.verify(out) and not (out / ".backup").exists()


def test_damaged_resume_state_is_one_line_and_exit_2(tmp_path, capsys):
    out = tmp_path / "run"
    config = configs.resolve("gan", "ring8", {"steps": 200, "steps_per_epoch": 50, "steps_per_execution": 10,
                                              **TINY, "seed": 0})
    _interrupted(config, out)
    backup = out / ".backup"
    shutil.copytree(backup, tmp_path / "pristine")
    weights = next(backup.glob("epoch-*.weights.h5"))
    for damage in ("truncated weights", "empty metadata", "weights the metadata does not name"):
        shutil.rmtree(backup)
        shutil.copytree(tmp_path / "pristine", backup)
        if damage == "truncated weights":
            weights.write_bytes(weights.read_bytes()[:500])
        elif damage == "empty metadata":
            (backup / "training_metadata.json").write_text("")
        else:
            weights.unlink()
        assert train_run.main([*TINY_ARGS, "--out", str(out)]) == 2, damage
        line = _one_line(capsys.readouterr().err)
        assert str(backup) in line and "delete that folder" in line, damage


def test_a_run_that_failed_before_its_first_epoch_does_not_block_the_next(tmp_path, monkeypatch, capsys):
    from zoo import data

    out = tmp_path / "run"

    def no_data(*a, **k):
        raise data.DataError("dataset 'ring8' could not be loaded\nsecond line")

    monkeypatch.setattr(data, "dataset", no_data)
    assert train_run.main([*TINY_ARGS, "--out", str(out)]) == 2
    assert "second line" in _one_line(capsys.readouterr().err)
    monkeypatch.undo()
    corrected = [a if a != "200" else "100" for a in TINY_ARGS]  # another config, same folder
    assert train_run.main([*corrected, "--out", str(out)]) == 0
    assert zoo.load(str(out)) is not None


@pytest.mark.slow
def test_a_kill_9_during_saves_always_leaves_a_loadable_checkpoint(tmp_path):
    out = tmp_path / "ck"
    script = (f"import itertools\nfrom zoo import checkpoint, configs\nfrom zoo.methods import build_model\n"
              f"models = [build_model(configs.resolve('gan', 'ring8', {{'g_hidden': [8], 'd_hidden': [8], 'seed': s}}))"
              f" for s in (0, 1)]\nfor i in itertools.count():\n    checkpoint.save(models[i % 2], {str(out)!r})\n"
              f"    print(i, flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=ENV, stdout=subprocess.PIPE, text=True)
    for _ in range(5):  # let it save a few times, then kill it in the middle of whatever it is doing
        proc.stdout.readline()
    time.sleep(0.037)
    proc.kill()
    proc.wait()
    checkpoint.verify(out)  # a complete checkpoint, before any cleaning
    checkpoint.save(_tiny(0), out)  # the next save cleans what the kill left
    assert _leftovers(out) == [] and zoo.load(str(out)) is not None


# ------------------------------------------------------------------------- 5. one run per folder
def test_a_second_run_on_a_busy_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    with train_run.RunLock(out):
        assert train_run.main([*TINY_ARGS, "--out", str(out)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert f"in use by another training run (PID {os.getpid()})" in line
    assert not out.exists()  # nothing touched


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    out = tmp_path / "run"
    (tmp_path / ".run.lock").write_text(f"{dead.pid}\n")
    with train_run.RunLock(out) as lock:
        assert lock.path.read_text().strip() == str(os.getpid())
    assert not lock.path.exists()


@pytest.mark.slow
def test_two_real_runs_on_one_folder(tmp_path):
    # Started together: whichever takes the lock trains, the other refuses with one line naming its PID
    # (before: an h5py lock traceback, or a "resume" from the other's live backup and a silent overwrite).
    out = tmp_path / "run"
    args = [sys.executable, "-m", "train.run", *[a if a != "200" else "100000" for a in TINY_ARGS], "--out", str(out)]
    runs = [subprocess.Popen(args, cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    deadline = time.time() + 300
    while all(r.poll() is None for r in runs) and time.time() < deadline:
        time.sleep(0.05)
    refused = next(r for r in runs if r.poll() is not None)
    holder = next(r for r in runs if r is not refused)
    err = refused.stderr.read()
    assert refused.returncode == 2, err[-2000:]
    assert f"in use by another training run (PID {holder.pid})" in _one_line(err)
    assert holder.poll() is None  # still training, undisturbed
    holder.kill()  # kill -9: its lock file stays behind, with a dead PID in it
    holder.wait()
    lock = tmp_path / ".run.lock"
    assert lock.read_text().strip() == str(holder.pid)
    with train_run.RunLock(out):  # a stale lock is taken over
        assert lock.read_text().strip() == str(os.getpid())


# ------------------------------------------------------------------------------- 6. bad input
@pytest.fixture
def fifty(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.random.default_rng(0).uniform(-1, 1, (50, 28, 28, 1)).astype(np.float32))
    return path


@pytest.mark.parametrize("splits, message", [("0", "--splits must be a positive integer"),
                                             ("-1", "--splits must be a positive integer"),
                                             ("100", "--splits 100 is more than the 50 samples")])
def test_inception_score_splits(splits, message, fifty, capsys):
    assert inception_score.main(["--samples", str(fifty), "--splits", splits]) == 2
    assert message in _one_line(capsys.readouterr().err)


def _unwritable(tmp_path) -> str:
    (tmp_path / "a_file").write_text("")
    return str(tmp_path / "a_file" / "p.png")  # a file cannot hold files, even for root


@pytest.mark.parametrize("flags, message", [
    (["--sigmas", "nan"], "--sigmas must be finite"),
    (["--sigmas", "3.5", "inf"], "--sigmas must be finite"),
    (["--num", "1e9"], "--num must be at most 1,000,000"),
    (["--num", "20000"], "--num must be at most 10,000"),  # a mixture: exact EMD is N x N
    (["--runs", "1e6"], "--runs must be at most 100"),
    (["--num", "2.5"], "not an integer"),
    (["--seed", "-1"], "--seed must be in"),
    (["--plot", "UNWRITABLE"], "--plot"),
])
def test_missing_modes_bad_input(flags, message, tmp_path, capsys):
    flags = [_unwritable(tmp_path) if f == "UNWRITABLE" else f for f in flags]
    assert _code(missing_modes.main, ["--checkpoint", "gan_ring8", *flags]) == 2
    assert message in _one_line(capsys.readouterr().err)


def test_score_cli_sample_count_is_bounded(capsys):
    assert _code(inception_score.main, ["--checkpoint", "gan_mnist", "--num", "1e9"]) == 2
    assert "--num must be at most 1,000,000" in _one_line(capsys.readouterr().err)


def test_a_missing_data_set_is_one_line(tmp_path, monkeypatch, capsys):
    from scripts.common import mnist_images

    path = tmp_path / "digits.npy"
    np.save(path, mnist_images("test")[:20])
    monkeypatch.setenv("MODE_ZOO_MANUAL_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("MODE_ZOO_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("MODE_ZOO_OFFLINE", "1")
    assert missing_modes.main(["--checkpoint", "gan_mnist", "--no-third-party"]) == 2
    assert "could not be loaded" in _one_line(capsys.readouterr().err)
    assert mode_score.main(["--samples", str(path)]) == 2
    assert "could not be loaded" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("args, message", [
    (["--set", "optimizer={bad"], "optimizer must be a JSON object"),
    (["--set", 'optimizer={"name": "lion"}'], "unknown optimizer"),
    (["--set", 'optimizer={"name": "adam", "learning_rate": {"class_name": "Nope"}}'],
     "is not a Keras learning-rate schedule"),
    (["--set", "dataset=mnist"], "does not fit dataset 'mnist'"),
    (["--steps", "100000000000000000000"], "steps must be at most"),
    (["--steps", "10^20"], "invalid int value"),
    (["--plot-every", "-1"], "--plot-every must be >= 0"),
    (["--strategy", "tpu"], "--strategy tpu: no TPU"),
    (["--out", "UNWRITABLE"], "cannot be written"),
])
def test_train_bad_input_is_one_line(args, message, tmp_path, capsys):
    args = [_unwritable(tmp_path) if a == "UNWRITABLE" else a for a in args]
    out = [] if "--out" in args else ["--out", str(tmp_path / "x")]
    assert _code(train_run.main, ["--model", "gan", "--dataset", "ring8", *args, *out]) == 2
    assert message in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("sums", [b"\xff\xfe\x00garbage", b"not a sums file\n", b"abc  config.json\n",
                                  ("0" * 64 + "  ../../etc/passwd\n").encode()])
def test_a_malformed_sha256sums_is_one_line(sums, tmp_path, capsys):
    checkpoint.save(_tiny(), tmp_path / "ck")
    (tmp_path / "ck" / "SHA256SUMS").write_bytes(sums)
    with pytest.raises(zoo.CheckpointError, match="malformed"):
        zoo.load(str(tmp_path / "ck"))
    assert missing_modes.main(["--checkpoint", str(tmp_path / "ck")]) == 2
    assert "SHA256SUMS is malformed" in _one_line(capsys.readouterr().err)


def test_an_unsafe_config_is_refused_in_one_short_line(tmp_path):
    folder = tmp_path / "ck"
    checkpoint.save(_tiny(), folder)
    config = json.loads((folder / "config.json").read_text())
    layers = config["config"]["generator"]["config"]["layers"]
    code = ("4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMEAAAAfABTACkBTqkAKQHaAXhyAQAAAHIBAAAA+gg8c3RyaW5nPtoIPGxhbWJk"
            "YT4BAAAA8wAAAAA=")
    layers.insert(1, {"module": "keras.layers", "class_name": "Lambda", "registered_name": None, "name": "evil",
                      "config": {"name": "evil", "function": {"class_name": "__lambda__", "config": {
                          "code": code, "defaults": None, "closure": None}}, "output_shape": None, "arguments": {}},
                      "inbound_nodes": layers[1]["inbound_nodes"]})
    (folder / "config.json").write_text(json.dumps(config))
    sums = {name: checkpoint.sha256(folder / name) for name in checkpoint.MODEL_FILES}
    (folder / "SHA256SUMS").write_text("".join(f"{d}  {n}\n" for n, d in sums.items()))
    with pytest.raises(zoo.CheckpointError) as info:
        zoo.load(str(folder))
    message = str(info.value)
    assert "Lambda" in message and len(message) < 400 and "\n" not in message


# ------------------------------------------------------------------------ 7. reproducible hashes
def test_saving_the_same_model_twice_gives_identical_files(tmp_path):
    model = _tiny()
    first = checkpoint.save(model, tmp_path / "a")
    time.sleep(1.1)  # Keras' metadata.json carried the second of the save
    assert checkpoint.save(model, tmp_path / "b") == first
    config = (tmp_path / "a" / "config.json").read_text()
    ids = {int(v) for v in re.findall(r'"shared_object_id": (\d+)', config)}
    assert ids and max(ids) < 100  # renumbered, no memory address
    assert "date_saved" not in (tmp_path / "a" / "metadata.json").read_text()
    assert np.array_equal(zoo.load(str(tmp_path / "a")).sample(20, seed=3), model.sample(20, seed=3))


def test_two_identical_trainings_give_identical_hashes(tmp_path):
    config = _tiny_config()
    a = train_run.train(config, tmp_path / "a", verbose=0, plot_every=0, evaluate=False)
    train_run.train(config, tmp_path / "b", verbose=0, plot_every=0, evaluate=False)
    assert a is not None
    for name in checkpoint.MODEL_FILES:
        assert checkpoint.sha256(tmp_path / "a" / name) == checkpoint.sha256(tmp_path / "b" / name), name


# ----------------------------------------------------------------------------------- publishing
def test_publish_replaces_the_published_folder_in_one_swap(tmp_path, monkeypatch):
    monkeypatch.setattr(train_run, "_checkout", lambda: tmp_path)  # a checkout of our own
    (tmp_path / "zoo").mkdir()
    (tmp_path / "zoo" / "manifest.json").write_text('{"other": {"files": {}}}')
    run = tmp_path / "runs" / "x"
    sums = checkpoint.save(_tiny(), run, {"train_config.json": {"method": "gan", "dataset": "ring8"}})
    (run / "logs").mkdir()
    dest = tmp_path / "checkpoints" / "x"
    checkpoint.save(_tiny(1), dest)
    (dest / "stale.txt").write_text("from the old version")
    assert train_run.publish(run, "x") == dest
    assert sorted(p.name for p in dest.iterdir()) == sorted([*sums, "SHA256SUMS"])  # no logs, nothing stale
    manifest = json.loads((tmp_path / "zoo" / "manifest.json").read_text())
    assert set(manifest) == {"other", "x"} and manifest["x"]["files"] == {f: sums[f] for f in checkpoint.MODEL_FILES}
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(".")]
