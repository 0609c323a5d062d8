"""BiGAN (Donahue et al., ICLR 2017) and LOGAN's pair-wise gradient penalty (Sharma & Namboodiri 2018).

A BiGAN adds an encoder E: x -> z to the generator G: z -> x. Its discriminator D(x, z) scores joint
pairs: the real pair (x, E(x)) against the fake pair (G(z), z) (paper 002, Sec. 2.2). G and E minimise
the same adversarial loss and are updated together; at the optimum they invert each other, so
``reconstruct(x) = G(E(x))`` approaches x.

Everything else comes from :class:`zoo.gan.GAN`: the losses are the pure functions of
:mod:`zoo.losses` applied to the two joint logits (``v`` = ``non_saturating``, ``w``, ``lol1``,
``lol2``; PROTOCOLS.md §1.3), the D:G update ratio is the loss's own (1, or 5 for Wasserstein), and
``train_step`` is inherited. This class overrides only the hooks:

* :meth:`BiGAN.logits` — the two joint scores;
* :attr:`BiGAN.generator_variables` — G's and E's weights, one optimizer step for both;
* :meth:`BiGAN.penalty` — ``"pairwise"`` (LOGAN Sec. 3.2, x side; z side optional) or ``"gp"``
  (WGAN-GP at interpolates of the joint pairs);
* :meth:`BiGAN.from_hparams` / :meth:`BiGAN.build_networks` — toy: three 512-unit lrelu MLPs (G, E, and D on concat(x, z)); images:
  DCGAN generator, convolutional encoder with tanh output, joint DCGAN discriminator.

Later encoder methods (mode-regularized GAN, VEEGAN, DIW-GAN) subclass this class.
"""
from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from zoo import networks, penalties
from zoo.gan import GAN, _deserialize, _serialize
from zoo.priors import Prior

__all__ = ["BiGAN", "PENALTIES"]

PENALTIES = ("none", "gp", "pairwise")


def _flat(t):
    return tf.reshape(t, [tf.shape(t)[0], -1])


