"""Image-sample evaluation for MNIST and stacked MNIST (PROTOCOLS §3, §4, §7 items 3, 10–12).

:func:`evaluate_images` turns generated samples in [-1, 1] into every number the papers report, always
with N beside it and with the same metrics on **real test data of the same N** as the floor
(PROTOCOLS §7 item 12). :func:`third_party_missing_modes` is Che et al.'s third-party discriminator
count (PROTOCOLS §4). :func:`plot_grid` and :func:`plot_histogram` draw figures (via ``eval.plots``).

Conventions shared by every function here:

* samples are ``[N, 28, 28, 1]`` (MNIST) or ``[N, 28, 28, 3]`` (stacked MNIST) float arrays in
  [-1, 1], the generators' tanh range; the classifier rescales to its own [0, 1] input range;
* stacked MNIST is classified one channel at a time (PROTOCOLS §3); the triple of argmax digits is the
  mode, the joint class distribution of a sample is the product of its three channel distributions
  (1000 classes), and its features are the three channel feature vectors concatenated (3 × 128);
* the **reference** real set for FID/KID/precision-recall/density-coverage is N images from the
  training split (drawn with ``seed``) unless ``real`` is given; the **floor** is N images from the
  test split scored against that same reference.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from eval import scores

__all__ = [
    "DATASETS", "SampleError", "load_samples", "check_images", "infer_dataset", "as_scorer",
    "classify", "train_marginal", "real_images", "image_metrics", "evaluate_images", "DEFAULT_NUM_SAMPLES",
    "evaluate_checkpoint_images", "third_party_missing_modes", "plot_grid", "plot_histogram",
]

DATASETS = ("mnist", "stacked_mnist")
_CHANNELS = {"mnist": 1, "stacked_mnist": 3}


class SampleError(ValueError):
    """Samples are missing, unreadable, or have the wrong shape or range; the message says which."""


# ----------------------------------------------------------------------------------------- inputs
def load_samples(path: str | os.PathLike, key: str | None = None) -> np.ndarray:
    """Read samples from ``.npy`` or ``.npz`` (``key``, else ``samples``, else its only array)."""
    path = Path(path)
    if not path.is_file():
        raise SampleError(f"samples file not found: {path}")
    if path.suffix not in (".npy", ".npz"):
        raise SampleError(f"samples must be a .npy or .npz file, got {path.name}")
    try:
        data = np.load(path, allow_pickle=False)  # never unpickle: sample files are untrusted input
    except Exception as err:  # numpy raises ValueError/OSError/zipfile errors for bad files
        raise SampleError(f"cannot read {path}: {err}") from None
    if isinstance(data, np.ndarray):
        return data
    with data:
        names = list(data.keys())
        name = key or ("samples" if "samples" in names else (names[0] if len(names) == 1 else None))
        if name not in names:
            raise SampleError(f"{path} holds arrays {names}; expected one named "
                              f"{key or 'samples'!r} (or a single array)")
        return data[name]


def infer_dataset(images) -> str:
    """``mnist`` for one channel, ``stacked_mnist`` for three (28×28 images)."""
    shape = np.shape(images)
    if len(shape) == 3 or (len(shape) == 4 and shape[-1] == 1):
        return "mnist"
    if len(shape) == 4 and shape[-1] == 3:
        return "stacked_mnist"
    raise SampleError(f"cannot tell the data set from sample shape {shape}; expected [N,28,28,1] or [N,28,28,3]")


def check_images(samples, dataset: str | None = None, min_n: int = 1) -> np.ndarray:
    """Validate samples and return them as float32 ``[N, H, W, C]`` in [-1, 1].

    ``dataset`` is ``"mnist"`` (``[N,28,28,1]``; ``[N,28,28]`` is accepted), ``"stacked_mnist"``
    (``[N,28,28,3]``), ``None`` (one of those two, from the channel count) or ``"any"`` (any size, 1 or 3
    channels; for the Inception network). Rejects (``SampleError``): wrong rank or size, fewer than
    ``min_n`` samples, non-finite values, and values outside [-1, 1] (beyond a 1e-3 tolerance) — the
    usual sign of images saved in [0, 255] or [0, 1], which would silently distort every score.
    """
    x = np.asarray(samples)
    if x.dtype.kind not in "fiu":
        raise SampleError(f"samples must be numeric, got dtype {x.dtype}")
    if x.ndim == 3:
        x = x[..., None]
    if dataset == "any":
        if x.ndim != 4 or x.shape[-1] not in (1, 3) or min(x.shape[1:3]) < 1:
            raise SampleError(f"samples must have shape [N, H, W, 1 or 3], got {list(x.shape)}")
    else:
        dataset = dataset or infer_dataset(x)
        if dataset not in DATASETS:
            raise SampleError(f"unknown image data set {dataset!r}; known: {', '.join(DATASETS)}")
        want = (28, 28, _CHANNELS[dataset])
        if x.ndim != 4 or tuple(x.shape[1:]) != want:
            raise SampleError(f"{dataset} samples must have shape [N, {', '.join(map(str, want))}], "
                              f"got {list(x.shape)}")
    if len(x) < min_n:
        raise SampleError(f"need at least {min_n} samples, got {len(x)}")
    x = x.astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise SampleError("samples contain NaN or infinite values")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1.001 or hi > 1.001:
        raise SampleError(f"samples must be generator outputs in [-1, 1], got range [{lo:.3g}, {hi:.3g}]")
    return np.clip(x, -1.0, 1.0)


# ------------------------------------------------------------------------------------- classifier
def as_scorer(classifier=None):
    """A :class:`eval.inception.Scorer` from ``None`` (the trained MNIST CNN), a Keras model or a scorer."""
    from eval.classifier import mnist_scorer

    if hasattr(classifier, "probs") and hasattr(classifier, "features"):
        return classifier
    return mnist_scorer(classifier)


def _outputs(scorer, images):
    if hasattr(scorer, "outputs"):
        return scorer.outputs(images)
    return scorer.probs(images), scorer.features(images)


def classify(scorer, images, dataset: str) -> dict:
    """Run ``scorer`` on checked images; stacked MNIST is classified channel by channel.

    Returns ``{"probs": [N, K], "features": [N, D], "digits": [N] or [N, 3]}`` where for stacked MNIST
    K = 1000 (product of the channel distributions, index d0·100 + d1·10 + d2, matching
    :func:`eval.scores.stacked_codes`) and D = 3 × the channel feature size.
    """
    if dataset == "mnist":
        probs, feats = _outputs(scorer, images)
        return {"probs": probs, "features": feats, "digits": probs.argmax(1)}
    n = len(images)
    # [N, 28, 28, 3] -> [3N, 28, 28, 1], channel-major so each channel is one contiguous slice.
    per_channel = np.moveaxis(images, -1, 0).reshape(3 * n, 28, 28, 1)
    probs, feats = _outputs(scorer, per_channel)
    probs = probs.reshape(3, n, -1)
    joint = np.einsum("ni,nj,nk->nijk", probs[0], probs[1], probs[2]).reshape(n, -1)
    feats = np.concatenate(list(feats.reshape(3, n, -1)), axis=1)
    return {"probs": joint, "features": feats, "digits": probs.argmax(2).T}


_MARGINALS: dict[str, np.ndarray] = {}


def train_marginal(dataset: str) -> np.ndarray:
    """Training-label distribution p_train(y) for the MODE score (PROTOCOLS §4, §7 item 6).

    MNIST: the 10 train-label frequencies. Stacked MNIST: the channels are independent uniform draws
    from the training digits, so p_train(d0, d1, d2) = p(d0) p(d1) p(d2) exactly (1000 entries).
    """
    if "mnist" not in _MARGINALS:
        from zoo.stacked_mnist import mnist_digits

        _MARGINALS["mnist"] = scores.class_marginal(mnist_digits("train")[1], 10)
    p = _MARGINALS["mnist"]
    if dataset == "mnist":
        return p
    if dataset == "stacked_mnist":
        return np.einsum("i,j,k->ijk", p, p, p).ravel()
    raise SampleError(f"unknown image data set {dataset!r}")


def real_images(dataset: str, split: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` real images in [-1, 1] and their true digits from ``split`` (reproducible for ``seed``).

    MNIST draws without replacement while ``n`` ≤ the split size and with replacement beyond it;
    stacked MNIST uses :func:`zoo.stacked_mnist.stacked_mnist` (with replacement by construction).
    """
    from zoo.stacked_mnist import mnist_digits, stacked_mnist

    if dataset == "stacked_mnist":
        return stacked_mnist(n, seed, split)
    if dataset != "mnist":
        raise SampleError(f"unknown image data set {dataset!r}")
    digits, labels = mnist_digits(split)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(digits), n, replace=n > len(digits))
    return (digits[idx].astype(np.float32) / 127.5 - 1.0)[..., None], labels[idx]


