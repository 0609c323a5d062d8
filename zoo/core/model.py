"""The adversarial base model that every method of the zoo specialises.

A training step has three stages (``docs/adding_a_method.md`` walks through them):

1. a **forward record** (:class:`Forward`): the tensors the losses need, each computed once, on
   first use, by a ``forward_<name>`` recipe of the model (``rec.fake`` is G(z), ``rec.fake_logits``
   is D(rec.fake), ...);
2. **named loss terms** per player: ``<player>_terms(rec)`` returns ``{term: scalar}``;
3. **one update per player**, in the order the method declares its :class:`Player`\\ s, each with its
   own optimizer and number of updates per step.

A method overrides only what its paper changes: a recipe (BiGAN scores pairs), a player's terms (an
extra regulariser), or the list of players (a separately trained encoder, a second discriminator).
Every term is tracked by a Keras metric, so it reaches the progress bar, TensorBoard and ``history``.

Under ``tf.distribute`` ``train_step`` sees the per-replica batch; losses are per-replica means, so the
gradients are divided by the number of replicas before the optimizers sum them across replicas, and
the numbers shown are Keras metrics, identical for 1 or N replicas. The latents and the penalty's
interpolation weights are drawn for the **global** batch on every replica (the same seeds everywhere)
and each replica keeps its own slice (:meth:`GAN.replica_slice`), so N replicas see exactly the draws
one replica would: a run on several devices or workers follows the single-device run (docs/distributed.md).
"""
from __future__ import annotations

import dataclasses
import functools
import operator
import warnings

import keras
import numpy as np
import tensorflow as tf

from zoo.core import losses, networks, penalties
from zoo.core.priors import Prior

__all__ = ["GAN", "Player", "Forward", "serialize", "deserialize", "PENALTIES"]

PENALTIES = ("none", "gp", "pairwise")


def serialize(obj):
    """Keras config of a network or prior, for ``get_config``."""
    return keras.saving.serialize_keras_object(obj)


def deserialize(obj):
    """Inverse of :func:`serialize`; objects that are not configs pass through."""
    return keras.saving.deserialize_keras_object(obj) if isinstance(obj, dict) else obj


@dataclasses.dataclass(frozen=True)
class Player:
    """One optimised party of the game.

    Attributes:
        name: the player's name; its loss terms come from the model's ``<name>_terms(rec)``.
        prefix: short name of its metrics (``d_loss``), optimizer attribute (``d_optimizer``) and
            config key (``d_optimizer``).
        networks: attributes of the model whose trainable variables the player updates.
        terms: names of the terms ``<name>_terms`` returns, in order (declared up front because
            their trackers must exist before the step is traced).
        steps: updates per training step; each update takes its own slice of the real batch.
    """

    name: str
    prefix: str
    networks: tuple[str, ...]
    terms: tuple[str, ...]
    steps: int = 1


class Forward:
    """The tensors of one update, each computed at most once, on first use.

    ``rec.name`` runs the model's recipe ``forward_<name>(rec)`` the first time and returns the stored
    tensor afterwards, so a loss term and a penalty that both need G(z) share one forward pass (and
    batch-norm statistics move once). Given tensors (``real``) are stored up front.
    """

    def __init__(self, model, player: str, **given):
        self._model = model
        self.player = player
        self._values = dict(given)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        values = self._values
        if name not in values:
            recipe = getattr(self._model, f"forward_{name}", None)
            if recipe is None:
                raise AttributeError(f"{type(self._model).__name__} has no recipe forward_{name} for rec.{name}")
            values[name] = recipe(self)
        return values[name]

    def __contains__(self, name):
        return name in self._values


