"""Reproduction-script helpers: the model-card table and the report writer."""
import json

import pytest

import zoo
from scripts import common, model_table


def test_model_table_prints_each_checkpoints_metrics(capsys):
    names = [n for n in ("gan_ring8", "gan_mnist") if (zoo.checkpoint_dir() / n / "metrics.json").is_file()]
    if len(names) < 2:
        pytest.skip("published checkpoints are not in this checkout")
    assert model_table.main(names) == 0
    out = capsys.readouterr().out
    ring = json.loads((zoo.checkpoint_dir() / "gan_ring8" / "metrics.json").read_text())["summary"]
    mnist = json.loads((zoo.checkpoint_dir() / "gan_mnist" / "metrics.json").read_text())
    assert f"| `gan_ring8` | ring8 | {ring['modes']['mean']:.1f} ± {ring['modes']['std']:.1f} / 8 |" in out
    assert f"{mnist['inception_score']['mean']:.2f} ± {mnist['inception_score']['std']:.2f}" in out
    assert "| real test digits | mnist | 10/10 |" in out  # the real-data floor row closes the image table


def test_write_report_writes_the_markdown_it_prints(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    assert common.write_report(["# title", "", "| a |"], "demo", "demo.png") == 0
    text = (tmp_path / "demo.md").read_text()
    assert text == "# title\n\n| a |\n\nFigure: `demo.png`.\n" and text in capsys.readouterr().out
    assert not list(tmp_path.glob("*.tmp"))  # written atomically, no leftovers