# ---------------------------------------------------------------------------------------- metrics
def image_metrics(out: dict, reference: dict, dataset: str, *, splits: int = 10, kid_subsets: int = 100,
                  kid_subset_size: int = 1000, seed: int = 0) -> dict:
    """All scores for one classified set ``out`` against a classified reference set (see :func:`classify`).

    ``reference`` may carry ``"radii"`` (k-NN radii of its features, reused across calls).
    """
    n = len(out["probs"])
    digits = np.asarray(out["digits"])
    balance = scores.class_balance(digits.ravel(), 10)
    is_mean, is_std = scores.inception_score(out["probs"], splits=min(splits, n))
    result = {
        "n": n,
        "digits_covered": balance["covered"],
        "class_histogram": balance["histogram"],
        "class_kl": balance["kl_to_uniform"],
        "inception_score": {"mean": is_mean, "std": is_std, "n": n, "splits": min(splits, n)},
        "mode_score": scores.mode_score(out["probs"], train_marginal(dataset)),
        "fid": scores.frechet_distance(out["features"], reference["features"]),
        "kid": scores.kernel_inception_distance(out["features"], reference["features"], kid_subsets,
                                                kid_subset_size, seed=seed),
    }
    if "radii" not in reference:
        reference["radii"] = scores.kth_nn_radii(reference["features"], [3, 5])
    result.update(scores.prdc(reference["features"], out["features"], 3, 5, real_radii=reference["radii"]))
    if dataset == "stacked_mnist":
        stacked = scores.stacked_modes(digits)
        result.update({"modes": stacked["modes"], "modes_kl": stacked["kl"]})
    return result