@keras.saving.register_keras_serializable(package="mode_zoo")
class GAN(keras.Model):
    """Generator + discriminator + prior trained adversarially (GAN, WGAN, WGAN-GP, DCGAN, PacGAN).

    Args:
        generator: ``keras.Model`` z -> x.
        discriminator: ``keras.Model`` x -> logit ``[B, 1]`` (with ``pack`` = m: m samples -> one logit).
        prior: :class:`zoo.core.priors.Prior` for z (default U(-1, 1)^2).
        loss: a name in :data:`zoo.core.losses.LOSSES`.
        d_steps: discriminator updates per generator update (default: the loss's own, 5 for WGAN).
        gp_weight: λ of the gradient penalty; the penalty is on when λ > 0 and ``penalty`` is not "none".
        penalty: ``"gp"`` (WGAN-GP at interpolates of real and fake inputs), ``"pairwise"`` (LOGAN,
            encoder methods only) or ``"none"``.
        clip: clip D's weights to [-clip, clip] after each D step (default: the loss's own when no
            penalty is on; a penalty switches clipping off, as in WGAN-GP).
        pack: PacGAN's packing degree m (Lin et al. 2018, arXiv:1712.04086): D judges m samples at
            once, all real or all fake; 1 is the ordinary GAN.
        dataset: name of the training data set (used by the evaluation toolkit).
        seed: seed of the model's random stream (latents and interpolation weights while training).
    """

    #: whether the model has an encoder E: x -> z (BiGAN and its descendants).
    has_encoder = False

    def __init__(self, generator, discriminator, prior=None, loss="non_saturating", d_steps=None,
                 gp_weight=0.0, clip=None, dataset=None, seed=0, penalty="gp", pack=1, **kwargs):
        super().__init__(**kwargs)
        self.generator = deserialize(generator)
        self.discriminator = deserialize(discriminator)
        self.prior = deserialize(prior) if prior is not None else Prior("uniform", 2)
        self.loss_name = loss
        self.loss_fn = losses.get_loss(loss)
        self.d_steps = int(d_steps or self.loss_fn.d_steps)
        if self.d_steps < 1:
            raise ValueError(f"d_steps must be >= 1, got {d_steps}")
        if penalty not in PENALTIES:
            raise ValueError(f"unknown penalty {penalty!r}; known: {', '.join(PENALTIES)}")
        if penalty == "pairwise" and not self.has_encoder:
            raise ValueError(f"the pair-wise penalty needs an encoder; {type(self).__name__} has none "
                             "(use bigan or logan_bigan)")
        self.penalty_name = penalty
        self.gp_weight = float(gp_weight)
        # The one place that decides whether a penalty is on, and so whether WGAN clips.
        self.penalty_on = penalty != "none" and self.gp_weight > 0
        self.clip = clip if clip is not None else (None if self.penalty_on else self.loss_fn.clip)
        self.pack = int(pack)
        if self.pack < 1:
            raise ValueError(f"pack must be >= 1, got {pack}")
        self.dataset = dataset
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.trackers = {}
        for player in self.players:
            names = ["loss"] + (list(player.terms) if len(player.terms) > 1 else [])
            for term in names:
                self.trackers[f"{player.prefix}_{term}"] = keras.metrics.Mean(name=f"{player.prefix}_{term}")
            setattr(self, f"{player.prefix}_optimizer", None)
        self.built = True

    # ------------------------------------------------------------------ the game
    @property
    def players(self) -> list[Player]:
        """D first (``d_steps`` updates), then G: the order of the updates in a step."""
        return [Player("discriminator", "d", ("discriminator",), ("adv", "gp") if self.penalty_on else ("adv",),
                       steps=self.d_steps),
                Player("generator", "g", ("generator",), ("adv",))]

    def player_variables(self, player: Player) -> list:
        """Trainable variables a player updates."""
        return [v for net in player.networks for v in getattr(self, net).trainable_variables]

    def discriminator_terms(self, rec: Forward) -> dict:
        """D's adversarial loss and, when on, λ times the gradient penalty."""
        terms = {"adv": self.loss_fn.discriminator(rec.real_logits, rec.fake_logits)}
        if self.penalty_on:
            terms["gp"] = self.gp_weight * self.penalty(rec)
        return terms

    def generator_terms(self, rec: Forward) -> dict:
        """G's adversarial loss. D(real) does not depend on G, so it is neither computed nor added."""
        return {"adv": self.loss_fn.generator(None, rec.fake_logits)}

    def penalty(self, rec: Forward):
        """WGAN-GP penalty at per-sample interpolates of D's real and fake inputs (Gulrajani et al. 2017, Eq. 3)."""
        critic = lambda x: self.discriminator(x, training=True)  # noqa: E731
        return penalties.gradient_penalty(critic, rec.real_input, rec.fake_input, rec.eps)

    # ------------------------------------------------------------------ forward recipes
    def forward_z(self, rec):
        """The latent batch, one z per real sample (drawn by :meth:`draw_latent`)."""
        return self.replica_slice(self.draw_latent, tf.shape(rec.real)[0])

    def forward_fake(self, rec):
        """G(z)."""
        return self.generator(rec.z, training=True)

    def forward_real_input(self, rec):
        """What D sees of the real batch: the samples, packed m at a time."""
        return self.pack_samples(rec.real)

    def forward_fake_input(self, rec):
        """What D sees of the fake batch: G(z), packed m at a time."""
        return self.pack_samples(rec.fake)

    def forward_real_logits(self, rec):
        """D's logits on the real inputs."""
        return self.discriminator(rec.real_input, training=True)

    def forward_fake_logits(self, rec):
        """D's logits on the fake inputs."""
        return self.discriminator(rec.fake_input, training=True)

    def forward_eps(self, rec):
        """Per-input interpolation weights ε ~ U(0, 1) of the gradient penalties."""
        return self.replica_slice(lambda n: keras.random.uniform((n,), seed=self.seed_generator),
                                  tf.shape(rec.real_logits)[0])

    @staticmethod
    def replica_slice(draw, batch_size):
        """This replica's rows of ``draw(batch_size × replicas)``: a random draw made for the global batch.

        Every replica has the same seed-generator state, so ``draw(batch_size)`` would give each replica
        the same values (the global batch would repeat one set of latents). Drawing the global batch
        with the shared seed and keeping the replica's slice gives N replicas together exactly the
        draws of one replica (seeded Keras draws are stateless given seed and shape). Outside a
        distributed step (one replica) this is ``draw(batch_size)``.
        """
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context is not None else 1
        if replicas == 1:
            return draw(batch_size)
        start = tf.cast(context.replica_id_in_sync_group, tf.int32) * batch_size
        return draw(batch_size * replicas)[start:start + batch_size]

    def record(self, real, z=None, player: str = "discriminator") -> Forward:
        """A forward record of ``real`` (and, when given, ``z``) outside a training step, for inspection
        and tests: ``model.record(x, z).fake_logits``, ``model.penalty(model.record(x, z))``."""
        given = {"real": tf.convert_to_tensor(real)}
        if z is not None:
            given["z"] = tf.convert_to_tensor(z)
        return Forward(self, player, **given)

    def pack_samples(self, x):
        """PacGAN packing: ``[m·B, ...]`` -> ``[B, ..., m·C]``, m consecutive samples side by side.

        Vectors are concatenated; images are stacked along the channel axis (Lin et al. 2018, Sec. 3).
        """
        if self.pack == 1:
            return x
        shape = tf.shape(x)
        grouped = tf.reshape(x, tf.concat([[-1, self.pack], shape[1:]], 0))
        rank = len(x.shape)
        if rank > 2:  # [B, m, H, W, C] -> [B, H, W, m, C]
            grouped = tf.transpose(grouped, [0, *range(2, rank), 1, rank])
        return tf.reshape(grouped, tf.concat([[-1], shape[1:-1], [self.pack * shape[-1]]], 0))

    # ------------------------------------------------------------------ hooks for methods
    def draw_latent(self, batch_size):
        """Training batch of z. Default: i.i.d. from the prior (learned priors resample)."""
        return self.prior.sample(batch_size, seed=self.seed_generator.next())

    def pretrain(self, config: dict) -> dict | None:
        """Work a method does once before adversarial training (not on resume); returns figures for
        ``metrics.json``. None for the plain GAN; the Dual Importance Weight GAN trains its auto-encoder."""
        return None

    def checkpoint_metrics(self) -> dict:
        """Method-specific figures ``train.run`` adds to ``metrics.json`` after the evaluation. Empty for the
        plain GAN (its ``metrics.json`` holds the evaluation only); learned priors report their score spread."""
        return {}

    def examples_per_step(self, batch_size: int) -> int:
        """Real examples one training step consumes: ``batch_size`` D inputs of ``pack`` samples for
        each update of the player with the most updates (WGAN's critic sees fresh data every update)."""
        return int(batch_size) * self.pack * max(p.steps for p in self.players)

    # ------------------------------------------------------------------ Keras plumbing
    def compile(self, d_optimizer=None, g_optimizer=None, optimizers=None, **kwargs):
        """Set one optimizer per player plus Keras compile options.

        ``optimizers`` maps player prefixes (``d``, ``g``, ``e``, ...) to optimizers; ``d_optimizer``
        and ``g_optimizer`` are shorthands. Missing ones default to Adam 1e-4, β = (0.5, 0.9).
        ``steps_per_execution`` and ``jit_compile`` pass through to ``keras.Model.compile``.
        """
        given = {"d": d_optimizer, "g": g_optimizer, **(optimizers or {})}
        for player in self.players:
            opt = given.get(player.prefix) or keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)
            setattr(self, f"{player.prefix}_optimizer", opt)
        # Keras' own ``optimizer`` slot gets the generator's, so ``model.optimizer.iterations`` (used
        # by callbacks such as TensorBoard) counts training steps and no unused optimizer is saved.
        super().compile(optimizer=self.g_optimizer, **kwargs)
        # Build the optimizer slots now so that checkpoints restore them before the first step.
        for player in self.players:
            getattr(self, f"{player.prefix}_optimizer").build(self.player_variables(player))

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        """Skip Keras' symbolic build when everything is built already (``compile`` builds the optimizers).

        Under a distribution strategy Keras' ``fit`` takes one batch off the training iterator only to
        build layers and metrics symbolically. That batch is lost to training, so a run under
        ``--strategy mirrored``/``multiworker``/``tpu`` would see another data order than the same run
        on one device; the zoo's models are fully built before ``fit``, so nothing needs the peek.
        """
        built = all(layer.built for layer in self._flatten_layers()) and \
            all(getattr(self, f"{p.prefix}_optimizer") is not None and getattr(self, f"{p.prefix}_optimizer").built
                for p in self.players)
        if built and getattr(self, "_compile_metrics", None) is None and getattr(self, "_compile_loss", None) is None:
            return None
        return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def get_compile_config(self):
        """Optimizers are training state (kept by the resume state), not part of a published model."""
        return None

    @property
    def metrics(self):
        """One tracker per player total and per named term, reset by Keras at each epoch."""
        return list(self.trackers.values())

    def get_config(self):
        """Full config (networks, prior and training hyperparameters) for ``model.save``."""
        config = super().get_config()
        config.update(
            generator=serialize(self.generator), discriminator=serialize(self.discriminator),
            prior=serialize(self.prior), loss=self.loss_name, d_steps=self.d_steps, penalty=self.penalty_name,
            gp_weight=self.gp_weight, clip=self.clip, pack=self.pack, dataset=self.dataset, seed=self.seed)
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`."""
        return cls(**config)

    @classmethod
    def build_networks(cls, config: dict, latent_dim: int) -> dict:
        """The networks of ``config`` by constructor argument name (G and D; encoder methods add E)."""
        return networks.for_config(config, latent_dim)

    @classmethod
    def from_hparams(cls, config: dict, **kwargs):
        """Build an untrained model from a resolved zoo config (:func:`zoo.configs.resolve`).

        Every model argument comes from the config's keys; ``method_kwargs`` and ``kwargs`` reach
        ``__init__`` (a method's own arguments).
        """
        prior = Prior(**config["prior"])
        return cls(**cls.build_networks(config, prior.event_dim), prior=prior, loss=config["loss"],
                   d_steps=config["d_steps"], gp_weight=config["gp_weight"], penalty=config["penalty"],
                   clip=config["clip"], pack=config["pack"], dataset=config["dataset"], seed=config["seed"],
                   **{**config["method_kwargs"], **kwargs})

    def call(self, z, training=False):
        """G(z)."""
        return self.generator(z, training=training)

    # ------------------------------------------------------------------ training
    @staticmethod
    def _replicas():
        return tf.distribute.get_strategy().num_replicas_in_sync

    def update(self, player: Player, real) -> dict:
        """One update of ``player`` on a real batch: forward record, named terms, one optimizer step."""
        variables = self.player_variables(player)
        with tf.GradientTape() as tape:
            rec = Forward(self, player.name, real=real)
            terms = getattr(self, f"{player.name}_terms")(rec)
            total = functools.reduce(operator.add, terms.values())
            scaled = total / self._replicas()
        grads = tape.gradient(scaled, variables)
        getattr(self, f"{player.prefix}_optimizer").apply_gradients(zip(grads, variables))
        self.after_update(player)
        return {"loss": total, **terms}

    def after_update(self, player: Player) -> None:
        """Work after a player's update: WGAN's weight clipping of D (Arjovsky et al. 2017, Alg. 1)."""
        if player.name == "discriminator" and self.clip:
            for v in self.discriminator.trainable_variables:
                v.assign(tf.clip_by_value(v, -self.clip, self.clip))

    def fit(self, *args, **kwargs):
        """Keras' ``fit``, without the "``shuffle=True`` was passed, but will be ignored" warning.

        The zoo trains from ``tf.data`` pipelines that shuffle themselves (seeded), so Keras' warning,
        repeated on every call whose ``shuffle`` is left at its default, says nothing. Only that message is
        filtered (``zoo.quiet.SHUFFLE_WARNING``), only inside this call, and not under ``--verbose``.
        """
        from zoo import quiet

        with warnings.catch_warnings():
            if not quiet.verbose_requested():
                warnings.filterwarnings("ignore", message=quiet.SHUFFLE_WARNING, category=UserWarning)
            return super().fit(*args, **kwargs)

    def train_step(self, data):
        """Each player in turn; a player with k updates uses k disjoint slices of the batch, the others
        the last slice, so every critic update of WGAN sees fresh data (Arjovsky et al. 2017, Alg. 1)."""
        real = data[0] if isinstance(data, (tuple, list)) else data
        chunks = max(p.steps for p in self.players)
        sliced = tf.reshape(real, tf.concat([[chunks, -1], tf.shape(real)[1:]], 0))
        for player in self.players:
            for i in range(player.steps):
                values = self.update(player, sliced[i if player.steps > 1 else chunks - 1])
            for term, value in values.items():
                tracker = self.trackers.get(f"{player.prefix}_{term}")
                if tracker is not None:
                    tracker.update_state(value)
        logs = {name: m.result() for name, m in self.trackers.items()}
        strategy = tf.distribute.get_strategy()
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and \
                strategy.extended._in_multi_worker_mode():
            # Keras averages a multi-worker step's outputs with strategy.reduce(MEAN, axis=0), which
            # needs a leading axis (Keras 3.x fails on scalars; the same test as Keras' decides when
            # that path is taken, so a one-worker cluster keeps scalars): give each value one; the mean over
            # the gathered [replicas] vector is the scalar Keras logs.
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs

    # ------------------------------------------------------------------ sampling
    def sample_latent(self, n, seed=None):
        """Latents for generation: ``n`` draws from the prior (learned priors override this)."""
        return self.prior.sample(n, seed=seed)

    def sample(self, n: int, seed: int | None = None, batch_size: int = 4096, **kwargs) -> np.ndarray:
        """Generate ``n`` samples as a numpy array; the same int ``seed`` gives the same samples."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        z = self.sample_latent(int(n), seed=seed, **kwargs)
        out = [self.generator(z[i:i + batch_size], training=False) for i in range(0, int(n), batch_size)]
        shape = (0,) + tuple(self.generator.output_shape[1:])
        return np.concatenate([np.asarray(o) for o in out]) if out else np.zeros(shape, np.float32)
