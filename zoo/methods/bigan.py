"""BiGAN (Donahue et al. 2017, arXiv:1605.09782): generator, encoder and a joint discriminator D(x, z).

A BiGAN adds an encoder E: x -> z to the generator G: z -> x. Its discriminator scores joint pairs: the
real pair (x, E(x)) against the fake pair (G(z), z). G and E minimise the same adversarial loss and are
one player, updated together; at the optimum they invert each other, so ``reconstruct(x) = G(E(x))``
approaches x. Everything else is :class:`zoo.core.model.GAN`'s; this class changes only

* the forward recipes: ``code`` = E(x), the two joint logits, ``reconstruction`` = G(E(x));
* the generator player, which also updates E and keeps the real-pair term of the loss;
* the penalty: LOGAN's pair-wise one (``zoo.methods.logan``) or WGAN-GP on joint interpolates;
* the networks: three MLPs (D on concat(x, z)) or DCGAN generator, convolutional encoder with a tanh
  output and a joint DCGAN discriminator.

Encoder methods (LOGAN, and the planned Mode-Regularized GAN and VEEGAN) build on this class.
"""
from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from zoo.core import networks, penalties
from zoo.core.model import GAN, Player, deserialize, serialize
from zoo.methods import register_entry, register_method

__all__ = ["BiGAN"]


def _flat(t):
    return tf.reshape(t, [tf.shape(t)[0], -1])


