"""Image evaluation: scorers, the classifier checkpoint, stacked MNIST, evaluate_images, CLIs, plots.

Fast by construction: tiny stand-in networks, small arrays and ``tfds.testing.mock_data``. The one test
that needs the trained MNIST classifier skips when ``checkpoints/mnist_classifier/`` is absent.
"""
import json

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from eval import classifier as clf  # noqa: E402
from eval import image_metrics, image_report, plots, reference, samples, scores, third_party  # noqa: E402
from eval.inception import INCEPTION_WEIGHTS_FILE, InceptionScorer, Scorer  # noqa: E402
from zoo import stacked_mnist as sm  # noqa: E402


# ------------------------------------------------------------------------------------ helpers
def tiny_inception(side=16, classes=5):
    """A stand-in for InceptionV3: softmax head and a feature layer named ``avg_pool``."""
    x = inp = keras.Input((side, side, 3))
    init = keras.initializers.GlorotUniform
    x = keras.layers.Conv2D(4, 3, strides=2, activation="relu", kernel_initializer=init(0))(x)
    feats = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    out = keras.layers.Dense(classes, activation="softmax", kernel_initializer=init(1))(feats)
    return keras.Model(inp, out)


def constant_digit(label, n=1, rng=None, noise=0):
    """uint8 28×28 images whose value encodes the digit: (x + 1) · 4.5 = label in [-1, 1] units."""
    value = np.rint((label / 4.5) * 127.5)
    img = np.full((n, 28, 28), value)
    if noise:
        img = img + rng.integers(-noise, noise + 1, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


class OracleScorer:
    """A perfect 'classifier' for :func:`constant_digit` images (one-hot probs, 4 quadrant features)."""

    name = "oracle"

    def probs(self, images):
        x = np.asarray(images)
        label = np.clip(np.rint((x.mean(axis=(1, 2, 3)) + 1.0) * 4.5), 0, 9).astype(int)
        return np.eye(10)[label]

    def features(self, images):
        x = np.asarray(images)[..., 0]
        return np.stack([x[:, :14, :14].mean((1, 2)), x[:, 14:, :14].mean((1, 2)),
                         x[:, :14, 14:].mean((1, 2)), x[:, 14:, 14:].mean((1, 2))], 1)


@pytest.fixture
def fake_mnist(monkeypatch):
    """Replace the MNIST digit pool by constant-valued digits: train 30 per class, test 10 per class."""
    rng = np.random.default_rng(0)

    def digits(split="train"):
        per = 30 if split == "train" else 10
        labels = np.repeat(np.arange(10), per)
        return np.concatenate([constant_digit(k, per, rng, noise=2) for k in range(10)]), labels

    monkeypatch.setattr(sm, "mnist_digits", digits)
    reference.clear_caches()  # real sets and the label marginal cached from the real MNIST pool
    yield digits
    reference.clear_caches()


# -------------------------------------------------------------------------- Inception wrapper
def test_stand_in_inception_scorer_resizes_and_keeps_range():
    model = tiny_inception()
    scorer = InceptionScorer(model=model, image_size=16, batch_size=7)
    assert isinstance(scorer, Scorer)
    x = np.random.default_rng(0).uniform(-1, 1, size=(10, 28, 28, 1)).astype(np.float32)
    probs, feats = scorer.outputs(x)
    assert probs.shape == (10, 5) and feats.shape == (10, 4)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    # Grayscale is repeated to RGB and resized; values stay in [-1, 1] (Inception's own range).
    expected = keras.Model(model.inputs, model.get_layer("avg_pool").output)(
        tf.image.resize(tf.repeat(x, 3, axis=-1), (16, 16), method="bilinear"))
    np.testing.assert_allclose(feats, np.asarray(expected), rtol=1e-5, atol=1e-6)
    # The same arrays feed the metric functions.
    assert 1.0 <= scores.inception_score(scorer.probs(x), splits=2)[0] <= 5.0
    assert scores.frechet_distance(feats, feats)["fid"] == pytest.approx(0.0, abs=1e-6)


def test_inception_weights_missing_names_expected_file(monkeypatch, tmp_path):
    monkeypatch.delenv("MODE_ZOO_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=INCEPTION_WEIGHTS_FILE):
        InceptionScorer()


def test_inception_weights_with_wrong_hash_are_refused(tmp_path):
    bogus = tmp_path / INCEPTION_WEIGHTS_FILE
    bogus.write_bytes(b"not the weights")
    with pytest.raises(ValueError, match="MD5"):
        InceptionScorer(bogus)


# ----------------------------------------------------------------------------- MNIST classifier
def test_classifier_architecture_and_range_mapping():
    model = clf.build_classifier(0)
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == ["Conv2D", "Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense", "Dropout", "Dense"]
    assert model.get_layer(clf.FEATURE_LAYER).units == 128
    assert model.output_shape == (None, 10)
    np.testing.assert_allclose(clf.to_unit_range(np.array([-1.0, 0.0, 1.0])), [0.0, 0.5, 1.0])
    x = np.zeros((3, 28, 28, 1), np.float32)
    assert clf.predict_probs(model, x).shape == (3, 10)
    assert clf.features(model, x).shape == (3, 128)


def test_scorer_cache_lives_on_the_model():
    a, b = clf.build_classifier(0), clf.build_classifier(1)
    assert clf.mnist_scorer(a) is clf.mnist_scorer(a) and clf.mnist_scorer(a).model is a
    assert clf.mnist_scorer(b) is not clf.mnist_scorer(a) and clf.mnist_scorer(b).model is b
    assert clf.mnist_scorer(a, batch_size=7).batch_size == 7 and clf.mnist_scorer(a).batch_size == clf.SCORER_BATCH


def test_rewritten_classifier_checkpoint_is_loaded_again(tmp_path):
    first = clf.load_classifier(clf.save_classifier(clf.build_classifier(0), tmp_path / "clf"))
    assert clf.load_classifier(tmp_path / "clf") is first  # cached while the checkpoint is unchanged
    other = clf.build_classifier(1)
    clf.checkpoint.save(other, tmp_path / "clf")  # rewritten behind the cache's back
    x = np.random.default_rng(2).uniform(-1, 1, (3, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(clf.predict_probs(clf.load_classifier(tmp_path / "clf"), x),
                               clf.predict_probs(other, x), atol=1e-6)


def test_checkpoint_roundtrip_and_checksum_errors(tmp_path):
    model = clf.build_classifier(0)
    x = np.random.default_rng(1).uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32)
    good = clf.save_classifier(model, tmp_path / "clf", {"test_accuracy": 0.0})
    listed = (good / clf.SUMS_FILE).read_text()
    assert "model.weights.h5" in listed and "config.json" in listed and "metrics.json" in listed
    assert not list(tmp_path.glob(".*tmp"))  # the temp directory was renamed away
    np.testing.assert_allclose(clf.predict_probs(clf.load_classifier(good), x), clf.predict_probs(model, x),
                               atol=1e-6)

    corrupt = clf.save_classifier(model, tmp_path / "corrupt")
    weights = corrupt / "model.weights.h5"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF  # flip one byte
    weights.write_bytes(bytes(data))
    with pytest.raises(clf.ChecksumError, match="corrupt"):
        clf.load_classifier(corrupt)

    unsigned = clf.save_classifier(model, tmp_path / "unsigned")
    (unsigned / clf.SUMS_FILE).unlink()
    with pytest.raises(clf.ChecksumError, match="SHA256SUMS"):
        clf.load_classifier(unsigned)
    with pytest.raises(clf.ChecksumError, match="python -m eval.classifier"):
        clf.load_classifier(tmp_path / "absent")


# ---------------------------------------------------------------------------------- stacked MNIST
def test_stack_digits_channels_are_independent_draws_from_the_pool():
    pool = np.arange(20, dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8)  # digit i == value i
    labels = np.arange(20) % 10
    x, triples = sm.stack_digits(pool, labels, 500, seed=3)
    assert x.shape == (500, 28, 28, 3) and x.dtype == np.float32 and triples.shape == (500, 3)
    idx = np.rint((x[:, 0, 0, :] + 1) * 127.5).astype(int)  # recover the pool index of each channel
    np.testing.assert_array_equal(triples, labels[idx])
    assert len({tuple(r) for r in idx[:, :2]}) > 200  # channels are not tied to each other
    x2, t2 = sm.stack_digits(pool, labels, 500, seed=3)
    np.testing.assert_array_equal(x, x2)
    assert not np.array_equal(t2, sm.stack_digits(pool, labels, 500, seed=4)[1])
    # Uniform independent draws reach (almost) every one of the 1000 modes.
    assert scores.stacked_modes(sm.stack_digits(pool, labels, 20000, seed=0)[1])["modes"] >= 995


def test_stacked_mnist_through_tfds_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    sm.mnist_digits.cache_clear()
    try:
        with tfds.testing.mock_data(num_examples=30, policy=tfds.testing.MockPolicy.USE_CODE):
            x, triples = sm.stacked_mnist(12, seed=5, split="train")
            same_set = sm.stacked_mnist(12, seed=1, split="train")[1]
            stream = [next(iter(sm.stacked_mnist_dataset(4, seed=1, with_labels=True))) for _ in range(2)]
            fixed = sm.stacked_mnist_dataset(4, seed=1, num=12, with_labels=True)
        assert x.shape == (12, 28, 28, 3) and x.min() >= -1 and x.max() <= 1
        assert triples.shape == (12, 3) and triples.min() >= 0 and triples.max() <= 9
        (img_a, lab_a), (img_b, lab_b) = stream
        assert img_a.shape == (4, 28, 28, 3) and lab_a.shape == (4, 3)
        np.testing.assert_array_equal(lab_a, lab_b)  # the on-the-fly stream is reproducible
        # A fixed-size data set is a shuffle of exactly stacked_mnist(num, seed).
        fixed_triples = np.concatenate([t.numpy() for _, t in fixed.take(3)])
        assert sorted(map(tuple, fixed_triples)) == sorted(map(tuple, same_set))
    finally:
        sm.mnist_digits.cache_clear()


def test_digits_read_under_mock_data_never_reach_a_later_load():
    """Regression: a disk cache keyed by tfds' prepared files once served the random digits read under
    ``mock_data`` (while the real files sat on disk) to every later load, and the third-party count broke."""
    tfds = pytest.importorskip("tensorflow_datasets")
    sm.mnist_digits.cache_clear()
    try:
        with tfds.testing.mock_data(num_examples=30, policy=tfds.testing.MockPolicy.USE_CODE):
            mocked = sm.mnist_digits("test")[0]
        sm.mnist_digits.cache_clear()
        real_digits, real_labels = sm.mnist_digits("test")
    finally:
        sm.mnist_digits.cache_clear()
    assert len(mocked) == 30 and len(real_digits) == 10_000
    assert np.bincount(real_labels).min() > 800  # the real test split, every digit present


def test_mnist_arrays_come_back_from_the_disk_cache_and_a_corrupt_entry_is_a_miss(monkeypatch, tmp_path):
    """A new process reads the decoded split from the cache (the same arrays); an entry whose digits no
    longer match its stored sha256 is ignored and rewritten from tfds."""
    from zoo import diskcache

    monkeypatch.setenv("MODE_ZOO_CACHE", str(tmp_path))
    sm.mnist_digits.cache_clear()
    try:
        digits, labels = sm.mnist_digits("test")  # decoded through tfds, then stored
        key = sm._prepared_key("test")
        assert key is not None and diskcache.load("mnist-arrays", key) is not None
        sm.mnist_digits.cache_clear()
        again = sm.mnist_digits("test")  # served from the disk
        np.testing.assert_array_equal(again[0], digits)
        np.testing.assert_array_equal(again[1], labels)
        entry = diskcache.load("mnist-arrays", key)
        bad = entry["digits"].copy()
        bad[0, 0, 0] ^= 1
        diskcache.save("mnist-arrays", key, {**entry, "digits": bad})  # corrupt digits, stale sha256
        sm.mnist_digits.cache_clear()
        np.testing.assert_array_equal(sm.mnist_digits("test")[0], digits)
        np.testing.assert_array_equal(diskcache.load("mnist-arrays", key)["digits"], digits)  # rewritten
    finally:
        sm.mnist_digits.cache_clear()


def test_the_disk_cache_is_not_served_under_mock_data(monkeypatch, tmp_path):
    """With the real split in the cache, ``mock_data`` still yields its own random digits (and keeps no key)."""
    tfds = pytest.importorskip("tensorflow_datasets")
    monkeypatch.setenv("MODE_ZOO_CACHE", str(tmp_path))
    sm.mnist_digits.cache_clear()
    try:
        assert len(sm.mnist_digits("test")[0]) == 10_000
        sm.mnist_digits.cache_clear()
        with tfds.testing.mock_data(num_examples=30, policy=tfds.testing.MockPolicy.USE_CODE):
            assert sm._prepared_key("test") is None
            assert len(sm.mnist_digits("test")[0]) == 30
    finally:
        sm.mnist_digits.cache_clear()
    assert sm._prepared_key("test") is not None


# -------------------------------------------------------------------------------- evaluate_images
def test_evaluate_images_collapsed_mnist_hand_values(fake_mnist):
    samples = constant_digit(3, 100).astype(np.float32)[..., None] / 127.5 - 1.0
    out = image_metrics.evaluate_images(samples, "mnist", classifier=OracleScorer(), kid_subsets=3)
    assert out["n"] == 100 and out["digits_covered"] == 1 and out["class_histogram"][3] == 100
    assert out["class_kl"] == pytest.approx(np.log(10))
    assert out["inception_score"]["mean"] == pytest.approx(1.0)
    # p* = onehot(3): MODE = exp(0 − KL(p* ‖ p_train)) = p_train(3) = 1/10 for the balanced fake pool.
    assert out["mode_score"] == pytest.approx(0.1)
    assert out["precision"] > 0 and out["recall"] < 0.2 and out["coverage"] < 0.2
    floor = out["floor"]
    assert floor["n"] == 100 and floor["digits_covered"] == 10 and floor["digit_accuracy"] == 1.0
    assert floor["inception_score"]["mean"] > 5 and floor["mode_score"] == pytest.approx(10.0, rel=0.05)
    assert floor["fid"]["fid"] < out["fid"]["fid"] and floor["recall"] > out["recall"]
    json.dumps(out)  # JSON-ready


def test_evaluate_images_stacked_collapse_and_real_reference(fake_mnist):
    one = np.stack([constant_digit(d, 60) for d in (3, 1, 4)], -1).astype(np.float32) / 127.5 - 1.0
    out = image_metrics.evaluate_images(one, classifier=OracleScorer(), kid_subsets=3)
    assert out["dataset"] == "stacked_mnist"
    assert out["modes"] == 1 and out["modes_kl"] == pytest.approx(np.log(1000))
    assert out["digits_covered"] == 3 and out["inception_score"]["mean"] == pytest.approx(1.0)
    assert out["floor"]["modes"] > 40 and out["floor"]["digit_accuracy"] == 1.0
    real, _ = reference.real_images("stacked_mnist", "train", 60, seed=9)
    given = image_metrics.evaluate_images(one, "stacked_mnist", classifier=OracleScorer(), real=real,
                                          floor=False, kid_subsets=3)
    assert given["reference"]["source"] == "given" and "floor" not in given


def test_evaluate_checkpoint_images_samples_the_model(fake_mnist):
    class Model:
        def sample(self, n, seed=None):
            return constant_digit(7, n).astype(np.float32)[..., None] / 127.5 - 1.0

    out = image_report.evaluate_checkpoint_images(Model(), "mnist", num_samples=50, seed=1,
                                                  classifier=OracleScorer(), kid_subsets=2)
    assert out["n"] == 50 and out["digits_covered"] == 1 and out["sample_seed"] == 1
    assert out["scalars"]["digits_covered"].startswith("1 (real: 10")
    skipped = image_report.evaluate_checkpoint_images(Model(), "cifar10")
    assert "no evaluation classifier" in skipped["skipped"]


def test_checkpoint_report_counts_the_missing_digits_with_a_third_party_discriminator(fake_mnist):
    # The model only draws 7s, so the 90 test images of the nine other digits are missing modes and the
    # 10 test 7s are not; the report carries both readings of the count for every σ.
    class Model:
        def sample(self, n, seed=None):
            return constant_digit(7, n).astype(np.float32)[..., None] / 127.5 - 1.0

    out = image_report.evaluate_checkpoint_images(Model(), "mnist", num_samples=300, classifier=OracleScorer(),
                                                  kid_subsets=2, third_party={"sigmas": (0.05,), "steps": 400,
                                                                               "base": 8, "learning_rate": 2e-3})
    tp = out["third_party"]
    assert tp["n_test"] == 100 and [r["sigma"] for r in tp["results"]] == [0.05]
    counts, literal = tp["results"][0]["counts"], tp["results"][0]["counts_p_generated"]
    assert counts["0.5"] == 90 and literal["0.5"] == 10
    assert "90 / " in out["scalars"]["missing (σ=0.05; t=0.5/0.8/0.9/0.99)"]


def test_classified_real_sets_are_cached_per_live_scorer(fake_mnist):
    import gc

    scorer = OracleScorer()
    first = reference.classified_real(scorer, "mnist", "test", 20, 0)
    assert reference.classified_real(scorer, "mnist", "test", 20, 0) is first
    assert reference.classified_real(OracleScorer(), "mnist", "test", 20, 0) is not first
    del scorer
    gc.collect()
    assert len(reference._REAL_SETS) == 0  # nothing outlives its scorer, so nothing can be handed on


def test_check_images_rejects_bad_inputs():
    with pytest.raises(samples.SampleError, match=r"\[-1, 1\]"):
        samples.check_images(np.full((4, 28, 28, 1), 255.0))
    with pytest.raises(samples.SampleError, match="shape"):
        samples.check_images(np.zeros((4, 32, 32, 1)), "mnist")
    with pytest.raises(samples.SampleError, match="NaN"):
        samples.check_images(np.full((4, 28, 28, 3), np.nan))
    assert samples.check_images(np.zeros((4, 28, 28))).shape == (4, 28, 28, 1)


# ------------------------------------------------------------------------ third-party discriminator
def test_third_party_discriminator_finds_the_missing_mode():
    # Real data has two modes (black, white); the "generator" only makes black images, so the white
    # test images lie in a missing mode: P(real | white) -> 1, P(real | black) -> 1/3.
    rng = np.random.default_rng(0)
    black, white = -np.ones((64, 28, 28, 1), np.float32), np.ones((64, 28, 28, 1), np.float32)
    real_train = np.concatenate([black, white])
    test = np.concatenate([black[:20], white[:20]])
    out = third_party.third_party_missing_modes(real_train, black + 0.01 * rng.normal(size=black.shape), test,
                                                sigmas=(0.5,), steps=60, base=8, learning_rate=2e-3)
    counts = out["results"][0]["counts"]
    assert out["n_test"] == 40 and counts["0.5"] == 20
    assert counts["0.5"] >= counts["0.9"] >= counts["0.99"]


# ------------------------------------------------------------------------------------------ CLIs
def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    from eval import inception_score, mode_score

    missing = tmp_path / "missing.npy"
    assert inception_score.main(["--samples", str(missing)]) == 2
    err = capsys.readouterr().err.strip()
    assert "not found" in err and len(err.splitlines()) == 1
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((5, 32, 32, 1), np.float32))
    assert mode_score.main(["--samples", str(wrong)]) == 2
    assert "shape" in capsys.readouterr().err
    many = tmp_path / "many.npz"
    np.savez(many, a=np.zeros(3), b=np.zeros(3))
    assert inception_score.main(["--samples", str(many)]) == 2
    assert "samples" in capsys.readouterr().err
    assert mode_score.main(["--checkpoint", "no_such_model_xyz", "--num", "10"]) == 2
    assert "no_such_model_xyz" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ plots
def test_plots_write_png(tmp_path):
    grid = plots.plot_grid(np.random.default_rng(0).uniform(-1, 1, (10, 28, 28, 3)), tmp_path / "g.png")
    hist = plots.plot_histogram([5, 3, 0, 2], tmp_path / "h.png", title="classes")
    for path in (grid, hist):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------- trained classifier
@pytest.mark.skipif(not (clf.DEFAULT_DIR / clf.SUMS_FILE).is_file(), reason="trained classifier absent: "
                    "run `python -m eval.classifier --out checkpoints/mnist_classifier`")
def test_trained_classifier_on_real_test_digits(tmp_path, capsys):
    from eval import inception_score

    x, y = clf.load_mnist_arrays("test")
    x, y = x[:2000], y[:2000]
    probs = clf.predict_probs(clf.load_classifier(), x)
    assert np.mean(probs.argmax(1) == y) >= 0.99
    assert scores.inception_score(probs)[0] >= 9.5
    path = tmp_path / "real.npy"
    np.save(path, x)
    capsys.readouterr()  # drop what loading MNIST may have printed (tfds prepares it on first use)
    assert inception_score.main(["--samples", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["inception_score"]["n"] == 2000 and result["inception_score"]["mean"] >= 9.5