@keras.saving.register_keras_serializable(package="mode_zoo")
class BiGAN(GAN):
    """Generator, encoder and joint discriminator D(x, z) (Donahue et al. 2017; LOGAN Sec. 2.2, 3).

    Args:
        generator: ``keras.Model`` z -> x.
        discriminator: ``keras.Model`` ``[x, z]`` -> logit ``[B, 1]``.
        prior: :class:`zoo.priors.Prior` for z.
        encoder: ``keras.Model`` x -> z (required; keyword-only).
        penalty: ``"pairwise"`` (LOGAN), ``"gp"`` (WGAN-GP on joint interpolates) or ``"none"``.
            It is applied with weight ``gp_weight`` (λ = 0.1 toy, 1 images in LOGAN); λ = 0 is off.
        z_penalty: add LOGAN's z-side pair-wise term P_z (off by default: the paper says it is not
            needed for a uniform p(z), and the authors' code computes but does not use it).
        **kwargs: everything :class:`zoo.gan.GAN` takes (``loss``, ``d_steps``, ``gp_weight``, ...).
    """

    def __init__(self, generator, discriminator, prior=None, *, encoder, penalty="pairwise",
                 z_penalty=False, **kwargs):
        if penalty not in PENALTIES:
            raise ValueError(f"unknown penalty {penalty!r}; known: {', '.join(PENALTIES)}")
        if penalty == "none":
            kwargs["gp_weight"] = 0.0  # "none" wins over a leftover λ, so no penalty is computed
        super().__init__(generator, discriminator, prior, **kwargs)
        self.encoder = _deserialize(encoder)
        self.penalty_name = penalty
        self.z_penalty = bool(z_penalty)

    # ------------------------------------------------------------------ config
    def get_config(self):
        """GAN's config plus the encoder network and the penalty choice."""
        config = super().get_config()
        config.update(encoder=_serialize(self.encoder), penalty=self.penalty_name, z_penalty=self.z_penalty)
        return config

    @classmethod
    def build_networks(cls, config: dict, latent_dim: int) -> dict:
        """G, E and the joint D for ``config["network"]`` (PROTOCOLS §1.3 toy and image setups).

        ``mlp``: G z -> x, E x -> z and D concat(x, z) -> logit, each ``*_hidden`` lrelu layers with a
        linear output; ``init: logan`` gives the hidden layers LOGAN's uniform unit-scaling init (1.43).
        ``dcgan``: :func:`zoo.networks.dcgan_generator`, :func:`~zoo.networks.dcgan_encoder` (BN, tanh
        output matching U(-1, 1)) and :func:`~zoo.networks.dcgan_discriminator` with ``z_dim`` (no BN,
        so the gradient penalties stay per sample).
        """
        from zoo.data import data_shape

        shape = data_shape(config["dataset"])
        if config["network"] == "mlp":
            init = networks.logan_initializer() if config.get("init") == "logan" else "glorot_uniform"
            act, x_dim = config["activation"], shape[0]
            g = networks.mlp(latent_dim, x_dim, config["g_hidden"], act, config.get("g_output"),
                             name="generator", hidden_initializer=init)
            e = networks.mlp(x_dim, latent_dim, config.get("e_hidden", config["g_hidden"]), act,
                             name="encoder", hidden_initializer=init)
            d = networks.joint_mlp(x_dim, latent_dim, config["d_hidden"], act, name="discriminator",
                                   hidden_initializer=init)
        elif config["network"] == "dcgan":
            g = networks.dcgan_generator(latent_dim, shape, config["base"], config["kernel"])
            e = networks.dcgan_encoder(shape, latent_dim, config["base"], config["kernel"])
            d = networks.dcgan_discriminator(shape, config["base"], config["kernel"], z_dim=latent_dim)
        else:
            raise ValueError(f"unknown network {config['network']!r}; known: mlp, dcgan")
        return {"generator": g, "discriminator": d, "encoder": e}

    @classmethod
    def from_hparams(cls, config: dict, **kwargs):
        """Untrained BiGAN from a resolved zoo config: :meth:`build_networks` plus GAN's keys and the
        BiGAN keys ``penalty`` and ``z_penalty``; ``kwargs`` (and ``method_kwargs``) reach ``__init__``."""
        prior = Prior(**config["prior"])
        kwargs = {"penalty": config.get("penalty", "pairwise"), "z_penalty": config.get("z_penalty", False),
                  **config.get("method_kwargs", {}), **kwargs}
        return cls(**cls.build_networks(config, prior.event_dim), prior=prior, loss=config["loss"],
                   d_steps=config.get("d_steps"), gp_weight=config.get("gp_weight", 0.0),
                   clip=config.get("clip"), dataset=config["dataset"], seed=config.get("seed", 0), **kwargs)

    # ------------------------------------------------------------------ hooks
    @property
    def generator_variables(self):
        """G's and E's weights: both minimise the generator loss in one step (LOGAN code runs the G
        and E ops together; ``e_total_loss = [g_loss]``)."""
        return self.generator.trainable_variables + self.encoder.trainable_variables

    def logits(self, real, z, training=True):
        """D's logits on the real pair (x, E(x)) and on the fake pair (G(z), z) (BiGAN objective)."""
        code = self.encoder(real, training=training)
        fake = self.generator(z, training=training)
        return (self.discriminator([real, code], training=training),
                self.discriminator([fake, z], training=training))

    def penalty(self, real, z):
        """λ-free penalty term of D's loss: LOGAN's pair-wise penalty or joint WGAN-GP.

        ``pairwise`` (Sec. 3.2): L_GPx = E ‖∇_x̃ D(x̃, E(x)) - x_unit‖ with x̃ between x and G(E(x)), plus,
        if ``z_penalty``, P_z = E ‖-∇_z̃ D(G(z), z̃) - z_unit‖ with z̃ between z and E(G(z)); one ε per
        sample serves both sides, as in the authors' code.
        ``gp`` (Gulrajani et al. 2017, Eq. 3, in the joint space): interpolates of the real and the
        fake pair, gradient with respect to both x and z.
        """
        eps = keras.random.uniform((tf.shape(real)[0],), seed=self.seed_generator)
        if self.penalty_name == "gp":
            return self._joint_gradient_penalty(real, z, eps)
        code = self.encoder(real, training=True)
        reconstruction = self.generator(code, training=True)
        # z is held at E(x): the gradient is taken on the x side only.
        gp = penalties.pairwise_gradient_penalty(
            lambda x: self.discriminator([x, code], training=True), real, reconstruction, eps)
        if self.z_penalty:
            fake = self.generator(z, training=True)
            z_rec = self.encoder(fake, training=True)
            gp = gp + penalties.pairwise_gradient_penalty(
                lambda zt: -self.discriminator([fake, zt], training=True), z, z_rec, eps)
        return gp

    def _joint_gradient_penalty(self, real, z, eps):
        """WGAN-GP on concat(flatten(x), z): the pair is one vector so :func:`gradient_penalty` applies."""
        x_shape = real.shape[1:]
        x_dim = math.prod(x_shape)

        def critic(pair):
            x = tf.reshape(pair[:, :x_dim], [-1, *x_shape])
            return self.discriminator([x, pair[:, x_dim:]], training=True)

        real_pair = tf.concat([_flat(real), self.encoder(real, training=True)], axis=1)
        fake_pair = tf.concat([_flat(self.generator(z, training=True)), z], axis=1)
        return penalties.gradient_penalty(critic, real_pair, fake_pair, eps)

    # ------------------------------------------------------------------ inference
    def _batched(self, fn, x, batch_size):
        x = np.asarray(x, np.float32)
        out = [np.asarray(fn(x[i:i + batch_size])) for i in range(0, len(x), batch_size)]
        return np.concatenate(out) if out else None

    def encode(self, x, batch_size: int = 4096) -> np.ndarray:
        """E(x) for a batch of data (inference mode), as a numpy array ``[N, z_dim]``."""
        out = self._batched(lambda b: self.encoder(b, training=False), x, batch_size)
        return out if out is not None else np.zeros((0, self.prior.event_dim), np.float32)

    def reconstruct(self, x, batch_size: int = 4096) -> np.ndarray:
        """G(E(x)): the reconstruction whose distance to x the pair-wise penalty shortens (Sec. 3.2)."""
        fn = lambda b: self.generator(self.encoder(b, training=False), training=False)  # noqa: E731
        out = self._batched(fn, x, batch_size)
        return out if out is not None else np.zeros((0, *self.generator.output_shape[1:]), np.float32)
