"""The adversarial base model: GAN, WGAN, WGAN-GP and DCGAN are configurations of this class.

``GAN`` is a subclassed ``keras.Model`` with a custom ``train_step`` (keras-io style): ``d_steps``
discriminator updates, then one generator update. Later methods subclass it and override only what
they change:

* :meth:`GAN.draw_latent` — how the training batch of z is drawn (masked/weighted prior);
* :meth:`GAN.logits` — what D scores (BiGAN scores pairs (x, E(x)) and (G(z), z));
* :meth:`GAN.penalty` — the gradient penalty (WGAN-GP by default, LOGAN's pair-wise one for BiGAN);
* :meth:`GAN.extra_generator_loss` and :attr:`GAN.generator_variables` — extra terms and networks.

Under ``tf.distribute`` ``train_step`` sees the per-replica batch; losses are per-replica means, so
gradients are divided by the number of replicas before the optimizer sums them across replicas
(PROTOCOLS.md §7 item 9), and the losses shown are Keras metrics, identical for 1 or N replicas.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from zoo import losses, networks, penalties
from zoo.priors import Prior

__all__ = ["GAN"]


def _serialize(obj):
    return keras.saving.serialize_keras_object(obj)


def _deserialize(obj):
    return keras.saving.deserialize_keras_object(obj) if isinstance(obj, dict) else obj


@keras.saving.register_keras_serializable(package="mode_zoo")
class GAN(keras.Model):
    """Generator + discriminator + prior trained adversarially.

    Args:
        generator: ``keras.Model`` z -> x.
        discriminator: ``keras.Model`` x -> logit (``[B, 1]``).
        prior: :class:`zoo.priors.Prior` for z (default U(-1, 1)^2).
        loss: a name in :data:`zoo.losses.LOSSES` (``minimax``, ``non_saturating``, ``wasserstein``,
            ``wasserstein_gp``, ``lol1``, ``lol2``).
        d_steps: discriminator updates per generator update (default: the loss's own, 5 for WGAN).
        gp_weight: λ of the gradient penalty (0 = off; 10 for WGAN-GP).
        clip: clip D's weights to [-clip, clip] after each D step (default: the loss's own).
        dataset: name of the training data set (used by the evaluation toolkit).
        seed: seed of the model's random stream (latents and interpolation weights while training).
    """

    def __init__(self, generator, discriminator, prior=None, loss="non_saturating", d_steps=None,
                 gp_weight=0.0, clip=None, dataset=None, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.generator = _deserialize(generator)
        self.discriminator = _deserialize(discriminator)
        self.prior = _deserialize(prior) if prior is not None else Prior("uniform", 2)
        self.loss_name = loss
        self.loss_fn = losses.get_loss(loss)
        self.d_steps = int(d_steps or self.loss_fn.d_steps)
        if self.d_steps < 1:
            raise ValueError(f"d_steps must be >= 1, got {d_steps}")
        self.gp_weight = float(gp_weight)
        self.clip = clip if clip is not None else self.loss_fn.clip
        self.dataset = dataset
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.gp_tracker = keras.metrics.Mean(name="gp")
        self.d_optimizer = self.g_optimizer = None
        self.built = True

    # ------------------------------------------------------------------ Keras plumbing
    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Set one optimizer per player (defaults: Adam 1e-4, β=(0.5, 0.9)) plus Keras compile options.

        ``steps_per_execution`` and ``jit_compile`` pass through to ``keras.Model.compile``.
        """
        adam = lambda: keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)  # noqa: E731
        self.d_optimizer = d_optimizer or adam()
        self.g_optimizer = g_optimizer or adam()
        # Keras' own ``optimizer`` slot gets the generator's, so ``model.optimizer.iterations`` (used
        # by callbacks such as TensorBoard) counts training steps and no unused optimizer is saved.
        super().compile(optimizer=self.g_optimizer, **kwargs)
        # Build the optimizer slots now so that checkpoints restore them before the first step.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator_variables)

    def get_compile_config(self):
        """Optimizers are training state (kept by BackupAndRestore), not part of a published model."""
        return None

    @property
    def metrics(self):
        """Loss trackers, reset by Keras at each epoch."""
        return [self.d_loss_tracker, self.g_loss_tracker, self.gp_tracker]

    def get_config(self):
        """Full config (networks, prior and training hyperparameters) for ``model.save``."""
        config = super().get_config()
        config.update(
            generator=_serialize(self.generator), discriminator=_serialize(self.discriminator),
            prior=_serialize(self.prior), loss=self.loss_name, d_steps=self.d_steps,
            gp_weight=self.gp_weight, clip=self.clip, dataset=self.dataset, seed=self.seed)
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`."""
        return cls(**config)

    @classmethod
    def from_hparams(cls, config: dict, **kwargs):
        """Build an untrained model from a resolved zoo config (:func:`zoo.configs.resolve`).

        Subclasses with extra networks (BiGAN's encoder) override this; ``kwargs`` reach ``__init__``.
        """
        prior = Prior(**config["prior"])
        g, d = networks.for_config(config, prior.event_dim)
        return cls(g, d, prior, loss=config["loss"], d_steps=config.get("d_steps"),
                   gp_weight=config.get("gp_weight", 0.0), clip=config.get("clip"),
                   dataset=config["dataset"], seed=config.get("seed", 0),
                   **{**config.get("method_kwargs", {}), **kwargs})

    def call(self, z, training=False):
        """G(z)."""
        return self.generator(z, training=training)

    # ------------------------------------------------------------------ hooks for methods
    @property
    def generator_variables(self):
        """Variables updated by the generator step (BiGAN adds the encoder's)."""
        return self.generator.trainable_variables

    def draw_latent(self, batch_size):
        """Training batch of z. Default: i.i.d. from the prior (masked/weighted priors resample)."""
        return self.prior.sample(batch_size, seed=self.seed_generator.next())

    def logits(self, real, z, training=True):
        """D's logits on the real batch and on G(z)."""
        fake = self.generator(z, training=training)
        return self.discriminator(real, training=training), self.discriminator(fake, training=training)

    def penalty(self, real, z):
        """WGAN-GP penalty at per-sample interpolates of real and G(z) (Gulrajani et al. 2017, Eq. 3)."""
        fake = self.generator(z, training=True)
        eps = keras.random.uniform((tf.shape(real)[0],), seed=self.seed_generator)
        critic = lambda x: self.discriminator(x, training=True)  # noqa: E731
        return penalties.gradient_penalty(critic, real, fake, eps)

    def extra_generator_loss(self, real, z):
        """Additional generator terms (mode regularizers); zero for the plain GAN."""
        return 0.0

    # ------------------------------------------------------------------ training
    @staticmethod
    def _replicas():
        return tf.distribute.get_strategy().num_replicas_in_sync

    def discriminator_step(self, real):
        """One discriminator update on a real batch; returns its (loss, penalty)."""
        z = self.draw_latent(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            real_logits, fake_logits = self.logits(real, z)
            loss = self.loss_fn.discriminator(real_logits, fake_logits)
            gp = self.penalty(real, z) if self.gp_weight else tf.constant(0.0)
            scaled = (loss + self.gp_weight * gp) / self._replicas()
        variables = self.discriminator.trainable_variables
        grads = tape.gradient(scaled, variables)
        self.d_optimizer.apply_gradients(zip(grads, variables))
        if self.clip:
            for v in variables:
                v.assign(tf.clip_by_value(v, -self.clip, self.clip))
        return loss, gp

    def generator_step(self, real):
        """One generator (and encoder) update; returns its loss."""
        z = self.draw_latent(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            real_logits, fake_logits = self.logits(real, z)
            loss = self.loss_fn.generator(real_logits, fake_logits) + self.extra_generator_loss(real, z)
            scaled = loss / self._replicas()
        variables = self.generator_variables
        grads = tape.gradient(scaled, variables)
        self.g_optimizer.apply_gradients(zip(grads, variables))
        return loss

    def train_step(self, data):
        """``d_steps`` D updates on disjoint slices of the batch, then one G update.

        The input pipeline yields ``d_steps × batch_size`` real examples per step, so every critic
        update of WGAN sees fresh data (Arjovsky et al. 2017, Alg. 1).
        """
        real = data[0] if isinstance(data, (tuple, list)) else data
        chunks = tf.reshape(real, tf.concat([[self.d_steps, -1], tf.shape(real)[1:]], 0))
        for i in range(self.d_steps):
            d_loss, gp = self.discriminator_step(chunks[i])
        g_loss = self.generator_step(chunks[-1])
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.gp_tracker.update_state(gp)
        return {m.name: m.result() for m in self.metrics}

    # ------------------------------------------------------------------ sampling
    def sample_latent(self, n, seed=None):
        """Latents for generation: ``n`` draws from the prior (masked-at-generation overrides this)."""
        return self.prior.sample(n, seed=seed)

    def sample(self, n: int, seed: int | None = None, batch_size: int = 4096, **kwargs) -> np.ndarray:
        """Generate ``n`` samples as a numpy array; the same int ``seed`` gives the same samples."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        z = self.sample_latent(int(n), seed=seed, **kwargs)
        out = [self.generator(z[i:i + batch_size], training=False) for i in range(0, int(n), batch_size)]
        shape = (0,) + tuple(self.generator.output_shape[1:])
        return np.concatenate([np.asarray(o) for o in out]) if out else np.zeros(shape, np.float32)
