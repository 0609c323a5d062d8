"""Mode-regularized GAN and MDGAN (Che et al. 2017, "Mode Regularized Generative Adversarial Networks",
ICLR 2017, arXiv:1612.02136).

Both add an encoder E: x -> z and use the reconstruction G(E(x)) of real data to pull the generator
towards every mode of the data, including minor ones that G(z) never visits.

* :class:`ModeRegularizedGAN` (the paper's "regularized GAN", Eqs. 3-4): D is the plain GAN
  discriminator on x against G(z); G adds λ1 d(x, G(E(x))) + λ2 (−log D(G(E(x)))) to its adversarial
  loss, and E, a player of its own with its own optimizer (``e_optimizer``), minimises the same two
  terms. d is the per-sample mean squared error.
* :class:`MDGAN` (manifold-diffusion training, Sec. 3.3): a manifold step, in which D1 separates x from
  G(E(x)) while G and E minimise −log D1(G(E(x))) + λ d(x, G(E(x))), then a diffusion step, in which D2
  separates G(E(x)) ("real") from G(z) while G minimises −log D2(G(z)).

Both subclass :class:`zoo.methods.bigan.BiGAN` for the encoder (its config, ``encode``,
``reconstruct`` and the ``code``/``reconstruction`` recipes) but score single samples with a plain
discriminator, as :class:`zoo.core.model.GAN` does. Equations, the sign of the λ2 term and the schedule:
``docs/methods/mode_regularized.md``.
"""
from __future__ import annotations

import keras
from keras import ops

from zoo.core import networks
from zoo.core.model import GAN, Player, deserialize, serialize
from zoo.methods import register_entry, register_method
from zoo.methods.bigan import BiGAN

__all__ = ["ModeRegularizedGAN", "MDGAN", "reconstruction_distance"]


def reconstruction_distance(x, x_rec):
    """d(x, G(E(x))) of Che et al. (2017), Eq. 1: the squared error per sample averaged over its
    coordinates (pixels, or the coordinates of a vector), then over the batch (MSE)."""
    diff = ops.reshape(ops.square(x - x_rec), (ops.shape(x)[0], -1))
    return ops.mean(ops.mean(diff, axis=1))


def _plain_networks(config: dict, latent_dim: int, extra_discriminators: int = 0) -> dict:
    """G and a plain D of :func:`zoo.core.networks.for_config`, an encoder, and further plain Ds.

    The encoder is :func:`~zoo.core.networks.dcgan_encoder` for images (tanh output, matching the
    U(-1, 1) priors) and, for vectors, an MLP like BiGAN's (``e_hidden``, else ``g_hidden``) whose output
    is tanh for a uniform prior (so codes stay in the prior's support) and linear otherwise.
    """
    from zoo.data import data_shape

    nets = networks.for_config(config, latent_dim)
    shape = data_shape(config["dataset"])
    for i in range(extra_discriminators):
        name = f"discriminator{i + 2}"
        if config["network"] == "mlp":
            nets[name] = networks.mlp(shape[0], 1, config["d_hidden"], config["d_activation"] or config["activation"],
                                      name=name)
        else:
            nets[name] = networks.dcgan_discriminator(shape, name=name,
                                                      **networks.dcgan_kwargs(config, "discriminator"))
    if config["network"] == "mlp":
        out = "tanh" if config["prior"].get("kind", "uniform") == "uniform" else None
        nets["encoder"] = networks.mlp(shape[0], latent_dim, config["e_hidden"] or config["g_hidden"],
                                       config["activation"], out, name="encoder")
    else:
        nets["encoder"] = networks.dcgan_encoder(shape, latent_dim, **networks.dcgan_kwargs(config, "encoder"))
    return nets


class _PlainDiscriminatorEncoderGAN(BiGAN):
    """BiGAN's encoder with GAN's plain discriminator: D scores single samples, not (x, z) pairs."""

    def __init__(self, generator, discriminator, prior=None, *, encoder, penalty="none", **kwargs):
        if penalty == "pairwise":
            raise ValueError(f"{type(self).__name__} has a plain discriminator; use penalty 'gp' or 'none'")
        super().__init__(generator, discriminator, prior, encoder=encoder, penalty=penalty, **kwargs)

    @classmethod
    def build_networks(cls, config: dict, latent_dim: int) -> dict:
        """G, a plain D and an encoder (:func:`_plain_networks`)."""
        return _plain_networks(config, latent_dim)

    # D sees single samples: GAN's recipes and WGAN-GP penalty, not BiGAN's joint ones.
    forward_real_logits = GAN.forward_real_logits
    forward_fake_logits = GAN.forward_fake_logits
    penalty = GAN.penalty

    def forward_reconstruction_logits(self, rec):
        """D's logits on the reconstructions G(E(x))."""
        return self.discriminator(rec.reconstruction, training=True)

    def forward_rec_distance(self, rec):
        """d(x, G(E(x))) (:func:`reconstruction_distance`)."""
        return reconstruction_distance(rec.real, rec.reconstruction)


