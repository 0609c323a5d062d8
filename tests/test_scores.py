"""Metric functions of eval.scores against hand-computed values and degenerate cases (numpy only)."""
import numpy as np
import pytest

from eval import scores


# ------------------------------------------------------------------------------ Inception score
def test_inception_score_one_hot_uniform_table_equals_num_classes():
    # Each split of 10 consecutive rows holds every class once: KL(onehot ‖ uniform) = ln 10 per row.
    probs = np.tile(np.eye(10), (10, 1))
    mean, std = scores.inception_score(probs, splits=10)
    assert mean == pytest.approx(10.0)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_inception_score_identical_rows_is_one():
    probs = np.tile([[0.2, 0.3, 0.5]], (40, 1))
    assert scores.inception_score(probs, splits=4) == pytest.approx((1.0, 0.0))


def test_inception_score_hand_computed_two_splits():
    # Split 1: one-hot rows of classes 0, 1 -> marginal (.5, .5), KL = ln 2 each -> IS 2.
    # Split 2: rows (1, 0) and (.5, .5) -> marginal (.75, .25);
    #   KL1 = ln(1/.75), KL2 = .5 ln(.5/.75) + .5 ln(.5/.25) -> IS = exp(mean).
    probs = np.array([[1, 0], [0, 1], [1, 0], [0.5, 0.5]], float)
    kl1 = np.log(1 / 0.75)
    kl2 = 0.5 * np.log(0.5 / 0.75) + 0.5 * np.log(0.5 / 0.25)
    s2 = np.exp((kl1 + kl2) / 2)
    mean, std = scores.inception_score(probs, splits=2)
    assert mean == pytest.approx((2.0 + s2) / 2)
    assert std == pytest.approx(abs(2.0 - s2) / 2)


def test_inception_score_rejects_logits_and_bad_splits():
    with pytest.raises(ValueError, match="probability"):
        scores.inception_score(np.array([[2.0, -1.0], [0.5, 0.1]]), splits=1)
    with pytest.raises(ValueError, match="splits"):
        scores.inception_score(np.eye(3), splits=5)


# ---------------------------------------------------------------------------------- MODE score
def test_mode_score_hand_computed():
    # p* = (.75, .25); E_x KL(onehot ‖ p*) = H(p*); KL(p* ‖ (.5, .5)) = ln 2 − H(p*).
    probs = np.array([[1, 0], [0, 1], [1, 0], [1, 0]], float)
    h = -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))
    assert scores.mode_score(probs, [0.5, 0.5]) == pytest.approx(np.exp(h - (np.log(2) - h)))


def test_mode_score_equals_inception_score_when_marginals_match():
    # With p_train = p* the penalty term vanishes and MODE = exp(E KL(p(y|x) ‖ p*)) = IS with one split.
    probs = np.tile(np.eye(4), (5, 1))
    assert scores.mode_score(probs, [1, 1, 1, 1]) == pytest.approx(4.0)
    assert scores.mode_score(probs, [1, 1, 1, 1]) == pytest.approx(scores.inception_score(probs, 1)[0])


def test_mode_score_zero_when_generating_a_class_absent_from_training():
    probs = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert scores.mode_score(probs, [1.0, 0.0]) == 0.0


# ------------------------------------------------------------------------ balance / stacked modes
def test_class_balance_counts_and_kl():
    bal = scores.class_balance([0, 0, 1, 3], num_classes=4)
    assert bal["histogram"] == [2, 1, 0, 1]
    assert bal["covered"] == 3
    p = np.array([0.5, 0.25, 0.25])
    assert bal["kl_to_uniform"] == pytest.approx(np.sum(p * np.log(p * 4)))
    assert scores.class_balance(range(10))["kl_to_uniform"] == pytest.approx(0.0)


def test_stacked_modes_single_mode_is_ln_1000():
    out = scores.stacked_modes(np.tile([3, 1, 4], (500, 1)))
    assert out == {"modes": 1, "kl": pytest.approx(np.log(1000)), "n": 500}


def test_stacked_modes_uniform_is_zero_and_codes_are_decimal():
    triples = np.stack(np.unravel_index(np.arange(1000), (10, 10, 10)), 1)
    np.testing.assert_array_equal(scores.stacked_codes(triples), np.arange(1000))
    out = scores.stacked_modes(np.repeat(triples, 3, axis=0))
    assert out["modes"] == 1000
    assert out["kl"] == pytest.approx(0.0, abs=1e-12)


def test_stacked_modes_two_modes_hand_computed():
    # p = (.75, .25) on 2 of 1000 modes: KL = .75 ln(750) + .25 ln(250).
    triples = np.array([[0, 0, 0]] * 3 + [[9, 9, 9]])
    out = scores.stacked_modes(triples)
    assert out["modes"] == 2
    assert out["kl"] == pytest.approx(0.75 * np.log(750) + 0.25 * np.log(250))
    with pytest.raises(ValueError, match=r"\[N, 3\]"):
        scores.stacked_modes(np.zeros((4, 2), int))


# ----------------------------------------------------------------------------------- FID / KID
@pytest.fixture(scope="module")
def gaussian():
    return np.random.default_rng(0).normal(size=(3000, 8))


def test_fid_identical_sets_is_zero(gaussian):
    out = scores.frechet_distance(gaussian, gaussian)
    assert out["fid"] == pytest.approx(0.0, abs=1e-8)
    assert out["eps_added"] == 0.0


