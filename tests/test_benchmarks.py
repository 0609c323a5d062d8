"""benchmarks.versus: the zoo step against its plain-TF (and, when installed, PyTorch) twins.

Tiny runs of one workload check that the benchmark times every side, prints the table and writes the
JSON it documents, with PyTorch absent (skipped with a note) and present.
"""
import json
import math

import pytest

from benchmarks import versus


def _run(tmp_path, capsys, *extra):
    out = tmp_path / "versus.json"
    assert versus.main(["--workloads", "gan", "--rounds", "2", "--steps", "1", "--json", str(out), *extra]) == 0
    return capsys.readouterr().out, json.loads(out.read_text())


def _rows(text):
    return [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| workload")]


def _check(payload, sides):
    run = payload["workloads"]["gan"]
    assert run["config"]["batch_size"] == 500 and run["config"]["d_hidden"] == [128, 128, 128]
    assert run["steps"] == run["config"]["steps_per_execution"]  # rounded to whole executions
    assert sorted(run["times"]) == sorted(sides)
    for side in sides:
        assert len(run["times"][side]) == 2  # one per round, the warm-up left out
        assert all(math.isfinite(t) and t > 0 for t in run["times"][side])
    s = run["summary"]
    assert s["zoo_over_tf"] == pytest.approx(s["zoo_ms"] / s["tf_ms"])
    assert s["zoo_over_tf_loop"] == pytest.approx(s["zoo_ms"] / s["tf_loop_ms"])
    return s


def test_versus_without_torch_skips_its_column_with_a_note(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(versus, "torch_available", lambda: False)
    text, payload = _run(tmp_path, capsys)
    assert "note: PyTorch is not installed" in text
    s = _check(payload, ["zoo", "tf", "tf_loop"])
    assert s["torch_ms"] is None and s["torch_over_zoo"] is None and payload["machine"]["torch"] is None
    (row,) = _rows(text)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == "gan" and cells[4] == "n/a" and cells[7] == "n/a"
    assert float(cells[1]) == pytest.approx(s["zoo_ms"], abs=0.006)


def test_versus_with_torch_times_the_torch_twin(tmp_path, capsys):
    pytest.importorskip("torch")
    text, payload = _run(tmp_path, capsys)
    s = _check(payload, ["zoo", "tf", "tf_loop", "torch"])
    assert s["torch_over_zoo"] == pytest.approx(s["torch_ms"] / s["zoo_ms"])
    (row,) = _rows(text)
    assert row.split("|")[5].strip() == f"{s['torch_ms']:.2f}"


def test_versus_rejects_unknown_workloads(capsys):
    assert versus.main(["--workloads", "nope"]) == 2
    assert "--workloads" in capsys.readouterr().err