@keras.saving.register_keras_serializable(package="mode_zoo")
class ModeRegularizedGAN(_PlainDiscriminatorEncoderGAN):
    """The regularized GAN of Che et al. (2017), Eqs. 3-4: D on x vs G(z); G and E regularised.

    Args:
        generator, discriminator, prior, encoder: as :class:`zoo.methods.bigan.BiGAN`, with a plain
            discriminator x -> logit.
        lambda1: weight of the geometric regulariser d(x, G(E(x))) (MSE).
        lambda2: weight of the mode regulariser −log D(G(E(x))) (the non-saturating form of
            ``loss``; the printed +λ2 log D has the opposite sign, see the module docs).
        **kwargs: everything :class:`zoo.core.model.GAN` takes.
    """

    def __init__(self, generator, discriminator, prior=None, *, encoder, lambda1=1.0, lambda2=0.4, **kwargs):
        super().__init__(generator, discriminator, prior, encoder=encoder, **kwargs)
        self.lambda1 = float(lambda1)
        self.lambda2 = float(lambda2)
        if self.lambda1 < 0 or self.lambda2 < 0:
            raise ValueError(f"lambda1 and lambda2 must be >= 0, got {lambda1}, {lambda2}")

    def get_config(self):
        """BiGAN's config plus λ1 and λ2."""
        return {**super().get_config(), "lambda1": self.lambda1, "lambda2": self.lambda2}

    @property
    def players(self) -> list[Player]:
        """D (x vs G(z)), then G (T_G, Eq. 3), then E (T_E, Eq. 4), each with its own optimizer."""
        d = GAN.players.fget(self)[0]
        return [d, Player("generator", "g", ("generator",), ("adv", "rec", "mode")),
                Player("encoder", "e", ("encoder",), ("rec", "mode"))]

    def _regularisers(self, rec) -> dict:
        # Eqs. 3-4: λ1 d(x, G∘E(x)) and the mode term, which we take as λ2 (−log D(G∘E(x))) (the
        # generator loss of ``loss`` on the reconstructions: "move G(E(x)) towards a nearby mode").
        return {"rec": self.lambda1 * rec.rec_distance,
                "mode": self.lambda2 * self.loss_fn.generator(None, rec.reconstruction_logits)}

    def discriminator_terms(self, rec) -> dict:
        """D's loss on x against G(z) only (reconstructions are not shown to D), plus the penalty if on."""
        return GAN.discriminator_terms(self, rec)

    def generator_terms(self, rec) -> dict:
        """T_G (Eq. 3): −log D(G(z)) + λ1 d(x, G(E(x))) + λ2 (−log D(G(E(x))))."""
        return {"adv": self.loss_fn.generator(None, rec.fake_logits), **self._regularisers(rec)}

    def encoder_terms(self, rec) -> dict:
        """T_E (Eq. 4): λ1 d(x, G(E(x))) + λ2 (−log D(G(E(x))))."""
        return self._regularisers(rec)