_REAL_CACHE: dict[tuple, dict] = {}


def _classified_real(scorer, dataset, split, n, seed):
    # Real sets are deterministic given (scorer, data set, split, N, seed): classify them once per process.
    key = (id(scorer), dataset, split, n, seed)
    entry = _REAL_CACHE.get(key)
    if entry is None or entry["scorer"] is not scorer:
        if len(_REAL_CACHE) >= 8:
            _REAL_CACHE.pop(next(iter(_REAL_CACHE)))
        images, true_digits = real_images(dataset, split, n, seed)
        entry = dict(classify(scorer, images, dataset), true_digits=true_digits, scorer=scorer)
        _REAL_CACHE[key] = entry
    return entry


def evaluate_images(samples, dataset: str | None = None, *, classifier=None, seed: int = 0, real=None,
                    floor: bool = True, splits: int = 10, kid_subsets: int = 100,
                    kid_subset_size: int = 1000) -> dict:
    """Every sample-quality and mode-coverage score for MNIST / stacked-MNIST samples in [-1, 1].

    Args:
        samples: ``[N, 28, 28, 1]`` or ``[N, 28, 28, 3]`` generator outputs in [-1, 1].
        dataset: ``"mnist"`` or ``"stacked_mnist"`` (inferred from the channel count if ``None``).
        classifier: ``None`` (the trained checkpoint, :func:`eval.classifier.load_classifier`), a Keras
            model, or any :class:`eval.inception.Scorer`.
        seed: seeds the real reference/floor draws and KID's subsets.
        real: optional real reference images in [-1, 1]; default N training images.
        floor: also score N real **test** images against the same reference (PROTOCOLS §7 item 12).
        splits, kid_subsets, kid_subset_size: Inception-score splits (10) and KID subsets (100 × 1000).

    Returns:
        A JSON-serialisable dict: ``n``, ``digits_covered``, ``class_histogram``, ``class_kl``,
        ``inception_score`` {mean, std, n, splits}, ``mode_score``, ``fid`` {fid, eps_added, ...},
        ``kid`` {kid, kid_std, ...}, ``precision``, ``recall``, ``density``, ``coverage`` (k 3 / 5),
        for stacked MNIST ``modes`` and ``modes_kl``; ``reference`` (what FID etc. compare with) and
        ``floor`` (the same metrics on real test data of the same N, plus how accurately the classifier
        labels it: ``digit_accuracy``).
    """
    x = check_images(samples, dataset, min_n=max(2, splits))
    dataset = dataset or infer_dataset(x)
    scorer = as_scorer(classifier)
    n = len(x)
    if real is None:
        reference = _classified_real(scorer, dataset, "train", n, seed)
        ref_info = {"source": f"{dataset} train split", "n": n, "seed": seed}
    else:
        ref_images = check_images(real, dataset, min_n=6)
        reference = classify(scorer, ref_images, dataset)
        ref_info = {"source": "given", "n": len(ref_images)}
    kwargs = dict(splits=splits, kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, seed=seed)
    result = {"dataset": dataset, "classifier": getattr(scorer, "name", type(scorer).__name__)}
    result.update(image_metrics(classify(scorer, x, dataset), reference, dataset, **kwargs))
    result["reference"] = ref_info
    if floor:
        # A different seed from the reference draw, so the floor never shares images with it by design.
        test = _classified_real(scorer, dataset, "test", n, seed + 1)
        key = tuple(sorted(kwargs.items()))
        cached = test.get("floor", {}).get(key) if real is None else None
        if cached is None:
            cached = image_metrics(test, reference, dataset, **kwargs)
            cached["digit_accuracy"] = float(np.mean(np.asarray(test["digits"]) == test["true_digits"]))
            cached["source"] = f"{dataset} test split"
            if real is None:  # the default reference is cached too, so the floor is reusable
                test.setdefault("floor", {})[key] = cached
        result["floor"] = cached
    return result


