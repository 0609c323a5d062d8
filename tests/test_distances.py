"""The float32-screened k-NN radii and ball memberships (eval.distances) give exactly what computing every
float64 distance gives: random data, exact ties, ties within one ulp, duplicates, extreme scales."""
import numpy as np
import pytest

from eval import distances, scores

pytest.importorskip("tensorflow")


@pytest.fixture
def screened(monkeypatch):
    """Force the screening on small sets, with several row blocks."""
    monkeypatch.setattr(distances, "_DIRECT_PAIRS", 0)
    monkeypatch.setattr(distances, "_ROWS", 64)


def brute_radii(x, ks):
    """Every float64 distance, sorted row by row (the self-distance 0 first)."""
    d = np.sort(distances.sq_dist_matrix(x, x), axis=1)
    return {k: np.sqrt(d[:, k]) for k in ks}


def brute_prdc(real, fake, k_pr, k_dc):
    """Precision/recall/density/coverage written out on the full float64 matrices."""
    r = brute_radii(real, [k_pr, k_dc])
    rf = brute_radii(fake, [k_pr])[k_pr]
    d = distances.sq_dist_matrix(fake, real)  # d[j, i]
    in_dc = d <= (r[k_dc] ** 2)[None, :]
    return {"precision": float((d <= (r[k_pr] ** 2)[None, :]).any(1).mean()),
            "recall": float((d <= (rf ** 2)[:, None]).any(0).mean()),
            "density": float(in_dc.sum() / (k_dc * len(fake))), "coverage": float(in_dc.any(0).mean()),
            "k_pr": k_pr, "k_dc": k_dc}


