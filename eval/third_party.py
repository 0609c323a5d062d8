"""The third-party-discriminator count of missing modes (Che et al. 2017, arXiv:1612.02136, Sec. 4).

A fresh discriminator D*, never used to train the generator, learns to tell real from generated images
with Gaussian noise on its inputs; real test images it is confident are real lie where the generator
puts (almost) no mass: missing modes. See :func:`third_party_missing_modes`, the validation on
generators with known missing classes (:func:`validate_removed_classes`) and
docs/evaluation.md#third-party-discriminator.
"""
from __future__ import annotations

import numpy as np

from eval.samples import SampleError

__all__ = ["third_party_missing_modes", "validate_removed_classes", "removed_class_sampler", "DEFAULT_SIGMAS",
           "PAPER_SIGMAS", "DEFAULT_THRESHOLDS", "HEADLINE_THRESHOLD", "DEFAULT_STEPS", "DEFAULT_BASE",
           "DEFAULT_LEARNING_RATE"]

from eval.defaults import THIRD_PARTY_BASE as DEFAULT_BASE  # noqa: E402 - the protocol's defaults live there
from eval.defaults import THIRD_PARTY_LEARNING_RATE as DEFAULT_LEARNING_RATE  # noqa: E402
from eval.defaults import THIRD_PARTY_SIGMAS as DEFAULT_SIGMAS  # noqa: E402
from eval.defaults import THIRD_PARTY_STEPS as DEFAULT_STEPS  # noqa: E402
from eval.defaults import THIRD_PARTY_THRESHOLDS as DEFAULT_THRESHOLDS  # noqa: E402

#: Che et al.'s σ (CelebA, Table 3), kept for comparison (``--sigmas 3.5 4.0``); on [-1, 1] MNIST they
#: leave D* almost never confident (docs/evaluation.md#third-party-discriminator). DEFAULT_SIGMAS (0.5, a
#: quarter of the data range) is the validated one; D* trains DEFAULT_STEPS Adam steps of 32 real + 32
#: generated images with a DCGAN discriminator of DEFAULT_BASE channels (all in eval.defaults).
PAPER_SIGMAS = (3.5, 4.0)
#: The validated threshold on P(real | t) among DEFAULT_THRESHOLDS.
HEADLINE_THRESHOLD = 0.8


