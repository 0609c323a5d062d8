"""Training beyond one machine: ``--strategy multiworker`` (TF_CONFIG) checks, and a real two-worker run
on 127.0.0.1 that must end with the weights of one process training the same global batch."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from train import run

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value, match", [
    (None, "needs the TF_CONFIG environment variable"),
    ("{not json", "TF_CONFIG is not valid"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}}', "TF_CONFIG is not valid"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "ps", "index": 0}}', "type worker or chief"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 1}}', "task index 1"),
    ('{"cluster": {"worker": ["127.0.0.1:"]}, "task": {"type": "worker", "index": 0}}', "host:port"),
])
def test_bad_tf_config_is_one_clear_error(value, match, monkeypatch):
    if value is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", value)
    with pytest.raises(RuntimeError, match=match):
        run.multiworker_role()


def test_roles_chief_is_worker_zero_or_the_chief_task():
    cluster = {"worker": ["a:1", "b:2"]}
    role = lambda task, c=cluster: run.multiworker_role(json.dumps({"cluster": c, "task": task}))  # noqa: E731
    assert role({"type": "worker", "index": 0}) == {"task_type": "worker", "task_index": 0, "chief": True,
                                                    "workers": 2}
    assert role({"type": "worker", "index": 1})["chief"] is False
    with_chief = {"chief": ["c:3"], **cluster}
    assert role({"type": "worker", "index": 0}, with_chief)["chief"] is False
    assert role({"type": "chief", "index": 0}, with_chief)["chief"] is True
    assert run.worker_scratch("/x/out", 1) == Path("/x/.out.workertemp_1")


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", MODE_ZOO_OFFLINE="1", HF_HUB_OFFLINE="1", **extra)
    return env


def test_cli_without_tf_config_exits_2_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "train.run", "--model", "gan", "--dataset", "ring8", "--steps", "2",
                           "--strategy", "multiworker", "--out", str(tmp_path / "o")],
                          cwd=REPO, env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "TF_CONFIG" in lines[0]
    assert not (tmp_path / "o").exists()


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _weights(folder):
    import zoo

    model = zoo.load(folder)
    return [np.asarray(w) for w in model.generator.weights + model.discriminator.weights]


def test_two_workers_end_with_the_weights_of_one(tmp_path):
    """Two worker processes (one replica each) on 127.0.0.1 train ring8 for 20 steps; the chief's
    checkpoint must equal one process training the same global batch with the same seed: the data
    rows are split per replica and the latents drawn for the global batch (docs/distributed.md)."""
    common = ["-m", "train.run", "--model", "gan", "--dataset", "ring8", "--steps", "20", "--batch-size", "64",
              "--set", "steps_per_epoch=10", "--no-eval", "--plot-every", "0"]
    hosts = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    workers = []
    for index in range(2):
        config = json.dumps({"cluster": {"worker": hosts}, "task": {"type": "worker", "index": index}})
        workers.append(subprocess.Popen([sys.executable, *common, "--strategy", "multiworker",
                                         "--out", str(tmp_path / "multi")], cwd=REPO, env=_env(TF_CONFIG=config),
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    single = subprocess.run([sys.executable, *common, "--out", str(tmp_path / "single")], cwd=REPO, env=_env(),
                            capture_output=True, text=True, timeout=300)
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert single.returncode == 0, single.stderr[-2000:]
    for w, out in zip(workers, outputs):
        assert w.returncode == 0, out[-2000:]
    assert "worker 1 finished" in outputs[1]
    # Only the chief's folder remains; the other worker's scratch folder is gone.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["multi", "single"]
    assert (tmp_path / "multi" / "SHA256SUMS").is_file() and not (tmp_path / "multi" / ".backup").exists()
    one, two = _weights(tmp_path / "single"), _weights(tmp_path / "multi")
    assert len(one) == len(two) and any(np.abs(a).max() > 0 for a in one)
    for a, b in zip(one, two):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