# Sample sizes of the protocols (PROTOCOLS §3: VEEGAN 26,000 stacked samples; MNIST: its 10,000 test size).
DEFAULT_NUM_SAMPLES = {"mnist": 10_000, "stacked_mnist": 26_000}


def evaluate_checkpoint_images(model, dataset: str, num_samples: int | None = None, seed: int = 0,
                               classifier=None, third_party: bool | dict = False, **kwargs) -> dict:
    """Sample a zoo model and run :func:`evaluate_images` on it (used by ``train.run``/``eval.missing_modes``).

    ``num_samples`` defaults to the protocol N of the data set (:data:`DEFAULT_NUM_SAMPLES`). Adds
    ``scalars``, a flat dict of the headline numbers with their real-data floors, for tables. Data sets
    without an offline classifier, or a missing MNIST classifier checkpoint, give a result with a
    ``skipped`` reason instead of raising (so a finished training run still writes its metrics).

    ``third_party`` (True or a dict of :func:`third_party_missing_modes` keyword arguments) also trains
    the third-party discriminator between N training images and the same N samples and counts the
    test split's missing-mode images (``result["third_party"]``, σ/threshold counts in ``scalars``).
    """
    from eval.classifier import ChecksumError

    if dataset not in DATASETS:
        return {"dataset": dataset, "n": 0, "skipped": f"no evaluation classifier for {dataset!r} "
                f"(supported: {', '.join(DATASETS)})", "scalars": {}}
    n = int(num_samples or DEFAULT_NUM_SAMPLES[dataset])
    try:
        scorer = as_scorer(classifier)
    except ChecksumError as err:
        return {"dataset": dataset, "n": 0, "skipped": str(err), "scalars": {}}
    fake = model.sample(n, seed=seed)
    result = evaluate_images(fake, dataset, classifier=scorer, seed=seed, **kwargs)
    result["sample_seed"] = seed
    keys = ["digits_covered", "class_kl", "mode_score", "precision", "recall", "density", "coverage", "modes",
            "modes_kl"]

    def headline(r):
        return {"inception_score": r["inception_score"]["mean"], "fid": r["fid"]["fid"],
                **{k: r[k] for k in keys if k in r}}

    mine, real = headline(result), (headline(result["floor"]) if "floor" in result else {})
    scalars = {k: f"{v:.4g}" + (f" (real: {real[k]:.4g})" if k in real else "") for k, v in mine.items()}
    if third_party:
        options = dict(third_party) if isinstance(third_party, dict) else {}
        options.setdefault("seed", seed)
        # MNIST: the whole test split (each image once); stacked MNIST: 10,000 stacked test images.
        from zoo.stacked_mnist import mnist_digits

        test_n = len(mnist_digits("test")[1]) if dataset == "mnist" else THIRD_PARTY_STACKED_TEST_SIZE
        result["third_party"] = third_party_missing_modes(
            real_images(dataset, "train", n, seed)[0], fake,
            real_images(dataset, "test", test_n, seed + 1)[0], **options)
        for r in result["third_party"]["results"]:
            counts = " / ".join(f"{c}" for c in r["counts"].values())
            scalars[f"missing (σ={r['sigma']:g}; t={'/'.join(r['counts'])})"] = \
                f"{counts} of {result['third_party']['n_test']} test images"
    result["scalars"] = scalars
    return result


