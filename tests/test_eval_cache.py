"""The evaluation's on-disk cache and fast paths: atomic, self-checking entries keyed by classifier,
data and parameters, and the faster k-NN radii / batched classifier giving the old numbers."""
import json

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from eval import image_metrics, reference, scores  # noqa: E402
from eval.classifier import MnistScorer, build_classifier  # noqa: E402
from zoo import diskcache  # noqa: E402
from zoo import stacked_mnist as sm  # noqa: E402


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MODE_ZOO_CACHE", str(tmp_path / "cache"))
    reference.clear_caches()
    yield tmp_path / "cache"
    reference.clear_caches()


def small_pool(seed):
    """A substitute MNIST pool of random digit images (train 60, test 30) seeded by ``seed``."""
    rng = np.random.default_rng(seed)

    def digits(split="train"):
        n = 60 if split == "train" else 30
        return rng_images[split], np.arange(n) % 10

    rng_images = {s: rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8) for s, n in (("train", 60), ("test", 30))}
    return digits


def test_diskcache_roundtrip_is_exact_and_atomic(cache):
    feats = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32).astype(np.float64)
    exact = np.array([0.1, 1 / 3])  # not float32 values: must stay float64
    key = {"what": "x", "n": 5}
    path = diskcache.save("t", key, {"features": feats, "exact": exact, "info": {"a": [1, 2.5]}})
    hit = diskcache.load("t", key)
    assert hit["features"].dtype == np.float64 and np.array_equal(hit["features"], feats)
    assert np.array_equal(hit["exact"], exact) and hit["info"] == {"a": [1, 2.5]}
    assert [p.name for p in cache.iterdir()] == [path.name]  # no temporary file left behind
    assert diskcache.load("t", {"what": "x", "n": 6}) is None


def test_corrupt_or_mismatching_cache_files_are_ignored_and_rebuilt(cache):
    key = {"k": 1}
    path = diskcache.save("t", key, {"v": np.arange(3.0)})
    path.write_bytes(path.read_bytes()[:50])  # truncated
    assert diskcache.load("t", key) is None
    other = diskcache.save("t", {"k": 2}, {"v": np.zeros(3)})
    other.replace(path)  # another key's entry under this key's name
    assert diskcache.load("t", key) is None
    calls = []
    scorer = Fingerprinted("a")
    build = lambda: calls.append(1) or {"v": np.arange(3.0)}  # noqa: E731
    assert np.array_equal(reference.cached_stats(scorer, "t", key, build)["v"], np.arange(3.0))
    reference.clear_caches()
    assert np.array_equal(reference.cached_stats(Fingerprinted("a"), "t", key, build)["v"], np.arange(3.0))
    assert calls == [1]  # rebuilt once, then read back from disk


class Fingerprinted:
    """A scorer stand-in with a fixed fingerprint."""

    def __init__(self, fp):
        self.fp = fp

    def cache_fingerprint(self):
        return self.fp


def test_scorer_fingerprint_follows_the_weights():
    a, b = build_classifier(seed=1), build_classifier(seed=2)
    fa = MnistScorer(a, 64).cache_fingerprint()
    assert fa == MnistScorer(a, 64).cache_fingerprint() and fa != MnistScorer(b, 64).cache_fingerprint()
    a.get_layer("probs").bias.assign(a.get_layer("probs").bias + 1e-3)
    assert MnistScorer(a, 64).cache_fingerprint() != fa


def _evaluate(model, seed=0, n=40):
    images = np.random.default_rng(seed + 7).uniform(-1, 1, size=(n, 28, 28, 1)).astype(np.float32)
    return image_metrics.evaluate_images(images, "mnist", classifier=MnistScorer(model, 16), kid_subsets=3,
                                         kid_subset_size=20)


def test_evaluation_reads_its_own_cache_and_never_another_classifiers_or_datas(cache, monkeypatch):
    monkeypatch.setattr(sm, "mnist_digits", small_pool(0))
    built = []
    original = image_metrics.scores.kth_nn_radii
    monkeypatch.setattr(image_metrics.scores, "kth_nn_radii", lambda *a: built.append(1) or original(*a))
    model_a, model_b = build_classifier(seed=1), build_classifier(seed=2)
    first = _evaluate(model_a)
    assert len(built) == 3  # reference radii, samples' radii, floor set's radii
    reference.clear_caches()  # a new process: only the disk remains
    again = _evaluate(model_a)
    assert len(built) == 4 and json.dumps(again) == json.dumps(first)  # only the samples' radii
    other = _evaluate(model_b)  # another classifier: its own reference and floor
    assert len(built) == 7 and other["floor"] != first["floor"]
    monkeypatch.setattr(sm, "mnist_digits", small_pool(1))  # other data, same classifier
    reference.clear_caches()
    changed = _evaluate(model_a)
    assert len(built) == 10 and changed["floor"] != first["floor"]