@keras.saving.register_keras_serializable(package="mode_zoo")
class MDGAN(_PlainDiscriminatorEncoderGAN):
    """Manifold-diffusion GAN of Che et al. (2017), Sec. 3.3: two discriminators, two steps per iteration.

    Per training step, in this order: D1 (x real, G(E(x)) fake); G, then E, on the manifold loss
    −log D1(G(E(x))) + λ d(x, G(E(x))); D2 (G(E(x)) real, G(z) fake); G on the diffusion loss
    −log D2(G(z)). ``discriminator`` is D1, ``discriminator2`` is D2; the diffusion players have the
    prefixes ``d2`` and ``g2`` (own optimizers, from the shared ``optimizer``).

    Args:
        discriminator2: ``keras.Model`` x -> logit, the diffusion step's D2 (keyword-only).
        lambda1: weight λ of d(x, G(E(x))) in the manifold step.
        **kwargs: as :class:`ModeRegularizedGAN` (without λ2).
    """

    def __init__(self, generator, discriminator, prior=None, *, encoder, discriminator2, lambda1=1.0, **kwargs):
        super().__init__(generator, discriminator, prior, encoder=encoder, **kwargs)
        self.discriminator2 = deserialize(discriminator2)
        self.lambda1 = float(lambda1)
        if self.lambda1 < 0:
            raise ValueError(f"lambda1 must be >= 0, got {lambda1}")
        if self.penalty_on:
            raise ValueError("MDGAN has no gradient penalty; use penalty 'none'")

    def get_config(self):
        """BiGAN's config plus D2 and λ."""
        return {**super().get_config(), "discriminator2": serialize(self.discriminator2), "lambda1": self.lambda1}

    @classmethod
    def build_networks(cls, config: dict, latent_dim: int) -> dict:
        """G, D1, D2 (same architecture as D1) and the encoder."""
        return _plain_networks(config, latent_dim, extra_discriminators=1)

    @property
    def players(self) -> list[Player]:
        """Manifold step (D1, G, E), then diffusion step (D2, G): G is updated by two players."""
        return [Player("discriminator", "d", ("discriminator",), ("adv",), steps=self.d_steps),
                Player("generator", "g", ("generator",), ("adv", "rec")),
                Player("encoder", "e", ("encoder",), ("adv", "rec")),
                Player("diffusion_discriminator", "d2", ("discriminator2",), ("adv",), steps=self.d_steps),
                Player("diffusion", "g2", ("generator",), ("adv",))]

    def discriminator_terms(self, rec) -> dict:
        """Manifold step, D1: x is real, its reconstruction G(E(x)) fake."""
        return {"adv": self.loss_fn.discriminator(rec.real_logits, rec.reconstruction_logits)}

    def generator_terms(self, rec) -> dict:
        """Manifold step, G: −log D1(G(E(x))) + λ d(x, G(E(x)))."""
        return {"adv": self.loss_fn.generator(None, rec.reconstruction_logits),
                "rec": self.lambda1 * rec.rec_distance}

    encoder_terms = generator_terms  # the manifold loss, with respect to E

    def diffusion_discriminator_terms(self, rec) -> dict:
        """Diffusion step, D2: G(E(x)) is "real", G(z) fake."""
        return {"adv": self.loss_fn.discriminator(rec.reconstruction_logits2, rec.fake_logits2)}

    def diffusion_terms(self, rec) -> dict:
        """Diffusion step, G: −log D2(G(z)), spreading G(z) over the reconstructed manifold."""
        return {"adv": self.loss_fn.generator(None, rec.fake_logits2)}

    def forward_reconstruction_logits2(self, rec):
        """D2's logits on G(E(x))."""
        return self.discriminator2(rec.reconstruction, training=True)

    def forward_fake_logits2(self, rec):
        """D2's logits on G(z)."""
        return self.discriminator2(rec.fake, training=True)


_NO_PENALTY = {"loss": "non_saturating", "penalty": "none", "gp_weight": 0.0}
# λ1 = 1, λ2 = 0.4 (the paper's values are not available): a public third-party implementation's λ2, with λ1
# raised from its 0.2, at which our encoder chased D instead of reconstructing (MODEL_CARDS.md,
# docs/methods/mode_regularized.md).
register_method("mrgan", ModeRegularizedGAN, {"dataset": "mnist", **_NO_PENALTY,
                                              "method_kwargs": {"lambda1": 1.0, "lambda2": 0.4}},
                paper="Che et al. 2017, arXiv:1612.02136")
# λ = 1: our choice (the sources give none); the manifold step is then the adversarial term plus an
# autoencoder loss of equal weight.
register_method("mdgan", MDGAN, {"dataset": "mnist", **_NO_PENALTY, "method_kwargs": {"lambda1": 1.0}},
                paper="Che et al. 2017, arXiv:1612.02136")

# The same budgets as the baselines they are compared with: dcgan_mnist (3,000 steps) and gan_grid25
# (20,000 steps), with the data sets' default networks, batch and optimizer.
register_entry("mrgan_mnist", "mrgan", "mnist", steps=3_000)
register_entry("mdgan_mnist", "mdgan", "mnist", steps=3_000)
register_entry("mrgan_grid25", "mrgan", "grid25", seed=4, steps=20_000)
register_entry("mdgan_grid25", "mdgan", "grid25", seed=3, steps=20_000)
register_entry("mrgan_stacked_mnist", "mrgan", "stacked_mnist", steps=3_000)
register_entry("mdgan_stacked_mnist", "mdgan", "stacked_mnist", steps=3_000)
# Che et al. Table 3 (CelebA): Reg-GAN with z of 100 and 200 dimensions, MDGAN with 200; 64×64 DCGANs
# (base 64, the CelebA defaults). Configurations for users with the data; not trained here.
register_entry("mrgan_celeba", "mrgan", "celeba", prior={"kind": "uniform", "dim": 100})
register_entry("mrgan_celeba_z200", "mrgan", "celeba", prior={"kind": "uniform", "dim": 200})
register_entry("mdgan_celeba", "mdgan", "celeba", prior={"kind": "uniform", "dim": 200})