def test_fid_of_shifted_set_is_squared_mean_shift(gaussian):
    delta = np.array([1.0, -2.0, 0.5, 0, 0, 0, 0, 3.0])
    out = scores.frechet_distance(gaussian, gaussian + delta)
    assert out["fid"] == pytest.approx(np.sum(delta**2), rel=1e-6)


def test_fid_of_two_gaussians_matches_closed_form():
    # N(0, I) vs N(μ, 4I) in d dims: ‖μ‖² + Tr(I + 4I − 2·2I) = ‖μ‖² + d (large N, loose tolerance).
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(20000, 3)), 1.0 + 2.0 * rng.normal(size=(20000, 3))
    assert scores.frechet_distance(a, b)["fid"] == pytest.approx(3.0 + 3.0, rel=0.05)


def test_fid_collapsed_generator_is_finite_and_reports_regularisation(gaussian):
    collapsed = np.ones((500, 8))  # singular (zero) covariance
    out = scores.frechet_distance(gaussian, collapsed)
    assert np.isfinite(out["fid"]) and out["eps_added"] > 0
    # Tr(Σ_a) + ‖μ_a − 1‖² is the exact value with Σ_b = 0.
    expected = np.trace(np.cov(gaussian, rowvar=False)) + np.sum((gaussian.mean(0) - 1) ** 2)
    assert out["fid"] == pytest.approx(expected, rel=1e-3)


def test_kid_near_zero_for_same_distribution_and_positive_otherwise():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2000, 16)), rng.normal(size=(2000, 16))
    same = scores.kernel_inception_distance(a, b, subsets=20, subset_size=500)
    assert abs(same["kid"]) < 3 * same["kid_std"] + 1e-3
    shifted = scores.kernel_inception_distance(a, b + 1.0, subsets=20, subset_size=500)
    assert shifted["kid"] > 100 * abs(same["kid"])
    assert shifted["subset_size"] == 500


def test_kid_unbiased_estimator_hand_computed():
    # One subset covering both 2-point sets in 1-D: k(x, y) = (xy + 1)^3.
    x, y = np.array([[0.0], [1.0]]), np.array([[1.0], [2.0]])
    k = lambda u, v: (u * v + 1) ** 3  # noqa: E731
    # Off-diagonal K_xx and K_yy terms over m(m-1) = 2 ordered pairs; all 4 cross pairs.
    mmd2 = 2 * k(0, 1) / 2 + 2 * k(1, 2) / 2 - 2 * (k(0, 1) + k(0, 2) + k(1, 1) + k(1, 2)) / 4
    out = scores.kernel_inception_distance(x, y, subsets=1, subset_size=2)
    assert out["kid"] == pytest.approx(mmd2)


# ----------------------------------------------------------------------- precision/recall, D&C
def test_prdc_on_constructed_point_clouds():
    # Real: the 4 corners of a unit square (1-NN radius 1 each). Fake: (.1,.1) lies in the balls of
    # (0,0), (1,0), (0,1) (distances .14, .91, .91; not (1,1): 1.27); (.5,.45) lies in all 4 balls
    # (.67, .67, .74, .74); (10,10) lies in none.
    real = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], float)
    fake = np.array([[0.1, 0.1], [0.5, 0.45], [10, 10]], float)
    out = scores.prdc(real, fake, k_pr=1, k_dc=1)
    assert out["precision"] == pytest.approx(2 / 3)
    assert out["density"] == pytest.approx((3 + 4 + 0) / (1 * 3))
    assert out["coverage"] == pytest.approx(1.0)
    # Fake 1-NN radii: .53, .53 and 13.47 for (10,10). (0,0) is within .53 of (.1,.1); the other
    # corners are 12.7–13.45 from (10,10), inside its huge ball: recall 1 (outliers inflate recall,
    # the weakness density/coverage fix).
    assert out["recall"] == pytest.approx(1.0)
    # Without the outlier, only (0,0) is covered by the fake manifold.
    assert scores.prdc(real, fake[:2], k_pr=1, k_dc=1)["recall"] == pytest.approx(1 / 4)


def test_precision_recall_disjoint_and_identical_clouds():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(400, 5))
    far = scores.precision_recall(real, real + 100.0, k=3)
    assert far["precision"] == 0.0 and far["recall"] == 0.0
    same = scores.precision_recall(real, real.copy(), k=3)
    assert same["precision"] == 1.0 and same["recall"] == 1.0


def test_density_coverage_detect_collapse_to_one_region():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(1000, 2))
    collapsed = rng.normal(scale=0.05, size=(1000, 2))  # all mass near the real mode centre
    dc = scores.density_coverage(real, collapsed, k=5)
    fair = scores.density_coverage(real, rng.normal(size=(1000, 2)), k=5)
    assert dc["coverage"] < 0.2 < 0.9 < fair["coverage"]
    # Density ≈ 1 when fake matches real in distribution (Naeem et al. 2020, Sec. 3.2).
    assert 0.8 < fair["density"] < 1.2


def test_blocked_distances_match_scipy_cdist(monkeypatch):
    from scipy.spatial.distance import cdist

    monkeypatch.setattr(scores.distances, "_DIRECT_ENTRIES", 64)  # force many small blocks
    rng = np.random.default_rng(5)
    x = rng.normal(size=(50, 7))
    radii = scores.kth_nn_radii(x, [2, 4])
    d = np.sort(cdist(x, x), axis=1)
    np.testing.assert_allclose(radii[2], d[:, 2], atol=1e-9)
    np.testing.assert_allclose(radii[4], d[:, 4], atol=1e-9)