def third_party_missing_modes(real_train, fake, real_test, sigmas=DEFAULT_SIGMAS, thresholds=DEFAULT_THRESHOLDS,
                              steps: int = DEFAULT_STEPS, seed: int = 0, batch_size: int = 64,
                              base: int = DEFAULT_BASE, learning_rate: float = DEFAULT_LEARNING_RATE,
                              return_scores: bool = False) -> dict:
    """Count real test images in "missing modes" with a fresh third-party discriminator (Che et al. 2017).

    MRGAN (Che et al. 2017, arXiv:1612.02136), Sec. 4: a new D* is trained to separate real from
    generated data and is never used to train G. Zero-mean Gaussian noise of std σ is added to D*'s
    inputs during training so it cannot separate the two sets perfectly. D* is then applied to the real
    **test** set; test images that D* is confident are *real* lie where the generator puts (almost) no
    mass — missing modes — and their number is reported.

    **Direction of the test (read this).** As docs/evaluation.md#third-party-discriminator specifies,
    D*'s sigmoid output is P(generated | x), trained with label 1 = generated, so
    D* ≈ p_g / (p_g + p_d). The paper says a test image with D*(t) "close to 1" is in a missing mode;
    with D* = P(generated) that is backwards: at a missing mode p_g(t) ≈ 0, so D*(t) ≈ 0. (The paper's
    "close to 1" matches Goodfellow's convention D = P(real) = p_d / (p_d + p_g); its formula has the
    densities swapped.) We therefore count test images with **P(real | t) = 1 − D*(t) > threshold**,
    which is "D(t) close to 1" in the P(real) convention. ``mean_p_generated`` is reported as well, and
    so are the counts of the literal reading, P(generated | t) > threshold (``counts_p_generated``), so
    both readings can be compared.

    Choices the paper leaves open, fixed here and validated on generators whose missing digits are known
    (:func:`validate_removed_classes`; docs/evaluation.md#third-party-discriminator):

    * **Image scaling**: inputs in [-1, 1] (the generator range); σ is in these units.
    * **σ** = 0.5 (:data:`DEFAULT_SIGMAS`, a quarter of the data range); the paper's 3.5 and 4.0
      (:data:`PAPER_SIGMAS`) can be passed for comparison.
    * **Architecture**: ``zoo.core.networks.dcgan_discriminator(image_shape, base)``: stride-2 5×5 convs
      (``base``, 2·``base`` channels for 28×28), leaky ReLU 0.2, no batch norm, one linear logit;
      P(generated) = sigmoid(logit); ``base`` = 32.
    * **Training**: ``steps`` (5,000) Adam steps (lr 2e-4, β1 0.5, the DCGAN setting), each on a
      balanced batch of ``batch_size``/2 real (from ``real_train``) and ``batch_size``/2 generated images
      drawn with replacement, binary cross-entropy with label 1 = generated. The final training loss and
      accuracy are reported. Balanced batches make the prior odds 1:1 whatever the set sizes.
    * **Noise**: a fresh N(0, σ²) draw per pixel per step, during training only; D* is evaluated on
      the clean test images (noise as a training regulariser, as in instance noise).
    * **Thresholds**: a test image counts when 1 − P(generated) > threshold (strict), for each of
      ``thresholds``; the headline is :data:`HEADLINE_THRESHOLD` = 0.8. A kept mode that holds a share f
      of the data gets P(real) ≈ 1/(2 − f) at the optimum (0.53 for one missing digit of ten), a missing
      one P(real) ≈ 1.
    * **Seeds**: one fresh D* per σ, each initialised and trained from ``seed`` (Keras global seed and
      numpy batches/noise), so the σ values differ only in the noise level.

    Args:
        real_train, fake, real_test: image arrays ``[N, H, W, C]`` in [-1, 1].
        return_scores: also return each test image's P(real | t) (``p_real``, a numpy array per σ).

    Returns:
        ``{"n_test", "criterion", "headline_threshold", "settings", "results": [{"sigma",
        "counts": {threshold: count}, "counts_p_generated": {threshold: count}, "mean_p_generated",
        "train_loss", "train_accuracy"}]}`` (thresholds as strings, JSON-ready unless ``return_scores``).
    """
    import keras
    import tensorflow as tf

    real_train = np.asarray(real_train, np.float32)
    fake = np.asarray(fake, np.float32)
    real_test = np.asarray(real_test, np.float32)
    shapes = {real_train.shape[1:], fake.shape[1:], real_test.shape[1:]}
    if len(shapes) != 1 or real_train.ndim != 4:
        raise SampleError(f"real_train, fake and real_test must share one [H, W, C] shape, got {shapes}")
    results = []
    for sigma in sigmas:
        keras.utils.set_random_seed(seed)
        rng = np.random.default_rng(seed)
        disc, losses, accs = _train_discriminator(real_train, fake, sigma, rng, steps, batch_size // 2, base,
                                                  learning_rate)
        p_gen = np.concatenate([tf.sigmoid(disc(real_test[i:i + 1000], training=False)).numpy().ravel()
                                for i in range(0, len(real_test), 1000)])
        tail = max(1, min(100, len(losses)))  # average the last steps: single-batch values are noisy
        result = {
            "sigma": float(sigma),
            "counts": {str(t): int(np.sum(1.0 - p_gen > t)) for t in thresholds},
            # The paper's words taken literally (D*(t) = P(generated | t) above t), for comparison.
            "counts_p_generated": {str(t): int(np.sum(p_gen > t)) for t in thresholds},
            "mean_p_generated": float(p_gen.mean()),
            "train_loss": float(np.mean(losses[-tail:])),
            "train_accuracy": float(np.mean(accs[-tail:])),
        }
        if return_scores:
            result["p_real"] = 1.0 - p_gen
        results.append(result)
    return {"n_test": len(real_test), "criterion": "1 - P(generated | t) > threshold",
            "headline_threshold": HEADLINE_THRESHOLD, "results": results,
            "settings": {"steps": int(steps), "batch_size": int(batch_size), "base": int(base),
                         "learning_rate": learning_rate, "seed": int(seed), "input_range": "[-1, 1]",
                         "noise": "training only"}}


def _train_discriminator(real_train, fake, sigma, rng, steps, half, base, learning_rate):
    """A fresh D* trained for ``steps`` noisy balanced batches; returns ``(D*, losses, accuracies)``."""
    import keras
    import tensorflow as tf

    from zoo.core.networks import dcgan_discriminator

    disc = dcgan_discriminator(real_train.shape[1:], base=base, name="third_party_d")
    # Draw D*'s initial kernels from ``rng`` (the count's seed) instead of Keras' global generator, so the
    # count depends on its seed only, not on whatever ran before in the process (biases and batch-norm
    # parameters start at their constants anyway).
    init_seed = int(rng.integers(2**31 - 1))
    for i, v in enumerate(disc.trainable_variables):
        if len(v.shape) > 1:
            v.assign(keras.initializers.GlorotUniform(seed=init_seed + i)(v.shape, v.dtype))
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
    return disc, losses, accs


