"""Dual Importance Weight GAN (anonymous ICLR submission, "Dual Importance Weight GAN"; no public code).

The generator's loss gains a term that pulls generated samples toward real ones in the code space of an
auto-encoder pre-trained on the real data (Eq. 3):

    L_G = -E log D(G(z)) + α · E D_a(s_r, s_g),    D_a(s_r, s_g) = w_r^k · w_g^k · ‖s_r − s_g‖   (Eq. 2)

* s_r ∈ S_r: a fixed set of "good" real codes, one batch in size, drawn once from a KDE over the
  encoded real data set (``pretrain``) and reused at every step;
* s_g = E(G(z)): the current batch's codes (G's gradient flows through them);
* pairs (s_r, s_g) are matched one to one so that the mean distance is minimal: a linear assignment
  (``scipy.optimize.linear_sum_assignment``) on the Euclidean code distances;
* w_g, the generator importance weight: a KDE over the last N sets of generated codes, evaluated at
  each current code: a code typical of what G has been producing counts more (Sec. 3);
* w_r, the target importance weight: a running mean, over the last ~N steps, of each real code's
  distance to its nearest generated code: a real code the generator has kept missing counts more.

Both weights are constants (no gradient) normalised to mean 1 over the batch. The paper gives neither
α, k, N, the bandwidth, the code size, the weights' normalisation nor the w_r update: these are our
choices, documented in ``docs/methods/diw_gan.md``. D is the standard GAN discriminator.
"""
from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from scipy.optimize import linear_sum_assignment

from zoo.core import losses
from zoo.core.model import GAN, Player, deserialize, serialize
from zoo.methods import register_entry, register_method

tfd = tfp.distributions

__all__ = ["DIWGAN", "autoencoder", "scott_bandwidth", "kde_log_density", "assign_pairs",
           "normalised_weights"]


# ---------------------------------------------------------------------------- pure pieces
def scott_bandwidth(codes) -> float:
    """Scott's rule for a Gaussian KDE: mean per-dimension std · n^(-1/(d+4))."""
    codes = np.asarray(codes, np.float64)
    n, d = codes.shape
    return float(codes.std(0).mean() * n ** (-1.0 / (d + 4)))


def kde_log_density(points, centres, bandwidth, mask=None):
    """log KDE density at ``points`` [P, h] of isotropic Gaussians (std ``bandwidth``) on ``centres`` [C, h].

    ``mask`` [C] (bool) keeps only some centres (the filled part of a history buffer).
    """
    logits = tf.zeros(tf.shape(centres)[0]) if mask is None else tf.where(mask, 0.0, -np.inf)
    kde = tfd.MixtureSameFamily(tfd.Categorical(logits=logits),
                                tfd.Independent(tfd.Normal(centres, bandwidth), 1))
    return kde.log_prob(points)


def normalised_weights(log_w):
    """exp(log_w) scaled to mean 1 (computed stably); no gradient flows through importance weights."""
    log_w = tf.stop_gradient(log_w)
    w = tf.exp(log_w - tf.reduce_max(log_w))
    return w / tf.reduce_mean(w)


def assign_pairs(cost) -> tf.Tensor:
    """For each row of ``cost`` [G, R] (G ≤ R) the column of a one-to-one matching of minimal total cost."""
    def solve(c):
        rows, cols = linear_sum_assignment(c)
        out = np.empty(c.shape[0], np.int32)
        out[rows] = cols
        return out

    index = tf.numpy_function(solve, [tf.stop_gradient(cost)], tf.int32, stateful=False)
    return tf.ensure_shape(index, cost.shape[:1])


