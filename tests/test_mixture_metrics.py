"""Mixture metrics and EMD on constructed samples."""
import math

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from eval.emd import emd
from eval.mixture import evaluate_mixture, mixture_metrics, std_distances
from zoo import data

RING = data.mixture("ring8")
GRID = data.mixture("grid25")


def test_mixture_definitions():
    assert RING.num_modes == 8 and RING.std == 0.01
    assert np.allclose(np.linalg.norm(RING.means, axis=1), 1.0)
    # 8 distinct angles (not the Unrolled demo's 7-mode linspace bug, docs/evaluation.md#mixture-benchmarks).
    assert len({tuple(np.round(m, 6)) for m in RING.means}) == 8
    assert GRID.num_modes == 25 and set(GRID.means[:, 0]) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    assert data.mixture("cube27").means.shape == (27, 3)
    aniso = data.mixture("grid25_aniso")
    assert aniso.num_modes == 25 and not np.allclose(aniso.covs[0], aniso.covs[0][0, 0] * np.eye(2))
    x = RING.sample(4000, seed=1)
    assert x.shape == (4000, 2) and np.abs(np.linalg.norm(x, axis=1) - 1).max() < 0.06


def test_all_modes_from_real_samples():
    m = mixture_metrics(RING.sample(2500, seed=0), RING)
    assert m["modes"] == 8
    assert m["hq_fraction"] > 0.98  # 3σ in 2-D keeps 1 - exp(-4.5) ≈ 98.9 %
    assert m["kl"] < 0.01 and m["jsd"] < 0.003


def test_one_mode_collapse():
    x = np.tile(RING.means[3], (500, 1)) + 0.001
    m = mixture_metrics(x, RING)
    assert m["modes"] == 1 and m["hq_fraction"] == 1.0
    assert m["kl"] == pytest.approx(math.log(8))  # KL(δ ‖ U_8) = ln 8
    # JSD(δ, U_K) = ln 2 - ((K+1)/2K) ln(K+1) + ... computed directly:
    p, u = np.eye(8)[3], np.full(8, 1 / 8)
    mid = (p + u) / 2
    jsd = 0.5 * np.sum(p[p > 0] * np.log(p[p > 0] / mid[p > 0])) + 0.5 * np.sum(u * np.log(u / mid))
    assert m["jsd"] == pytest.approx(jsd)


def test_points_between_modes_are_not_high_quality():
    mid = (RING.means[0] + RING.means[1]) / 2  # about 0.38 from each mode: 38 std away
    m = mixture_metrics(np.tile(mid, (100, 1)), RING)
    assert m["hq_fraction"] == 0.0 and m["modes"] == 0 and m["kl"] is None


def test_std_units_threshold_is_exactly_three():
    mode = RING.means[0]
    direction = np.array([-mode[1], mode[0]])  # tangent: no other mode nearby
    x = np.stack([mode + 2.99 * 0.01 * direction, mode + 3.01 * 0.01 * direction])
    assert np.allclose(std_distances(x, RING).min(1), [2.99, 3.01])
    assert mixture_metrics(x, RING)["hq_fraction"] == 0.5


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        mixture_metrics(np.zeros((5, 3)), RING)


def test_emd_matches_optimal_assignment_and_is_euclidean():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) + 1.0
    rows, cols = linear_sum_assignment(cdist(a, b))
    assert emd(a, b) == pytest.approx(cdist(a, b)[rows, cols].mean(), rel=1e-6)
    # A rigid shift by (3, 4) costs exactly 5 per point (Euclidean, not squared: 25).
    assert emd(a, a + np.array([3.0, 4.0])) == pytest.approx(5.0, rel=1e-6)


def test_evaluate_mixture_reports_floor_and_runs():
    result = evaluate_mixture(lambda n, seed: RING.sample(n, seed=100 + seed), RING, n=300, seeds=(0, 1))
    s = result["summary"]
    assert s["modes"]["mean"] == 8 and s["modes"]["runs"] == 2
    # Real samples against real samples: the EMD sits at the floor's scale.
    assert s["emd"]["mean"] < 3 * s["emd_floor"]["mean"]
    assert len(result["runs"]) == 2
