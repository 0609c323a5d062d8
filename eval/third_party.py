"""The third-party-discriminator count of missing modes (Che et al. 2017, arXiv:1612.02136, Sec. 4).

A fresh discriminator D*, never used to train the generator, learns to tell real from generated images
with Gaussian noise on its inputs; real test images it is confident are real lie where the generator
puts (almost) no mass: missing modes. See :func:`third_party_missing_modes` and
docs/evaluation.md#third-party-discriminator.
"""
from __future__ import annotations

import numpy as np

from eval.samples import SampleError

__all__ = ["third_party_missing_modes"]


def third_party_missing_modes(real_train, fake, real_test, sigmas=(3.5, 4.0), thresholds=(0.5, 0.9, 0.99),
                              steps: int = 2000, seed: int = 0, batch_size: int = 64, base: int = 32,
                              learning_rate: float = 2e-4) -> dict:
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

    Choices the paper leaves open, fixed here (docs/evaluation.md#third-party-discriminator):

    * **Image scaling**: inputs in [-1, 1] (the generator range), so σ = 3.5 / 4.0 are in those units.
    * **Architecture**: ``zoo.core.networks.dcgan_discriminator(image_shape, base)``: stride-2 5×5 convs
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
      ``thresholds`` (headline 0.99, curve over {0.5, 0.9, 0.99}).
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
        results.append({
            "sigma": float(sigma),
            "counts": {str(t): int(np.sum(1.0 - p_gen > t)) for t in thresholds},
            # The paper's words taken literally (D*(t) = P(generated | t) above t), for comparison.
            "counts_p_generated": {str(t): int(np.sum(p_gen > t)) for t in thresholds},
            "mean_p_generated": float(p_gen.mean()),
            "train_loss": float(np.mean(losses[-tail:])),
            "train_accuracy": float(np.mean(accs[-tail:])),
        })
    return {"n_test": len(real_test), "criterion": "1 - P(generated | t) > threshold",
            "results": results,
            "settings": {"steps": int(steps), "batch_size": int(batch_size), "base": int(base),
                         "learning_rate": learning_rate, "seed": int(seed), "input_range": "[-1, 1]",
                         "noise": "training only"}}


def _train_discriminator(real_train, fake, sigma, rng, steps, half, base, learning_rate):
    """A fresh D* trained for ``steps`` noisy balanced batches; returns ``(D*, losses, accuracies)``."""
    import keras
    import tensorflow as tf

    from zoo.core.networks import dcgan_discriminator

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
    return disc, losses, accs
