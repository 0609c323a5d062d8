"""benchmarks.eval_cost: argument checks and the per-stage timers (no benchmark run: that needs the
classifier and minutes)."""
import pytest

from benchmarks import eval_cost


def test_unknown_data_sets_are_refused(capsys):
    with pytest.raises(SystemExit):
        eval_cost.main(["--datasets", "cifar10"])
    assert "--datasets" in capsys.readouterr().err


def test_stage_timers_wrap_the_functions_the_callers_look_up(monkeypatch):
    from eval import scores

    for module, name in eval_cost.STAGES.values():  # restored after the test
        mod = __import__(module, fromlist=[name])
        monkeypatch.setattr(mod, name, getattr(mod, name))
    times = eval_cost._instrument()
    scores.kth_nn_radii([[0.0], [1.0], [3.0]], 1)
    out = scores.prdc([[0.0], [1.0], [3.0]], [[0.5], [2.0], [9.0]], 1, 1)
    assert out["precision"] == pytest.approx(2 / 3)
    assert set(times) == {"samples' k-NN radii", "PR/DC"}
    assert all(w >= 0 and c >= 0 for w, c in times.values())