def autoencoder(config: dict, code_dim: int) -> tuple[keras.Model, keras.Model]:
    """Encoder and decoder for the data set of ``config``: MLPs (2 hidden layers of 128 lrelu) for the
    mixtures; for images the paper's encoder of 3 conv 5×5 + 2 FC layers and decoder of 1 FC + 3
    transposed conv layers (Sec. 4.2), at the config's ``base`` width."""
    from zoo.core import networks
    from zoo.data import data_shape

    shape = data_shape(config["dataset"])
    if len(shape) == 1:
        enc = networks.mlp(shape[0], code_dim, (128, 128), "lrelu", name="ae_encoder")
        dec = networks.mlp(code_dim, shape[0], (128, 128), "lrelu", name="ae_decoder")
        return enc, dec
    base, layers = config["base"], keras.layers
    x = inp = keras.Input(shape)
    for ch in (base, 2 * base, 4 * base):
        x = layers.LeakyReLU(0.2)(layers.Conv2D(ch, 5, 2, padding="same")(x))
    x = layers.LeakyReLU(0.2)(layers.Dense(256)(layers.Flatten()(x)))
    enc = keras.Model(inp, layers.Dense(code_dim)(x), name="ae_encoder")
    # 28 = 7·2·2 (strides 1, 2, 2); 32 or 64 = side·2·2·2.
    side, strides = (7, (1, 2, 2)) if shape[0] % 7 == 0 else (shape[0] // 8, (2, 2, 2))
    z = keras.Input((code_dim,))
    y = layers.Reshape((side, side, 4 * base))(layers.Dense(side * side * 4 * base, activation="relu")(z))
    for ch, stride in zip((2 * base, base), strides[:2]):
        y = layers.Conv2DTranspose(ch, 5, stride, padding="same", activation="relu")(y)
    out = layers.Conv2DTranspose(shape[-1], 5, strides[2], padding="same", activation="tanh")(y)
    return enc, keras.Model(z, out, name="ae_decoder")


# ---------------------------------------------------------------------------- the model
@keras.saving.register_keras_serializable(package="mode_zoo")
class DIWGAN(GAN):
    """GAN whose generator also minimises the dual-importance-weighted code distance (Eqs. 2–3).

    Args:
        ae_encoder, ae_decoder: the auto-encoder (trained by :meth:`pretrain`, then frozen).
        batch_size: m, the size of S_r and of a generated batch.
        alpha: α, the weight of the distance term (Eq. 3).
        k: the exponent of both importance weights (Eq. 2).
        memory: N, the number of past generated batches in w_g's KDE (and w_r's memory).
        bandwidth: the KDE bandwidth in code units (None: Scott's rule on the real codes).
        real_set: how S_r is drawn from the real codes' KDE: ``"kde"``, a KDE draw (a random real code
            plus Gaussian noise of the bandwidth); ``"data"``, the KDE's centres themselves (random real
            codes, no noise), so no target lies off the data manifold (docs/methods/diw_gan.md).
        ae_steps: Adam steps of the auto-encoder's pre-training.
        **kwargs: :class:`zoo.core.model.GAN` arguments.
    """

    def __init__(self, *args, ae_encoder, ae_decoder, batch_size: int = 256, alpha: float = 1.0, k: float = 1.0,
                 memory: int = 10, bandwidth: float | None = None, real_set: str = "kde", ae_steps: int = 2000,
                 **kwargs):
        super().__init__(*args, **kwargs)
        if self.pack != 1:
            raise ValueError("DIW-GAN pairs single samples; packing (pack > 1) is not supported")
        for name, value, low in (("batch_size", batch_size, 1), ("memory", memory, 1), ("ae_steps", ae_steps, 0)):
            if int(value) < low:
                raise ValueError(f"{name} must be >= {low}, got {value}")
        if not float(alpha) >= 0 or not float(k) >= 0:
            raise ValueError(f"alpha and k must be >= 0, got {alpha} and {k}")
        if bandwidth is not None and not float(bandwidth) > 0:
            raise ValueError(f"bandwidth must be > 0 or None, got {bandwidth}")
        if real_set not in ("kde", "data"):
            raise ValueError(f"real_set must be 'kde' or 'data', got {real_set!r}")
        self.ae_encoder = deserialize(ae_encoder)
        self.ae_decoder = deserialize(ae_decoder)
        self.ae_encoder.trainable = False  # frozen after pre-training: it is no player's network
        self.ae_decoder.trainable = False
        self.batch_size, self.alpha, self.k = int(batch_size), float(alpha), float(k)
        self.memory, self.bandwidth, self.ae_steps = int(memory), bandwidth, int(ae_steps)
        self.real_set = real_set
        code_dim = int(self.ae_encoder.output_shape[-1])
        # The method's state, saved with the model and kept by the resume state.
        self.real_codes = self.add_weight(shape=(self.batch_size, code_dim), initializer="zeros",
                                          trainable=False, name="real_codes")
        self.real_distance = self.add_weight(shape=(self.batch_size,), initializer="ones", trainable=False,
                                             name="real_distance")
        self.code_history = self.add_weight(shape=(self.memory * self.batch_size, code_dim),
                                            initializer="zeros", trainable=False, name="code_history")
        self.history_filled = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                              name="history_filled", dtype="int32")
        self.kde_bandwidth = self.add_weight(shape=(), initializer="ones", trainable=False, name="kde_bandwidth")

    def get_config(self):
        """GAN's config plus the auto-encoder and the DIW hyperparameters."""
        return {**super().get_config(), "ae_encoder": serialize(self.ae_encoder),
                "ae_decoder": serialize(self.ae_decoder), "batch_size": self.batch_size, "alpha": self.alpha,
                "k": self.k, "memory": self.memory, "bandwidth": self.bandwidth, "real_set": self.real_set,
                "ae_steps": self.ae_steps}

    @classmethod
    def build_networks(cls, config: dict, latent_dim: int) -> dict:
        """G and D of the config plus the auto-encoder (code size ``method_kwargs.code_dim``)."""
        nets = super().build_networks(config, latent_dim)
        enc, dec = autoencoder(config, int(config["method_kwargs"].get("code_dim", 8)))
        return {**nets, "ae_encoder": enc, "ae_decoder": dec}

    @classmethod
    def from_hparams(cls, config: dict, **kwargs):
        """Build from a resolved config; m is the config's batch size."""
        kw = {k: v for k, v in config["method_kwargs"].items() if k != "code_dim"}
        return super().from_hparams({**config, "method_kwargs": kw}, batch_size=config["batch_size"], **kwargs)

    # ------------------------------------------------------------------ pre-training
    def pretrain(self, config: dict) -> dict:
        """Train the auto-encoder on real data (MSE, Adam 1e-3), fit the real codes' KDE and draw S_r."""
        from zoo import data

        start = time.time()
        seed = int(config["seed"])
        real = np.concatenate([b.numpy() for b in data.dataset(config["dataset"], 1000, seed=50_000 + seed).take(10)])
        ds = tf.data.Dataset.from_tensor_slices(real).shuffle(len(real), seed=seed).repeat().batch(256)
        opt = keras.optimizers.Adam(1e-3)
        self.ae_encoder.trainable = self.ae_decoder.trainable = True  # trained here, frozen for the game
        variables = self.ae_encoder.trainable_variables + self.ae_decoder.trainable_variables
        opt.build(variables)

        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                rec = self.ae_decoder(self.ae_encoder(x, training=True), training=True)
                loss = tf.reduce_mean(tf.square(rec - x))
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return loss

        loss = float("nan")
        for x in ds.take(self.ae_steps):
            loss = step(x)
        loss = float(loss)
        self.ae_encoder.trainable = self.ae_decoder.trainable = False
        codes = np.concatenate([np.asarray(self.ae_encoder(real[i:i + 2000], training=False))
                                for i in range(0, len(real), 2000)])
        h = self.bandwidth or scott_bandwidth(codes)
        # S_r: one batch drawn from the KDE of the encoded real data, fixed for the whole run (Sec. 3):
        # a KDE draw is a random centre plus kernel noise; "data" keeps the centres, because the noise
        # (Scott's h is about half a code's std) puts targets between the modes.
        rng = np.random.default_rng(seed)
        pick = codes[rng.integers(0, len(codes), self.batch_size)]
        if self.real_set == "kde":
            pick = pick + rng.normal(0.0, h, pick.shape)
        self.real_codes.assign(pick.astype(np.float32))
        self.kde_bandwidth.assign(h)
        return {"ae_final_mse": loss, "ae_steps": self.ae_steps, "bandwidth": float(h),
                "code_dim": int(codes.shape[1]), "seconds": round(time.time() - start, 2)}

    # ------------------------------------------------------------------ the game
    @property
    def players(self) -> list[Player]:
        """D, then G with its adversarial term and the weighted code distance."""
        d, g = super().players
        return [d, Player("generator", "g", ("generator",), ("adv", "diw"))]

    def forward_fake_codes(self, rec):
        """s_g = E(G(z)), the generated batch in the auto-encoder's code space."""
        return self.ae_encoder(rec.fake, training=False)

    def generator_terms(self, rec):
        """-E log D(G(z)) and α · E D_a(s_r, s_g) over the matched pairs (Eqs. 2–3)."""
        s_g, s_r = rec.fake_codes, tf.convert_to_tensor(self.real_codes)
        dist = tf.norm(s_g[:, None, :] - s_r[None, :, :] + 1e-12, axis=-1)  # [G, R]
        pair = assign_pairs(dist)  # one distinct real code per generated code, minimal mean distance
        w_g = self.generator_weights(s_g)
        w_r = tf.gather(self.real_distance / tf.reduce_mean(self.real_distance), pair)
        d_a = tf.norm(s_g - tf.gather(s_r, pair) + 1e-12, axis=-1)
        weights = tf.stop_gradient(tf.pow(w_r, self.k) * tf.pow(w_g, self.k))
        self._remember(tf.stop_gradient(s_g), tf.stop_gradient(dist))
        return {"adv": self.loss_fn.generator(None, rec.fake_logits),
                "diw": self.alpha * losses.reduce(d_a, weights)}

    def generator_weights(self, s_g):
        """w_g: density of each generated code under the KDE of the last N generated batches (mean 1)."""
        filled = tf.range(tf.shape(self.code_history)[0]) < self.history_filled
        log_w = kde_log_density(s_g, tf.convert_to_tensor(self.code_history), self.kde_bandwidth, filled)
        return tf.cond(self.history_filled > 0, lambda: normalised_weights(log_w), lambda: tf.ones_like(log_w))

    def _remember(self, s_g, dist):
        """Push the batch's codes into the history ring and update each real code's running distance."""
        m = tf.shape(s_g)[0]
        size = tf.shape(self.code_history)[0]
        start = tf.math.floormod(self.optimizer.iterations * tf.cast(m, tf.int64), tf.cast(size, tf.int64))
        index = tf.math.floormod(tf.cast(start, tf.int32) + tf.range(m), size)
        self.code_history.assign(tf.tensor_scatter_nd_update(self.code_history, index[:, None], s_g))
        self.history_filled.assign(tf.minimum(self.history_filled + m, size))
        nearest = tf.reduce_min(dist, axis=0)  # each real code's distance to the closest generated code
        decay = 1.0 - 1.0 / self.memory
        self.real_distance.assign(decay * self.real_distance + (1.0 - decay) * nearest)


