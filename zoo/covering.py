"""Covering initialization (Lopez-Paz & Oquab, paper 001, Sec. 3), usable with any zoo method.

"Before training, we pre-train the generator g to match the empirical mean and covariance of large
batches of fake and real data." The paper gives no loss, batch size or step count (PROTOCOLS §1.2
[AMBIG]); we follow PROTOCOLS §1.2 [REC]:

    L(G) = ‖μ_f − μ_r‖² + ‖Σ_f − Σ_r‖_F²

with μ_f, Σ_f the moments of a fresh batch of ``batch_size`` (10⁴) generated samples at every step and
μ_r, Σ_r those of ``real_samples`` (10⁴ real samples, computed once). Adam minimises L on the
generator's weights only (the discriminator is untouched) until a stopping rule fires:

* **converged**: L ≤ ``tol`` · L₀ (relative to the loss at initialisation), or
* **plateau**: the best loss has not improved by a relative ``min_delta`` for ``patience`` steps, or
* **max_steps**.

``train.run.train`` calls :func:`covering_init_from_config` before adversarial training when the
config has ``covering_init`` (``True`` or a dict of keyword arguments for :func:`covering_init`), or
when ``--covering-init`` is passed on the command line.
"""
from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

__all__ = ["moments", "covering_loss", "covering_init", "real_samples", "covering_init_from_config"]


def moments(x) -> tuple[tf.Tensor, tf.Tensor]:
    """Empirical mean ``[D]`` and (unbiased) covariance ``[D, D]`` of a batch, flattened per sample."""
    x = tf.reshape(tf.cast(x, tf.float32), [tf.shape(x)[0], -1])
    mu = tf.reduce_mean(x, 0)
    centred = x - mu
    cov = tf.matmul(centred, centred, transpose_a=True) / tf.cast(tf.shape(x)[0] - 1, tf.float32)
    return mu, cov


def covering_loss(fake, mu_real, cov_real) -> tf.Tensor:
    """‖μ_f − μ_r‖² + ‖Σ_f − Σ_r‖_F² between a fake batch and the real moments (PROTOCOLS §1.2 [REC])."""
    mu, cov = moments(fake)
    return tf.reduce_sum(tf.square(mu - mu_real)) + tf.reduce_sum(tf.square(cov - cov_real))


def covering_init(model, real, batch_size: int = 10_000, learning_rate: float = 1e-3, max_steps: int = 2000,
                  tol: float = 1e-3, patience: int = 100, min_delta: float = 0.01, seed: int = 0,
                  verbose: bool = False) -> dict:
    """Pre-train ``model.generator`` so its samples' mean and covariance match ``real``'s (paper 001, Sec. 3).

    Args:
        model: any :class:`zoo.gan.GAN`; latents come from ``model.prior`` (the constant prior: the
            discriminator is untrained, so a learned prior would have nothing to score with).
        real: real samples ``[N, ...]`` (N ≈ 10⁴); their moments are the target.
        batch_size: generated samples per step (10⁴ per PROTOCOLS §1.2; smaller for images).
        learning_rate, max_steps, tol, patience, min_delta: optimiser and stopping rule (module doc).
        seed: seed of the latent draws (stateless, so the run is reproducible).

    Returns:
        ``{"steps", "initial_loss", "final_loss", "best_loss", "stopped", "seconds", "history"}``;
        ``history`` holds the loss every 10 steps; ``final_loss`` is measured on a fresh batch after
        the last update (generator in training mode, like the loop).
    """
    mu_r, cov_r = moments(real)
    optimizer = keras.optimizers.Adam(learning_rate)
    variables = model.generator.trainable_variables
    base_seed = tf.constant([seed, 7919], tf.int32)

    @tf.function
    def step(i):
        z = model.prior.sample(batch_size, seed=tf.random.experimental.stateless_fold_in(base_seed, i))
        with tf.GradientTape() as tape:
            # training=True: the generator as it will be trained (batch statistics for batch norm).
            loss = covering_loss(model.generator(z, training=True), mu_r, cov_r)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    start = time.time()
    history, best, best_step, initial = [], np.inf, 0, None
    stopped = "max_steps"
    for i in range(max_steps):
        loss = float(step(tf.constant(i)))  # loss of the weights before this step's update
        if not np.isfinite(loss):
            raise RuntimeError(f"covering initialization diverged at step {i} (loss {loss})")
        initial = loss if initial is None else initial
        if i % 10 == 0:
            history.append([i, loss])
            if verbose:
                print(f"covering init step {i}: loss {loss:.5g}")
        if loss < best * (1.0 - min_delta):
            best, best_step = loss, i  # a relative improvement of at least min_delta resets patience
        best = min(best, loss)
        if loss <= tol * initial:
            stopped = "converged"
            break
        if i - best_step >= patience:
            stopped = "plateau"
            break
    # Loss of the final weights on a fresh batch (the loop reports each loss before its update), in
    # the same mode as the loop: batch statistics for batch norm, whose moving averages still lag.
    z = model.prior.sample(batch_size, seed=tf.random.experimental.stateless_fold_in(base_seed, -1))
    final = float(covering_loss(model.generator(z, training=True), mu_r, cov_r))
    return {"steps": i + 1, "initial_loss": initial, "final_loss": final, "best_loss": best,
            "stopped": stopped, "seconds": round(time.time() - start, 2), "history": history,
            "batch_size": int(batch_size)}


def real_samples(dataset: str, n: int = 10_000, seed: int = 0) -> np.ndarray:
    """``n`` real training samples of ``dataset`` (a fresh mixture sample, or the first ``n`` images)."""
    from zoo import data

    if data.is_mixture(dataset):
        return data.mixture(dataset).sample(n, seed=50_000 + seed)
    ds = data.load_images(dataset).shuffle(20_000, seed=seed).take(n).batch(1000)
    return np.concatenate([b.numpy() for b in ds])


def covering_init_from_config(model, config: dict, verbose: bool = False) -> dict:
    """Run :func:`covering_init` as a zoo config asks (``config["covering_init"]``: ``True`` or kwargs).

    ``real`` (the number of real samples for the target moments, default 10⁴) may be given among
    the kwargs; the rest go to :func:`covering_init`.
    """
    opts = config.get("covering_init")
    opts = dict(opts) if isinstance(opts, dict) else {}
    n_real = int(opts.pop("real", 10_000))
    seed = int(config.get("seed", 0))
    opts.setdefault("seed", seed)
    return covering_init(model, real_samples(config["dataset"], n_real, seed), verbose=verbose, **opts)