def tied_cloud(seed, n=300, dim=24):
    """Clustered non-negative features (like ReLU outputs) with exact duplicates, points at exactly equal
    distances from a centre and points one ulp further: the cases a float32 screen cannot separate."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 4, size=(12, dim))
    x = np.maximum(centres[rng.integers(0, 12, n)] + rng.normal(scale=0.6, size=(n, dim)), 0)
    x[1] = x[0]  # duplicates: distance exactly 0
    x[2] = x[0]
    x[10] = np.round(x[10] * 64) / 64  # dyadic, so that base + 0.5 is exact
    base = x[10].copy()
    for i, axis in enumerate(range(11, 19)):  # 8 points at exactly distance 0.5 from x[10] (one axis each)
        x[axis] = base
        x[axis, i] += 0.5
    x[19] = base
    x[19, 8] = np.nextafter(base[8] + 0.5, np.inf)  # one ulp further than the others
    return x


def test_pair_and_matrix_forms_give_the_same_bits():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(37, 384)), rng.normal(size=(53, 384))
    m = distances.sq_dist_matrix(a, b)
    rows, cols = np.divmod(np.arange(37 * 53), 53)
    np.testing.assert_array_equal(distances.sq_dist_pairs(a[rows], b[cols]), m.ravel())
    from scipy.spatial.distance import cdist

    np.testing.assert_allclose(m, cdist(a, b, "sqeuclidean"), rtol=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_screened_radii_equal_the_full_float64_computation(screened, seed):
    x = tied_cloud(seed)
    fast = distances.kth_nn_radii(x, [1, 3, 5, 8])
    slow = brute_radii(x, [1, 3, 5, 8])
    for k in (1, 3, 5, 8):
        np.testing.assert_array_equal(fast[k], slow[k])
    assert fast[1][0] == 0.0 and fast[8][10] == 0.5  # the duplicates and the 8 equidistant points


def test_rows_whose_candidates_span_unread_chunks_are_recomputed(screened, monkeypatch):
    monkeypatch.setattr(distances, "_EXTRA_CHUNKS", 0)  # read only k+1 chunks: most rows recomputed whole
    x = tied_cloud(3)
    fast, slow = distances.kth_nn_radii(x, [2, 5]), brute_radii(x, [2, 5])
    for k in (2, 5):
        np.testing.assert_array_equal(fast[k], slow[k])


@pytest.mark.parametrize("scale", [1.0, 2.0 ** 70, 3e-25])
def test_screened_radii_at_extreme_scales(screened, scale):
    x = tied_cloud(4) * scale
    fast, slow = distances.kth_nn_radii(x, [3, 5]), brute_radii(x, [3, 5])
    for k in (3, 5):
        np.testing.assert_array_equal(fast[k], slow[k])


def test_screened_memberships_decide_ties_exactly(screened):
    rng = np.random.default_rng(5)
    real, fake = tied_cloud(6, n=200), tied_cloud(7, n=240)
    d = distances.sq_dist_matrix(fake, real)
    # Thresholds exactly at a pair's distance, one ulp below and one ulp above it: a float32 screen sees
    # all three as the same number, the exact decision does not.
    pick = rng.choice(len(real), 60, replace=False)
    t = np.quantile(d, 0.01, axis=0)
    partner = np.argmin(np.abs(d - t[None, :]), axis=0)
    exact = d[partner, np.arange(len(real))]
    t_a = t.copy()
    t_a[pick[:20]] = exact[pick[:20]]
    t_a[pick[20:40]] = np.nextafter(exact[pick[20:40]], 0)
    t_a[pick[40:]] = np.nextafter(exact[pick[40:]], np.inf)
    t_b = np.maximum(t_a, np.quantile(d, 0.02, axis=0))
    t_b[pick[:10]] = t_a[pick[:10]]
    t_f = np.quantile(d, 0.01, axis=1)
    t_f[:30] = np.nextafter(d[np.arange(30), pick[:30]], 0)
    t_f[30:60] = d[np.arange(30, 60), pick[:30]]
    fast = distances.ball_memberships(real, fake, t_a, t_b, t_f)
    slow = distances._memberships_direct(real, fake, t_a, t_b, t_f)
    assert fast["count_in_real_b"] == slow["count_in_real_b"]
    for key in ("fake_in_real_a", "real_b_hit", "real_in_fake"):
        np.testing.assert_array_equal(fast[key], slow[key], err_msg=key)
    # The ulp-sized threshold changes matter: the exact decisions differ between them.
    assert (d[partner[pick[:20]], pick[:20]] <= t_a[pick[:20]]).all()
    assert not (d[partner[pick[20:40]], pick[20:40]] <= t_a[pick[20:40]]).any()


@pytest.mark.parametrize("seed", [8, 9])
def test_prdc_equals_the_full_float64_computation(screened, seed):
    real = tied_cloud(seed, n=260)
    fake = np.concatenate([real[:40], tied_cloud(seed + 100, n=220)])  # shared points: zero distances
    fake[50] = fake[49]
    real[:, [3, 7]] = fake[:, [3, 7]] = 0.0  # dead features: left out of the screening, not of d
    fast = scores.prdc(real, fake, 3, 5)
    assert fast == brute_prdc(real, fake, 3, 5)
    assert 0 < fast["precision"] < 1 and 0 < fast["coverage"] <= 1
    # And with the reference's radii passed in, as the image report does.
    radii = scores.kth_nn_radii(real, [3, 5])
    assert scores.prdc(real, fake, 3, 5, real_radii=radii) == fast
    assert distances._Scaled(real, fake).dim == real.shape[1] - 2


def test_direct_and_screened_paths_agree_on_plain_random_features(monkeypatch):
    rng = np.random.default_rng(11)
    real, fake = rng.normal(size=(700, 40)), rng.normal(size=(650, 40)) + 0.05
    direct = scores.prdc(real, fake, 3, 5)
    monkeypatch.setattr(distances, "_DIRECT_PAIRS", 0)
    assert scores.prdc(real, fake, 3, 5) == direct
    # The same graphs without XLA (the fallback where a TensorFlow build has none).
    monkeypatch.setattr(distances, "_TF", None)
    for graph in ("knn", "balls"):
        monkeypatch.setattr(distances._tf_functions()[graph], "_use_jit", False)
    assert scores.prdc(real, fake, 3, 5) == direct


def test_non_finite_features_are_refused():
    x = np.ones((10, 3))
    x[4, 1] = np.nan
    with pytest.raises(ValueError, match="finite"):
        scores.kth_nn_radii(x, 3)
    with pytest.raises(ValueError, match="finite"):
        scores.prdc(np.ones((10, 3)) + np.arange(10)[:, None], x, 2, 2)
