"""Smoke test of the Dual Importance Weight GAN Table 1 script at a tiny budget."""
import json

import pytest


@pytest.mark.slow
def test_diw_table1_writes_one_row_per_method_and_data_set(tmp_path):
    from scripts.diw_table1 import main

    assert main(["--seeds", "0", "1", "--steps", "4", "--methods", "gan", "pacgan", "--datasets", "ring8",
                 "--runs-dir", str(tmp_path / "runs"), "--results", str(tmp_path / "res")]) == 0
    result = json.loads((tmp_path / "res" / "diw_table1.json").read_text())
    assert set(result["summary"]) == {"gan/ring8", "pacgan/ring8"}
    assert all(s["modes"]["runs"] == 2 for s in result["summary"].values())  # two training seeds per cell
    cells = [json.loads(p.read_text()) for p in (tmp_path / "res" / "diw_table1_cells").glob("*.json")]
    assert len(cells) == 4
    # Each cell keeps its run's training curve (steps 0 ... 4), drawn per data set.
    assert all(c["curve"]["points"][-1]["step"] == 4 for c in cells)
    assert (tmp_path / "res" / "figures" / "diw_table1_curves_ring8.png").stat().st_size > 0
    # A second call finds every cell finished and trains nothing: the runs folder may even be gone.
    import shutil

    shutil.rmtree(tmp_path / "runs")
    assert main(["--seeds", "0", "1", "--steps", "4", "--methods", "gan", "pacgan", "--datasets", "ring8",
                 "--runs-dir", str(tmp_path / "runs"), "--results", str(tmp_path / "res")]) == 0
    assert not (tmp_path / "runs").exists()
    again = json.loads((tmp_path / "res" / "diw_table1.json").read_text())
    assert again["summary"] == result["summary"]
    table = (tmp_path / "res" / "diw_table1.md").read_text()
    assert "| ring8 | pacgan |" in table and (tmp_path / "res" / "diw_table1.png").stat().st_size > 0


def test_diw_sweep_changes_one_value_and_resumes(tmp_path):
    from scripts.diw_sweep import BASE, VARIANTS, main, variant_config

    names = set()
    for label, change in VARIANTS.items():
        config = variant_config(label, "ring8", 0, 10)
        kwargs = config["method_kwargs"]
        values = {"lr": config["optimizer"]["learning_rate"], **{k: kwargs[k] for k in BASE if k != "lr"}}
        assert values == {**BASE, **change}  # the base with exactly the variant's change
        names.add(config["name"])
    assert len(names) == len(VARIANTS)
    args = ["--seeds", "0", "--steps", "3", "--datasets", "ring8", "--runs-dir", str(tmp_path / "runs"),
            "--results", str(tmp_path / "res")]
    assert main(args + ["--variants", "base", "--report-only"]) == 0  # nothing trained
    assert not (tmp_path / "runs").exists() and "not run" in (tmp_path / "res" / "diw_sweep.md").read_text()
    # A finished cell (written here with constructed scores) is read back, not retrained.
    cell = {"config": variant_config("k 0 (no weights)", "ring8", 0, 3), "modes": 7, "hq": 40.0, "jsd": 0.01,
            "samples": None}
    (tmp_path / "res" / "diw_sweep_cells").mkdir(parents=True)
    (tmp_path / "res" / "diw_sweep_cells" / f"{cell['config']['name']}.json").write_text(json.dumps(cell))
    assert main(args + ["--variants", "base", "k 0 (no weights)", "--report-only"]) == 0
    result = json.loads((tmp_path / "res" / "diw_sweep.json").read_text())
    assert result["summary"]["k 0 (no weights)/ring8"]["hq"]["mean"] == 40.0
    assert result["summary"]["base/ring8"]["hq"]["runs"] == 0 and not (tmp_path / "runs").exists()
    assert "| k 0 (no weights) | 7.0 ± 0.0 | 40.0 ± 0.0 |" in (tmp_path / "res" / "diw_sweep.md").read_text()