def _radii_full_matrix(x, ks):
    """The old computation: the whole distance matrix, sorted row by row."""
    d2 = np.maximum((x * x).sum(1)[:, None] + (x * x).sum(1)[None, :] - 2 * x @ x.T, 0)
    s = np.sort(d2, axis=1)
    return {k: np.sqrt(s[:, k]) for k in ks}


@pytest.mark.parametrize("n", [7, 60, 2100])
def test_screened_radii_match_the_full_matrix(n, monkeypatch):
    monkeypatch.setattr(scores.distances, "_DIRECT_PAIRS", 0)  # the float32 screening even for small n
    monkeypatch.setattr(scores.distances, "_ROWS", 256)  # several blocks
    x = np.maximum(np.random.default_rng(n).normal(size=(n, 16)), 0)
    x[1] = x[0]  # a duplicate: zero distances
    fast, slow = scores.kth_nn_radii(x, [1, 3, 5]), _radii_full_matrix(x, [1, 3, 5])
    for k in (1, 3, 5):
        # A zero distance comes out as √(rounding of ‖x‖²) ≈ 1e-8·‖x‖ in either computation, hence atol.
        np.testing.assert_allclose(fast[k], slow[k], rtol=1e-12, atol=1e-6)
    np.testing.assert_array_equal(scores.kth_nn_radii(x, 3), fast[3])


def test_padded_fixed_batches_give_the_unbatched_outputs():
    model = build_classifier(seed=3)
    x = np.random.default_rng(0).uniform(-1, 1, size=(37, 28, 28, 1)).astype(np.float32)
    scorer = MnistScorer(model, 16)  # 16 + 16 + 5 padded to 16
    probs, feats = scorer.outputs(x)
    whole = keras.Model(model.inputs, [model.outputs[0], model.get_layer("features").output])
    p, f = whole([(x + 1) / 2], training=False)
    np.testing.assert_allclose(probs, np.asarray(p), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(feats, np.asarray(f), rtol=1e-5, atol=1e-5)
    assert len(scorer._step._list_all_concrete_functions()) == 1  # one trace for every batch


def test_kid_with_precomputed_reference_terms_is_bit_identical():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(300, 8)), rng.normal(size=(250, 8)) + 0.1
    plain = scores.kernel_inception_distance(a, b, 7, 60, seed=3)
    terms = scores.kid_reference_terms(b, len(a), 7, 60, seed=3)
    assert scores.kernel_inception_distance(a, b, 7, 60, seed=3, reference_terms=terms) == plain
    # Hand check of one subset's within-set term against the U-statistic written out.
    ib = next(scores._kid_subsets(len(a), len(b), 7, 60, 3))[1]
    k = (b[ib] @ b[ib].T / 8 + 1) ** 3
    assert terms[0] == pytest.approx((k.sum() - np.trace(k)) / (60 * 59), rel=1e-12)
    with pytest.raises(ValueError, match="reference_terms"):
        scores.kernel_inception_distance(a, b, 6, 60, seed=3, reference_terms=terms)


def test_fid_with_precomputed_reference_statistics_is_bit_identical():
    rng = np.random.default_rng(4)
    a, b = np.maximum(rng.normal(size=(500, 24)), 0), np.maximum(rng.normal(size=(450, 24)) + 0.1, 0)
    stats = scores.gaussian_stats(b)
    assert scores.frechet_distance(a, None, stats_b=stats) == scores.frechet_distance(a, b)
    with pytest.raises(ValueError, match="dimensions"):
        scores.frechet_distance(a[:, :20], None, stats_b=stats)


def test_fid_root_on_one_blas_thread_gives_the_same_fid_and_restores_the_threads():
    from scipy import linalg

    rng = np.random.default_rng(2)
    a, b = np.maximum(rng.normal(size=(400, 48)), 0), np.maximum(rng.normal(size=(400, 48)) + 0.2, 0)
    before = [get() for _, get in scores._openblas_thread_setters()]
    fid = scores.frechet_distance(a, b)
    assert [get() for _, get in scores._openblas_thread_setters()] == before
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    direct = (np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(ca) + np.trace(cb)
              - 2 * np.trace(np.real(linalg.sqrtm(ca @ cb))))
    assert fid["eps_added"] == 0.0 and fid["fid"] == pytest.approx(direct, rel=1e-12)