@keras.saving.register_keras_serializable(package="mode_zoo")
class BiGAN(GAN):
    """Generator, encoder and joint discriminator D(x, z).

    Args:
        generator: ``keras.Model`` z -> x.
        discriminator: ``keras.Model`` ``[x, z]`` -> logit ``[B, 1]``.
        prior: :class:`zoo.core.priors.Prior` for z.
        encoder: ``keras.Model`` x -> z (required; keyword-only).
        penalty: ``"pairwise"`` (LOGAN), ``"gp"`` (WGAN-GP on joint interpolates) or ``"none"``, with
            weight ``gp_weight`` (λ = 0.1 toy, 1 images in LOGAN); λ = 0 is off.
        z_penalty: add LOGAN's z-side pair-wise term P_z (off by default: the paper says it is not
            needed for a uniform p(z), and the authors' code computes but does not use it).
        **kwargs: everything :class:`zoo.core.model.GAN` takes (``loss``, ``d_steps``, ``gp_weight``, ...).
    """

    has_encoder = True

    def __init__(self, generator, discriminator, prior=None, *, encoder, penalty="pairwise",
                 z_penalty=False, **kwargs):
        super().__init__(generator, discriminator, prior, penalty=penalty, **kwargs)
        if self.pack != 1:
            raise ValueError("packing (pack > 1) needs a plain discriminator; a BiGAN's judges (x, z) pairs")
        self.encoder = deserialize(encoder)
        self.z_penalty = bool(z_penalty)

    # ------------------------------------------------------------------ config
    def get_config(self):
        """GAN's config plus the encoder network and the z-side penalty switch."""
        config = super().get_config()
        config.update(encoder=serialize(self.encoder), z_penalty=self.z_penalty)
        return config

    @classmethod
    def build_networks(cls, config: dict, latent_dim: int) -> dict:
        """G, E and the joint D for ``config["network"]``.

        ``mlp``: G z -> x, E x -> z and D concat(x, z) -> logit, each ``*_hidden`` layers of
        ``activation`` with a linear output; ``init: logan`` gives the hidden layers LOGAN's uniform
        unit-scaling init (1.43). ``dcgan``: :func:`zoo.core.networks.dcgan_generator`,
        :func:`~zoo.core.networks.dcgan_encoder` (BN, tanh output matching U(-1, 1)) and
        :func:`~zoo.core.networks.dcgan_discriminator` with ``z_dim`` (no BN, so the gradient penalties
        stay per sample), with the config's DCGAN options (:func:`~zoo.core.networks.dcgan_kwargs`).
        """
        from zoo.data import data_shape

        shape = data_shape(config["dataset"])
        if config["network"] == "mlp":
            init = networks.logan_initializer() if config["init"] == "logan" else "glorot_uniform"
            act, x_dim = config["activation"], shape[0]
            g = networks.mlp(latent_dim, x_dim, config["g_hidden"], act, config["g_output"],
                             name="generator", hidden_initializer=init)
            e = networks.mlp(x_dim, latent_dim, config["e_hidden"] or config["g_hidden"], act,
                             name="encoder", hidden_initializer=init)
            d = networks.joint_mlp(x_dim, latent_dim, config["d_hidden"], act, name="discriminator",
                                   hidden_initializer=init)
        else:
            g = networks.dcgan_generator(latent_dim, shape, **networks.dcgan_kwargs(config, "generator"))
            e = networks.dcgan_encoder(shape, latent_dim, **networks.dcgan_kwargs(config, "encoder"))
            d = networks.dcgan_discriminator(shape, z_dim=latent_dim, **networks.dcgan_kwargs(config, "discriminator"))
        return {"generator": g, "discriminator": d, "encoder": e}

    @classmethod
    def from_hparams(cls, config: dict, **kwargs):
        """Untrained BiGAN from a resolved zoo config: GAN's keys plus ``z_penalty``."""
        return super().from_hparams(config, z_penalty=config["z_penalty"], **kwargs)

    # ------------------------------------------------------------------ the game
    @property
    def players(self) -> list[Player]:
        """D, then G and E together: both minimise the generator loss in one step (LOGAN's code runs
        the G and E ops together)."""
        d, g = super().players
        return [d, Player("generator", "g", ("generator", "encoder"), g.terms)]

    def generator_terms(self, rec):
        """G's and E's adversarial loss on both pairs (E enters through the real pair)."""
        return {"adv": self.loss_fn.generator(rec.real_logits, rec.fake_logits)}

    def forward_code(self, rec):
        """E(x) of the real batch."""
        return self.encoder(rec.real, training=True)

    def forward_reconstruction(self, rec):
        """G(E(x))."""
        return self.generator(rec.code, training=True)

    def forward_real_logits(self, rec):
        """D's logits on the real pairs (x, E(x))."""
        return self.discriminator([rec.real, rec.code], training=True)

    def forward_fake_logits(self, rec):
        """D's logits on the fake pairs (G(z), z)."""
        return self.discriminator([rec.fake, rec.z], training=True)

    def penalty(self, rec):
        """λ-free penalty term of D's loss: LOGAN's pair-wise penalty or joint WGAN-GP.

        ``pairwise`` (Sharma & Namboodiri 2018, arXiv:1802.00771, Sec. 3.2): L_GPx = E ‖∇_x̃ D(x̃, E(x)) -
        x_unit‖ with x̃ between x and G(E(x)), plus, if ``z_penalty``, P_z = E ‖-∇_z̃ D(G(z), z̃) - z_unit‖
        with z̃ between z and E(G(z)); one ε per sample serves both sides, as in the authors' code.
        ``gp`` (Gulrajani et al. 2017, Eq. 3, in the joint space): interpolates of the real and the fake
        pair, gradient with respect to both x and z.
        """
        if self.penalty_name == "gp":
            return self._joint_gradient_penalty(rec)
        code = rec.code
        # z is held at E(x): the gradient is taken on the x side only.
        gp = penalties.pairwise_gradient_penalty(
            lambda x: self.discriminator([x, code], training=True), rec.real, rec.reconstruction, rec.eps)
        if self.z_penalty:
            fake = rec.fake
            z_rec = self.encoder(fake, training=True)
            gp = gp + penalties.pairwise_gradient_penalty(
                lambda zt: -self.discriminator([fake, zt], training=True), rec.z, z_rec, rec.eps)
        return gp

    def _joint_gradient_penalty(self, rec):
        """WGAN-GP on concat(flatten(x), z): the pair is one vector so :func:`gradient_penalty` applies."""
        x_shape = rec.real.shape[1:]
        x_dim = math.prod(x_shape)

        def critic(pair):
            x = tf.reshape(pair[:, :x_dim], [-1, *x_shape])
            return self.discriminator([x, pair[:, x_dim:]], training=True)

        real_pair = tf.concat([_flat(rec.real), rec.code], axis=1)
        fake_pair = tf.concat([_flat(rec.fake), rec.z], axis=1)
        return penalties.gradient_penalty(critic, real_pair, fake_pair, rec.eps)

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


# Donahue et al. 2017 BiGAN with LOGAN's toy setup (Sharma & Namboodiri 2018): vanilla loss ``v``, no
# penalty; G, E, D = 3×512 lrelu with LOGAN's init, Adam 1e-4 (0.5, 0.9) everywhere.
_TOY_BIGAN = {"g_hidden": [512, 512, 512], "e_hidden": [512, 512, 512], "d_hidden": [512, 512, 512],
              "activation": "lrelu", "init": "logan", "z_penalty": False,
              "optimizer": {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}}
register_method("bigan", BiGAN, {"dataset": "ring8", "loss": "non_saturating", "penalty": "none",
                                 "gp_weight": 0.0, **_TOY_BIGAN},
                paper="Donahue et al. 2017, arXiv:1605.09782")
register_entry("bigan_ring8", "bigan", "ring8", prior={"kind": "uniform", "dim": 1}, steps=15_000)
