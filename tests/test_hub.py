"""The Hugging Face Hub end to end, offline (issue #15): ``zoo.load`` through ``snapshot_download`` from a
Hugging Face cache laid out exactly as a download leaves it, tampered blobs refused, ``zoo.hub prefetch``,
the model cards, ``MODE_ZOO_HF_ORG`` and publishing without an organisation in the manifest.

The cache is built by hand from the checkout's ``checkpoints/gan_ring8``: ``models--ORG--NAME/refs/main``
holds a commit hash, ``snapshots/<commit>/<file>`` are relative symlinks to ``blobs/<etag>`` (the sha256
for LFS files such as the weights, the git blob sha1 for small text files), as ``huggingface_hub`` writes
them. Every claim about loading is checked in a subprocess with ``HF_HUB_OFFLINE=1``, a private
``HF_HOME``/``HF_HUB_CACHE`` and an empty ``MODE_ZOO_CHECKPOINTS``, so neither the checkout's checkpoints
nor the user's cache can answer.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import zoo
from train import run as train_run
from zoo import checkpoint, configs, hub
from zoo.methods import build_model

REPO = Path(__file__).resolve().parents[1]
ENTRY = "gan_ring8"  # a small published entry (700 KB)
LFS = ("model.weights.h5",)  # stored through LFS on the Hub: blob named by its sha256


def _git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def build_hf_cache(cache: Path, repo_id: str, source: Path, files) -> Path:
    """Lay ``files`` of ``source`` out as ``snapshot_download`` leaves repo ``repo_id`` in cache ``cache``;
    return the snapshot folder."""
    storage = cache / f"models--{repo_id.replace('/', '--')}"
    commit = hashlib.sha1(repo_id.encode()).hexdigest()  # any 40-hex commit id
    snapshot = storage / "snapshots" / commit
    (storage / "blobs").mkdir(parents=True)
    snapshot.mkdir(parents=True)
    (storage / "refs").mkdir()
    (storage / "refs" / "main").write_text(commit)  # huggingface_hub writes it without a newline
    for name in files:
        data = (source / name).read_bytes()
        etag = hashlib.sha256(data).hexdigest() if name in LFS else _git_blob_sha1(data)
        (storage / "blobs" / etag).write_bytes(data)
        os.symlink(f"../../blobs/{etag}", snapshot / name)
    return snapshot


def _entry_files() -> list[str]:
    """What ``zoo.hub push`` uploads for the entry (the Hub snapshot holds exactly these)."""
    return hub.files_to_upload(ENTRY)


@pytest.fixture
def hf(tmp_path):
    """``(env, snapshot)``: a clean offline environment whose HF cache holds ``mode-zoo/gan_ring8`` only."""
    cache = tmp_path / "hf" / "hub"
    snapshot = build_hf_cache(cache, f"mode-zoo/{ENTRY}", REPO / "checkpoints" / ENTRY, _entry_files())
    (tmp_path / "empty").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "MODE_ZOO_", "HUGGINGFACE"))}
    env.update({"HF_HOME": str(tmp_path / "hf"), "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1",
                "MODE_ZOO_OFFLINE": "1", "MODE_ZOO_CHECKPOINTS": str(tmp_path / "empty"),
                "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)})
    return env, snapshot


def _python(env, *args, cwd=None):
    return subprocess.run([sys.executable, *args], cwd=cwd or REPO, env=env, capture_output=True, text=True,
                          timeout=300)


_LOAD = """
import json, sys
import zoo
model, source = zoo.load(sys.argv[1], with_source=True)
print(json.dumps({"folder": str(source.folder), "entry": source.entry,
                  "samples": model.sample(200, seed=3).tolist()}))