# ------------------------------------------------------------------ validation on known missing modes
def _split_labels(dataset: str, split: str):
    """Images in [-1, 1] and labels of a split: MNIST digits, or stacked-MNIST images (60,000 training /
    10,000 test, :func:`zoo.stacked_mnist.stacked_mnist`) with their digit triples ``[N, 3]``."""
    from zoo.stacked_mnist import mnist_digits, stacked_mnist

    if dataset == "mnist":
        digits, labels = mnist_digits(split)
        return (digits.astype(np.float32) / 127.5 - 1.0)[..., None], np.asarray(labels)
    if dataset == "stacked_mnist":
        n = 60_000 if split == "train" else 10_000
        images, labels = stacked_mnist(n, seed=0 if split == "train" else 1, split=split)
        return np.asarray(images, np.float32), np.asarray(labels)
    raise SampleError(f"unknown image data set {dataset!r}; known: mnist, stacked_mnist")


def _removed_mask(dataset: str, labels, removed) -> np.ndarray:
    """Which labels lie in the removed modes: digits for MNIST, first digits of the triple for stacked MNIST."""
    key = labels[:, 0] if dataset == "stacked_mnist" else labels
    return np.isin(key, list(removed))


def removed_class_sampler(images, labels, removed, dataset: str = "mnist"):
    """A "generator" with known missing modes: ``sample(n, seed)`` returns real images whose class is not in
    ``removed`` (MNIST digits; for stacked MNIST, the first digit of the triple), drawn with replacement."""
    pool = np.asarray(images)[~_removed_mask(dataset, np.asarray(labels), removed)]

    def sample(n, seed=None):
        return pool[np.random.default_rng(seed).integers(0, len(pool), int(n))]

    return sample


def validate_removed_classes(removed_sets=((0,), (0, 1), (0, 1, 2)), dataset: str = "mnist", n: int = 10_000,
                             n_test: int | None = None, threshold: float = HEADLINE_THRESHOLD, seed: int = 0,
                             **options) -> dict:
    """Run :func:`third_party_missing_modes` on generators whose missing modes are known, and score the count.

    The training split is shuffled (``seed``) and cut in two halves: D*'s ``n`` real images come from the
    first, the "generator" (:func:`removed_class_sampler`) draws ``n`` images from the second with the
    classes of a removed set taken out, so it never returns an image D* sees as real. The count at
    ``threshold`` on the test split (the first ``n_test`` images; all by default) should be close to the
    number of test images of the removed classes (``target``); ``hits`` are counted images that are in
    fact from a removed class, ``others`` the rest. ``options`` go to :func:`third_party_missing_modes`
    (``sigmas``, ``steps``, ``base``, ...).

    Returns:
        ``{"dataset", "threshold", "n", "n_test", "results": [{"removed", "sigma", "target", "count", "hits",
        "others", "ratio", "precision", "counts"}]}``.
    """
    train_x, train_y = _split_labels(dataset, "train")
    test_x, test_y = _split_labels(dataset, "test")
    if n_test is not None:
        test_x, test_y = test_x[:n_test], test_y[:n_test]
    perm = np.random.default_rng(seed).permutation(len(train_x))
    first, second = perm[: len(perm) // 2], perm[len(perm) // 2:]
    real = train_x[first[:n]]
    out = []
    for removed in removed_sets:
        fake = removed_class_sampler(train_x[second], train_y[second], removed, dataset)(n, seed)
        res = third_party_missing_modes(real, fake, test_x, seed=seed, return_scores=True,
                                        thresholds=tuple(sorted({*DEFAULT_THRESHOLDS, threshold})), **options)
        missing = _removed_mask(dataset, test_y, removed)
        for r in res["results"]:
            flagged = r["p_real"] > threshold
            count, hits = int(flagged.sum()), int((flagged & missing).sum())
            out.append({"removed": list(removed), "sigma": r["sigma"], "target": int(missing.sum()), "count": count,
                        "hits": hits, "others": count - hits, "ratio": count / max(1, int(missing.sum())),
                        "precision": hits / count if count else None, "counts": r["counts"],
                        "train_accuracy": r["train_accuracy"]})
    return {"dataset": dataset, "threshold": threshold, "n": int(n), "n_test": len(test_x), "results": out,
            "settings": res["settings"]}