#: Stacked test images the third-party discriminator is evaluated on (as many as MNIST's test split).
THIRD_PARTY_STACKED_TEST_SIZE = 10_000


# --------------------------------------------------------------------- third-party discriminator
def third_party_missing_modes(real_train, fake, real_test, sigmas=(3.5, 4.0), thresholds=(0.5, 0.9, 0.99),
                              steps: int = 2000, seed: int = 0, batch_size: int = 64, base: int = 32,
                              learning_rate: float = 2e-4) -> dict:
    """Count real test images in "missing modes" with a fresh third-party discriminator (Che et al. 2017).

    Slides 004 / MRGAN Sec. 4 (PROTOCOLS §4): a new D* is trained to separate real from generated data
    and is never used to train G. Zero-mean Gaussian noise of std σ is added to D*'s inputs during
    training so it cannot separate the two sets perfectly. D* is then applied to the real **test** set;
    test images that D* is confident are *real* lie where the generator puts (almost) no mass — missing
    modes — and their number is reported.

    **Direction of the test (read this).** As the protocol asks, D*'s sigmoid output is
    P(generated | x), trained with label 1 = generated, so D* ≈ p_g / (p_g + p_d). The source says a
    test image with D*(t) "close to 1" is in a missing mode; with D* = P(generated) that is backwards:
    at a missing mode p_g(t) ≈ 0, so D*(t) ≈ 0. (The source's "close to 1" matches Goodfellow's
    convention D = P(real) = p_d / (p_d + p_g); its formula has the densities swapped.) We therefore
    count test images with **P(real | t) = 1 − D*(t) > threshold**, which is "D(t) close to 1" in the
    P(real) convention. ``mean_p_generated`` is reported as well, and so are the counts of the literal
    reading, P(generated | t) > threshold (``counts_p_generated``), so both readings can be compared.

    Choices the paper leaves open ([AMBIG] in PROTOCOLS §4), fixed here:

    * **Image scaling**: inputs in [-1, 1] (the generator range), so σ = 3.5 / 4.0 are in those units.
    * **Architecture**: ``zoo.networks.dcgan_discriminator(image_shape, base)``: stride-2 5×5 convs
      (``base``, 2·``base`` channels for 28×28), leaky ReLU 0.2, no batch norm, one linear logit;
      P(generated) = sigmoid(logit). ``base`` = 32 by default (a small D for MNIST-sized images).
    * **Training**: ``steps`` Adam steps (lr 2e-4, β1 0.5, the DCGAN setting), each on a balanced batch
      of ``batch_size``/2 real (from ``real_train``) and ``batch_size``/2 generated images drawn with
      replacement, binary cross-entropy with label 1 = generated. A fixed step budget stands in for
      "trained to convergence"; the final training loss and accuracy are reported to judge it. Balanced
      batches make the prior odds 1:1 whatever the set sizes.
    * **Noise**: a fresh N(0, σ²) draw per pixel per step, during training only; D* is evaluated on
      the clean test images (noise as a training regulariser, as in instance noise).
    * **Thresholds**: a test image counts when 1 − P(generated) > threshold (strict), for each of
      ``thresholds`` (PROTOCOLS [REC]: headline 0.99, curve over {0.5, 0.9, 0.99}).
    * **Seeds**: one fresh D* per σ, each initialised and trained from ``seed`` (Keras global seed and
      numpy batches/noise), so the σ values differ only in the noise level.

    Args:
        real_train, fake, real_test: image arrays ``[N, H, W, C]`` in [-1, 1].

    Returns:
        ``{"n_test", "criterion", "settings", "results": [{"sigma", "counts": {threshold: count},
        "counts_p_generated": {threshold: count}, "mean_p_generated", "train_loss", "train_accuracy"}]}``
        (thresholds as strings, JSON-ready).
    """
    import keras
    import tensorflow as tf

    from zoo.networks import dcgan_discriminator

    real_train = np.asarray(real_train, np.float32)
    fake = np.asarray(fake, np.float32)
    real_test = np.asarray(real_test, np.float32)
    shapes = {real_train.shape[1:], fake.shape[1:], real_test.shape[1:]}
    if len(shapes) != 1 or real_train.ndim != 4:
        raise SampleError(f"real_train, fake and real_test must share one [H, W, C] shape, got {shapes}")
    half = batch_size // 2
    results = []
    for sigma in sigmas:
        keras.utils.set_random_seed(seed)
        rng = np.random.default_rng(seed)
        disc = dcgan_discriminator(real_train.shape[1:], base=base, name="third_party_d")
        opt = keras.optimizers.Adam(learning_rate, beta_1=0.5)
        labels = tf.constant(np.r_[np.zeros(half), np.ones(half)][:, None], tf.float32)

        @tf.function
        def train_step(x):
            with tf.GradientTape() as tape:
                logits = disc(x, training=True)
                loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, logits))
            opt.apply_gradients(zip(tape.gradient(loss, disc.trainable_variables), disc.trainable_variables))
            acc = tf.reduce_mean(tf.cast(tf.equal(tf.cast(logits > 0, tf.float32), labels), tf.float32))
            return loss, acc

        losses, accs = [], []
        for _ in range(int(steps)):
            x = np.concatenate([real_train[rng.integers(0, len(real_train), half)],
                                fake[rng.integers(0, len(fake), half)]])
            x = x + rng.normal(0.0, sigma, size=x.shape).astype(np.float32)
            loss, acc = train_step(tf.constant(x))
            losses.append(float(loss))
            accs.append(float(acc))
        p_gen = np.concatenate([tf.sigmoid(disc(real_test[i:i + 1000], training=False)).numpy().ravel()
                                for i in range(0, len(real_test), 1000)])
        tail = max(1, min(100, len(losses)))  # average the last steps: single-batch values are noisy
        results.append({
            "sigma": float(sigma),
            "counts": {str(t): int(np.sum(1.0 - p_gen > t)) for t in thresholds},
            # The source's words taken literally (D*(t) = P(generated | t) above t), for comparison.
            "counts_p_generated": {str(t): int(np.sum(p_gen > t)) for t in thresholds},
            "mean_p_generated": float(p_gen.mean()),
            "train_loss": float(np.mean(losses[-tail:])),
            "train_accuracy": float(np.mean(accs[-tail:])),
        })
    return {"n_test": int(len(real_test)), "criterion": "1 - P(generated | t) > threshold",
            "results": results,
            "settings": {"steps": int(steps), "batch_size": int(batch_size), "base": int(base),
                         "learning_rate": learning_rate, "seed": int(seed), "input_range": "[-1, 1]",
                         "noise": "training only"}}