# ---------------------------------------------------------------------------- registrations
_PAPER = "Dual Importance Weight GAN (anonymous ICLR submission)"
# The shared mixture architecture of the paper's Table 1 (G 3×128, D 2×128, no batch norm) is the
# data-set default; α, k, N and the bandwidth are our choices (docs/methods/diw_gan.md).
register_method("diw_gan", DIWGAN, {"dataset": "ring8", "loss": "non_saturating",
                                    "method_kwargs": {"alpha": 1.0, "k": 1.0, "memory": 10, "code_dim": 8,
                                                      "real_set": "data", "ae_steps": 2000}},
                paper=_PAPER)
for _data, _seed in (("ring8", 1), ("grid25_aniso", 3), ("cube27", 1)):
    register_entry(f"diw_{_data}", "diw_gan", _data, seed=_seed, steps=10_000)
register_entry("diw_grid25", "diw_gan", "grid25", seed=4, steps=10_000,
               optimizer={"name": "adam", "learning_rate": 1e-3, "beta_1": 0.5, "beta_2": 0.9})
# Stacked MNIST (Sec. 4.2): the DCGAN generator; evaluated on 20,000 samples as in the paper. Its
# method_kwargs replace the method's, so S_r keeps the class default, KDE draws, as it was trained.
register_entry("diw_stacked_mnist", "diw_gan", "stacked_mnist", steps=3_000,
               method_kwargs={"alpha": 1.0, "k": 1.0, "memory": 10, "code_dim": 32, "ae_steps": 1000})
