"""VEEGAN (Srivastava et al. 2017, arXiv:1705.07761): a reconstructor network that inverts the generator.

A reconstructor F_θ maps data back to noise. The discriminator judges joint pairs, as in a BiGAN, but
with the roles of VEEGAN's Algorithm 1: it tells generated pairs (z, G(z)) from reconstructed pairs
(F(x) + ε', x), where the reconstructor's output is the mean of N(F(x), I) and a sample of it is
paired with x. Writing D for the logit:

* D minimises −E log σ(D(z, G(z))) − E log(1 − σ(D(z_g, x))), z_g ~ N(F(x), I);
* G minimises E [D(z, G(z)) + d(z, G(z))] with d(z, x) = ½‖z − F(x)‖² (−log N(z; F(x), I) up to a
  constant): it must fool D *and* be invertible by F, which is what keeps it from dropping modes;
* F minimises E d(z, G(z)), with its own optimizer.

The networks follow a faithful transcription of the authors' 2-D notebook: z of 254 dimensions
N(0, I) plus a 1-dimensional noise input ε ~ N(0, 1) that the reconstructor does not recover (our
prior is N(0, I) of 255 dimensions, of which F predicts the first 254); G: [z, ε] → FC128 ReLU → FC128
ReLU → x; F: x → FC128 ReLU → FC128 ReLU → z; D: concat(x, z) → FC128 ReLU → logit; Adam 1e-3 with
β1 = 0.5, batch 500. On images, the DCGAN generator and convolutional encoder of the BiGAN family with
a uniform prior and no ε. Equations and choices: ``docs/methods/baselines.md#veegan``.
"""
from __future__ import annotations

import keras
import tensorflow as tf

from zoo.core import networks
from zoo.core.model import Player
from zoo.methods import register_entry, register_method
from zoo.methods.bigan import BiGAN

__all__ = ["VEEGAN"]


@keras.saving.register_keras_serializable(package="mode_zoo")
class VEEGAN(BiGAN):
    """Generator, reconstructor (the ``encoder``) and joint discriminator, trained by Algorithm 1.

    Args:
        noise_dims: trailing dimensions of z that are G's extra noise ε, not recovered by F (1 in the
            authors' notebook; 0 on images).
        recon_std: std of the reconstructor's Gaussian N(F(x), recon_std² I) sampled for D (1 in the paper).
        **kwargs: :class:`zoo.methods.bigan.BiGAN` arguments (the encoder is the reconstructor).
    """

    def __init__(self, *args, noise_dims: int = 1, recon_std: float = 1.0, **kwargs):
        kwargs.setdefault("penalty", "none")
        super().__init__(*args, **kwargs)
        if not 0 <= int(noise_dims) < self.prior.event_dim:
            raise ValueError(f"noise_dims must lie in [0, {self.prior.event_dim}), got {noise_dims}")
        if not float(recon_std) >= 0:
            raise ValueError(f"recon_std must be >= 0, got {recon_std}")
        self.noise_dims, self.recon_std = int(noise_dims), float(recon_std)

    def get_config(self):
        """BiGAN's config plus ε's size and the reconstructor's std."""
        return {**super().get_config(), "noise_dims": self.noise_dims, "recon_std": self.recon_std}

    @classmethod
    def build_networks(cls, config: dict, latent_dim: int) -> dict:
        """BiGAN's networks with F predicting the recovered part of z and a one-hidden-layer joint D."""
        from zoo.data import data_shape

        nets = super().build_networks(config, latent_dim)
        code_dim = latent_dim - int(config["method_kwargs"].get("noise_dims", 1))
        shape = data_shape(config["dataset"])
        if config["network"] == "mlp":
            act = config["activation"]
            nets["encoder"] = networks.mlp(shape[0], code_dim, config["e_hidden"] or config["g_hidden"], act,
                                           name="encoder")
            nets["discriminator"] = networks.joint_mlp(shape[0], code_dim, config["d_hidden"], act,
                                                       name="discriminator")
        else:
            nets["encoder"] = networks.dcgan_encoder(shape, code_dim, **networks.dcgan_kwargs(config, "encoder"))
            nets["discriminator"] = networks.dcgan_discriminator(
                shape, z_dim=code_dim, **networks.dcgan_kwargs(config, "discriminator"))
        return nets

    # ------------------------------------------------------------------ the game
    @property
    def players(self) -> list[Player]:
        """D; then G (fool D, stay invertible); then F (invert G), each with its own optimizer."""
        return [Player("discriminator", "d", ("discriminator",), ("adv",)),
                Player("generator", "g", ("generator",), ("adv", "rec")),
                Player("encoder", "e", ("encoder",), ("rec",))]

    def recovered(self, z):
        """The part of z the reconstructor recovers (ε excluded)."""
        return z[:, :self.prior.event_dim - self.noise_dims]

    def forward_code(self, rec):
        """z_g ~ N(F(x), recon_std² I): a reconstructor sample for each real x."""
        mean = self.encoder(rec.real, training=True)
        return mean + self.recon_std * keras.random.normal(tf.shape(mean), seed=self.seed_generator)

    def forward_fake_logits(self, rec):
        """D's logits on the generated pairs (G(z), z)."""
        return self.discriminator([rec.fake, self.recovered(rec.z)], training=True)

    def forward_reconstruction_error(self, rec):
        """d(z, G(z)) = ½‖z − F(G(z))‖² per sample."""
        z_hat = self.encoder(rec.fake, training=True)
        return 0.5 * tf.reduce_sum(tf.square(self.recovered(rec.z) - z_hat), axis=1)

    def discriminator_terms(self, rec):
        """Algorithm 1: generated pairs are D's class 1, reconstructed pairs its class 0."""
        return {"adv": self.loss_fn.discriminator(rec.fake_logits, rec.real_logits)}

    def generator_terms(self, rec):
        """E D(z, G(z)) (the logit) plus E d(z, G(z))."""
        return {"adv": tf.reduce_mean(rec.fake_logits), "rec": tf.reduce_mean(rec.reconstruction_error)}

    def encoder_terms(self, rec):
        """E d(z, G(z)), with G fixed."""
        return {"rec": tf.reduce_mean(rec.reconstruction_error)}


_NOTEBOOK = {"g_hidden": [128, 128], "e_hidden": [128, 128], "d_hidden": [128], "activation": "relu",
             "prior": {"kind": "normal", "dim": 255}, "batch_size": 500, "loss": "minimax",
             "penalty": "none", "gp_weight": 0.0, "init": None,
             "optimizer": {"name": "adam", "learning_rate": 1e-3, "beta_1": 0.5},
             "method_kwargs": {"noise_dims": 1, "recon_std": 1.0}}
register_method("veegan", VEEGAN, {"dataset": "ring8", **_NOTEBOOK}, paper="Srivastava et al. 2017, arXiv:1705.07761")
register_entry("veegan_ring8", "veegan", "ring8", seed=1, steps=30_000)
register_entry("veegan_grid25", "veegan", "grid25", seed=2, steps=30_000)
# Stacked MNIST: the compact DCGAN networks of the image defaults, uniform z of 64 dimensions, no ε.
register_entry("veegan_stacked_mnist", "veegan", "stacked_mnist", steps=3_000, batch_size=64,
               prior={"kind": "uniform", "dim": 64},
               optimizer={"name": "adam", "learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999},
               method_kwargs={"noise_dims": 0, "recon_std": 0.1})