# ------------------------------------------------------------------------------------------ plots
def plot_grid(samples, path: str | os.PathLike, ncols: int = 10, max_images: int = 100,
              title: str = "") -> Path:
    """Save a grid of the first ``max_images`` images in [-1, 1] (``[N, H, W, 1|3]``) as a PNG.

    Validates the input, then draws with :func:`eval.plots.plot_image_grid` (Agg backend, atomic save):
    one-channel images in grayscale, stacked MNIST with its three digits as RGB channels.
    """
    from eval.plots import plot_image_grid

    x = np.asarray(samples, np.float32)[:max_images]
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in (1, 3) or len(x) == 0:
        raise SampleError(f"plot_grid needs [N, H, W, 1|3] images, got shape {x.shape}")
    return plot_image_grid(x, path, cols=min(ncols, len(x)), title=title)


def plot_histogram(hist, path: str | os.PathLike, title: str = "", xlabel: str = "class") -> Path:
    """Save a bar chart of class counts (e.g. ``evaluate_images(...)["class_histogram"]``) as a PNG.

    A dashed line marks the uniform count, the reference every mode-coverage KL compares with.
    """
    from eval.plots import plt, save_figure

    counts = np.asarray(hist, np.float64).ravel()
    if counts.size == 0:
        raise ValueError("empty histogram")
    fig, ax = plt.subplots(figsize=(6 if counts.size <= 20 else 10, 3))
    ax.bar(np.arange(counts.size), counts, width=0.8 if counts.size <= 20 else 1.0)
    ax.axhline(counts.sum() / counts.size, color="k", ls="--", lw=1, label="uniform")
    if counts.size <= 20:
        ax.set_xticks(np.arange(counts.size))
    ax.set(xlabel=xlabel, ylabel="count", title=title)
    ax.legend(loc="upper right")
    return save_figure(fig, path)
