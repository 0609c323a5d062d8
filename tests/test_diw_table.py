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
    assert len(list((tmp_path / "res" / "diw_table1_cells").glob("*.json"))) == 4
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