"""


def _errors(stderr: str) -> list[str]:
    """The lines a command printed on stderr, without the "loaded ..." report line."""
    return [line for line in stderr.strip().splitlines() if not line.startswith("loaded ")]


def test_load_goes_through_the_hub_cache_and_refuses_a_tampered_blob(hf):
    env, snapshot = hf
    r = _python(env, "-c", _LOAD, ENTRY)
    assert r.returncode == 0, r.stderr[-2000:]
    got = json.loads(r.stdout)
    # The folder is the snapshot that snapshot_download resolved from refs/main, not the checkout's.
    assert Path(got["folder"]) == snapshot and got["entry"] == ENTRY
    expected = zoo.load(str(REPO / "checkpoints" / ENTRY)).sample(200, seed=3)
    assert np.array_equal(np.asarray(got["samples"], dtype=expected.dtype), expected)

    blob = (snapshot / "model.weights.h5").resolve()  # change one byte of the weights' blob
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))
    r = _python(env, "-c", _LOAD, ENTRY)
    assert r.returncode != 0 and "model.weights.h5 is corrupt or altered" in r.stderr
    r = _python(env, "-m", "eval.missing_modes", "--checkpoint", ENTRY, "--runs", "1")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    [line] = _errors(r.stderr)
    assert "model.weights.h5 is corrupt or altered" in line and f"hf://mode-zoo/{ENTRY}" in line
    assert f"zoo.hub prefetch {ENTRY}" in line and str(snapshot.parents[1]) in line


def test_the_hub_organisation_comes_from_the_environment_at_load_time(hf, tmp_path, monkeypatch):
    env, _ = hf
    mine = build_hf_cache(Path(env["HF_HUB_CACHE"]), f"myorg/{ENTRY}", REPO / "checkpoints" / ENTRY, _entry_files())
    r = _python({**env, "MODE_ZOO_HF_ORG": "myorg"}, "-c", _LOAD, ENTRY)
    assert r.returncode == 0, r.stderr[-2000:]
    assert Path(json.loads(r.stdout)["folder"]) == mine  # models--myorg--gan_ring8, not mode-zoo's copy
    # The manifest names the repository without an organisation; the older form, which wrote
    # hf://mode-zoo/..., has its organisation ignored the same way.
    assert zoo.manifest()[ENTRY]["hf"] == ENTRY
    monkeypatch.setenv("MODE_ZOO_HF_ORG", "myorg")
    assert zoo.hf_repo_id(ENTRY, {"hf": f"hf://mode-zoo/{ENTRY}"}) == f"myorg/{ENTRY}"
    shutil.rmtree(mine.parents[1])
    r = _python({**env, "MODE_ZOO_HF_ORG": "myorg"}, "-m", "eval.missing_modes", "--checkpoint", ENTRY)
    assert r.returncode == 2
    [line] = _errors(r.stderr)
    assert f"hf://myorg/{ENTRY}" in line and "Hugging Face cache" in line and f"zoo.hub prefetch {ENTRY}" in line


def test_repo_ids_take_the_org_from_the_environment(monkeypatch):
    monkeypatch.setenv("MODE_ZOO_HF_ORG", "myorg")
    assert zoo.hf_repo_id("a", {"hf": "hf://mode-zoo/a_repo"}) == "myorg/a_repo"  # manifests before issue #15
    assert zoo.hf_repo_id("a", {"hf": "a_repo"}) == "myorg/a_repo"  # what --publish writes now
    assert zoo.hf_repo_id("a", {}) == "myorg/a"
    monkeypatch.delenv("MODE_ZOO_HF_ORG")
    assert zoo.hf_repo_id(ENTRY) == f"mode-zoo/{ENTRY}"


def test_prefetch_verifies_the_cache_offline_and_fails_in_one_line(hf):
    env, snapshot = hf
    r = _python(env, "-m", "zoo.hub", "prefetch", ENTRY)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{ENTRY}: cached, sha256 verified (hf://mode-zoo/{ENTRY} -> {snapshot})"
    assert r.stderr == ""

    missing = "wgan_gp_ring8"  # registered, not in this cache, and offline: cannot be fetched
    r = _python(env, "-m", "zoo.hub", "prefetch", ENTRY, missing)
    assert r.returncode == 2 and r.stdout.startswith(f"{ENTRY}: cached")
    [line] = r.stderr.strip().splitlines()
    assert line.startswith(f"error: {missing}: hf://mode-zoo/{missing} could not be fetched")
    assert "downloads are off" in line and f"zoo.hub prefetch {missing}" in line

    r = _python(env, "-m", "zoo.hub", "prefetch")  # no names: every entry, all but one missing here
    assert r.returncode == 2 and r.stdout.count("sha256 verified") == 1
    [line] = r.stderr.strip().splitlines()
    assert f"{len(zoo.manifest()) - 2} more not prefetched" in line

    r = _python(env, "-m", "zoo.hub", "prefetch", "no_such_entry")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "unknown model 'no_such_entry'" in r.stderr

    (snapshot / "config.json").resolve().write_text("{}")  # a tampered blob is reported, not accepted
    r = _python(env, "-m", "zoo.hub", "prefetch", ENTRY)
    assert r.returncode == 2 and r.stdout == ""
    [line] = r.stderr.strip().splitlines()
    assert line.startswith(f"error: {ENTRY}: ") and "config.json is corrupt or altered" in line


# ------------------------------------------------------------------------------- model cards
def _front_matter(card: str) -> dict:
    assert card.startswith("---\n")
    head, _, _ = card[4:].partition("\n---\n")
    return yaml.safe_load(head)


def _check_card(card: str, name: str):
    folder = REPO / "checkpoints" / name
    metrics = json.loads((folder / "metrics.json").read_text())
    config = json.loads((folder / "train_config.json").read_text())
    meta = _front_matter(card)
    assert meta["library_name"] == "keras" and meta["license"] == "apache-2.0"
    assert {"gan", "mode-collapse", config["method"], config["dataset"]} <= set(meta["tags"])
    assert meta["datasets"] == [config["dataset"]]
    [index] = meta["model-index"]
    assert index["name"] == name
    [result] = index["results"]
    assert result["dataset"]["type"] == config["dataset"]
    rows = {row["type"]: row for row in result["metrics"]}
    assert "![" in card and "(samples.png)" in card  # the sample plot is embedded
    return metrics, rows


def test_the_card_of_a_mixture_entry_carries_its_metrics(hf):
    env, _ = hf
    r = _python({**env, "MODE_ZOO_CHECKPOINTS": str(REPO / "checkpoints")}, "-m", "zoo.hub", "card", ENTRY)
    assert r.returncode == 0, r.stderr
    metrics, rows = _check_card(r.stdout, ENTRY)
    summary = metrics["summary"]
    assert set(rows) == {k for k in ("modes", "hq_fraction", "kl", "jsd", "jsd_canonical", "emd", "emd_floor")
                         if k in summary}
    for key, row in rows.items():
        assert row["value"] == summary[key]["mean"] and row["args"]["std"] == summary[key]["std"]
        assert row["args"]["samples"] == metrics["n"] and row["args"]["runs"] == len(metrics["seeds"])
        assert f"{len(metrics['seeds'])} sampling seeds" in row["args"]["protocol"]
    # The card of the Hub-cache copy is the same card: it is generated from the same files.
    r2 = _python(env, "-m", "zoo.hub", "card", ENTRY)
    assert r2.returncode == 0 and r2.stdout == r.stdout


def test_the_card_of_an_image_entry_carries_its_metrics():
    card = hub.model_card("gan_mnist")
    metrics, rows = _check_card(card, "gan_mnist")
    assert rows["fid"]["value"] == metrics["fid"]["fid"] and rows["kid"]["value"] == metrics["kid"]["kid"]
    assert rows["inception_score"]["value"] == metrics["inception_score"]["mean"]
    for key in ("digits_covered", "class_kl", "mode_score", "precision", "recall", "density", "coverage"):
        assert rows[key]["value"] == metrics[key], key
    assert all(row["args"]["samples"] == metrics["n"] for row in rows.values())


def test_card_errors_are_one_line(hf):
    env, _ = hf
    r = _python(env, "-m", "zoo.hub", "card", "no_such_entry")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "unknown model" in r.stderr


# ---------------------------------------------------------------------------- push, publish
def _tiny():
    return build_model(configs.resolve("gan", "ring8", {"g_hidden": [8], "d_hidden": [8]}))


def test_push_uploads_the_verified_files_and_the_card_in_one_commit(tmp_path, monkeypatch):
    config = configs.resolve("gan", "ring8", {"g_hidden": [8], "d_hidden": [8]})
    sums = checkpoint.save(_tiny(), tmp_path / "entry", {"train_config.json": {**config, "name": "entry"},
                                                          "metrics.json": {"dataset": "ring8"}})
    files = {f: sums[f] for f in checkpoint.MODEL_FILES}
    monkeypatch.setattr(zoo, "manifest", lambda: {"entry": {"files": files, "hf": "entry"}})
    monkeypatch.setenv("MODE_ZOO_CHECKPOINTS", str(tmp_path))
    monkeypatch.setenv("MODE_ZOO_HF_ORG", "myorg")
    calls = []

    class FakeApi:  # stands in for huggingface_hub.HfApi: records instead of uploading
        def create_repo(self, repo_id, **kw):
            calls.append(("repo", repo_id))

        def create_commit(self, repo_id, operations, **kw):
            calls.append(("commit", repo_id, {op.path_in_repo: op.path_or_fileobj for op in operations}))

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    assert hub.push("entry") == "myorg/entry"
    [(_, repo), (_, repo2, uploaded)] = calls
    assert repo == repo2 == "myorg/entry"
    assert set(uploaded) == {*checkpoint.MODEL_FILES, "metrics.json", "train_config.json", "SHA256SUMS", "README.md"}
    card = uploaded["README.md"].read().decode() if hasattr(uploaded["README.md"], "read") else \
        uploaded["README.md"].decode()
    assert card == hub.model_card("entry")
    assert not (tmp_path / "entry" / "README.md").exists()  # generated at push time, not stored
    (tmp_path / "entry" / "config.json").write_text("{}")  # tampered: refused before any upload
    calls.clear()
    with pytest.raises(zoo.CheckpointError):
        hub.push("entry")
    assert not calls


def test_publish_records_the_repo_without_an_organisation(tmp_path, monkeypatch):
    root = tmp_path / "checkout"
    (root / "zoo").mkdir(parents=True)
    (root / "checkpoints").mkdir()
    (root / "zoo" / "manifest.json").write_text("{}")
    monkeypatch.setattr(train_run, "_checkout", lambda: root)
    config = configs.resolve("gan", "ring8", {"g_hidden": [8], "d_hidden": [8]})
    checkpoint.save(_tiny(), tmp_path / "run", {"train_config.json": config, "metrics.json": {}})
    train_run.publish(tmp_path / "run", "tiny_ring8")
    entry = json.loads((root / "zoo" / "manifest.json").read_text())["tiny_ring8"]
    assert entry["hf"] == "tiny_ring8"
    monkeypatch.setenv("MODE_ZOO_HF_ORG", "myorg")
    assert zoo.hf_repo_id("tiny_ring8", entry) == "myorg/tiny_ring8"


def test_publish_is_refused_outside_a_checkout(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(zoo, "checkout_root", lambda: None)  # as in an installed wheel
    monkeypatch.chdir(tmp_path)
    assert train_run.main(["--model", "gan", "--dataset", "ring8", "--steps", "10", "--publish"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--publish is a developer action" in err[0]
    assert not (tmp_path / "runs").exists()  # refused before any training
