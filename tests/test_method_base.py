"""The method base: forward record, named loss terms, players, per-sample losses, look-ahead, packing.

Speed is a benchmark's business (``benchmarks/versus_revision.py``); what a test can prove is that a
step does no redundant work, so it counts the network calls of each update.
"""
import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import configs, data
from zoo.core import losses
from zoo.core.model import Forward
from zoo.methods import ENTRIES, METHODS, build_model
from zoo.methods.unrolled import adam_lookahead


class Counting(keras.layers.Layer):
    """Wraps a network and counts its calls (the update runs eagerly here, so Python sees each one)."""

    def __init__(self, net):
        super().__init__()
        self.net, self.calls = net, 0

    def call(self, x, training=False):
        self.calls += 1
        return self.net(x, training=training)


def _small(method, dataset="ring8", **overrides):
    over = {"g_hidden": [8], "d_hidden": [8], "e_hidden": [8], "batch_size": 16, **overrides}
    model = build_model(configs.resolve(method, dataset, over))
    model.compile()
    return model


def _count_calls(model, player_index, names=("generator", "discriminator", "encoder")):
    counters = {}
    for name in names:
        if hasattr(model, name):
            counters[name] = Counting(getattr(model, name))
            setattr(model, name, counters[name])
    player = model.players[player_index]
    real = data.mixture("ring8").sample(16 * model.pack, seed=0)
    model.update(player, tf.constant(real))
    return {name: c.calls for name, c in counters.items()}


@pytest.mark.parametrize("method, player, expected", [
    # D update of WGAN-GP: D on real, on fake and on the interpolates; G(z) once.
    ("wgan_gp", 0, {"generator": 1, "discriminator": 3}),
    # G update: G(z) and D(G(z)); D(real) does not depend on G and is not computed.
    ("wgan_gp", 1, {"generator": 1, "discriminator": 1}),
    ("gan", 1, {"generator": 1, "discriminator": 1}),
    # BiGAN D update with the pair-wise penalty: E(x) once, G for the fake and the reconstruction.
    ("logan_bigan", 0, {"generator": 2, "discriminator": 3, "encoder": 1}),
    # BiGAN G/E update: both pairs, each network once.
    ("logan_bigan", 1, {"generator": 1, "discriminator": 2, "encoder": 1}),
])
def test_each_update_computes_every_tensor_once(method, player, expected):
    assert _count_calls(_small(method), player) == expected


def test_forward_record_computes_on_first_use_and_names_missing_recipes():
    model = _small("gan")
    rec = model.record(tf.zeros([4, 2]), tf.zeros([4, 2]))
    assert "fake" not in rec
    first = rec.fake
    assert "fake" in rec and rec.fake is first
    with pytest.raises(AttributeError, match="forward_nothing"):
        rec.nothing
    assert isinstance(rec, Forward)


def test_every_named_term_is_tracked_and_shown():
    model = _small("wgan_gp")
    logs = model.train_on_batch(data.mixture("ring8").sample(16 * 5, seed=0), return_dict=True)
    assert set(logs) == {"d_loss", "d_adv", "d_gp", "g_loss"}
    assert logs["d_loss"] == pytest.approx(logs["d_adv"] + logs["d_gp"], rel=1e-5)


def test_per_sample_losses_reduce_to_the_means_and_take_weights():
    real = tf.constant([[1.0], [-2.0], [0.5]])
    fake = tf.constant([[0.3], [2.0], [-1.0]])
    ns = losses.LOSSES["non_saturating"]
    assert float(ns.generator(None, fake)) == pytest.approx(float(tf.reduce_mean(tf.nn.softplus(-fake))))
    # Weights multiply each sample's term: weight 0 drops a sample, weights of mean 1 re-weight the mean.
    w = tf.constant([0.0, 1.5, 1.5])
    by_hand = (1.5 * np.log1p(np.exp(-2.0)) + 1.5 * np.log1p(np.exp(1.0))) / 3
    assert float(ns.generator(None, fake, fake_weights=w)) == pytest.approx(by_hand, rel=1e-6)
    assert float(ns.discriminator(real, fake)) == pytest.approx(float(losses.minimax_discriminator_loss(real, fake)))
    assert float(losses.reduce(tf.ones([3, 1]), tf.constant([1.0, 2.0, 3.0]))) == pytest.approx(2.0)


def test_adam_lookahead_equals_keras_adam_and_leaves_the_optimizer_untouched():
    var = tf.Variable([1.0, -2.0, 0.5])
    opt = keras.optimizers.Adam(0.1, beta_1=0.5, beta_2=0.9, epsilon=1e-8)
    opt.build([var])
    grads = [tf.constant([0.3, -0.1, 2.0]), tf.constant([-0.2, 0.4, 1.0])]
    values, moments = [tf.identity(var)], [(tf.zeros(3), tf.zeros(3))]
    for k, g in enumerate(grads):
        values, moments = adam_lookahead(opt, [var], values, [g], moments, tf.constant(float(k)))
    assert float(opt.iterations) == 0 and np.allclose(var.numpy(), [1.0, -2.0, 0.5])
    for g in grads:  # the same two steps through Keras
        opt.apply_gradients([(g, var)])
    np.testing.assert_allclose(values[0].numpy(), var.numpy(), rtol=1e-6, atol=1e-7)


def test_unrolled_generator_gradient_flows_through_the_lookahead():
    model = _small("unrolled_gan", prior={"kind": "normal", "dim": 4}, batch_size=16)
    real = tf.constant(data.mixture("ring8").sample(16, seed=0))
    z = model.prior.sample(16, seed=1)
    with tf.GradientTape() as tape:
        ahead = model.record(real, z, player="generator").unrolled_fake_logits
        total = tf.reduce_sum(ahead)
    grads = tape.gradient(total, model.generator.trainable_variables)
    assert all(g is not None for g in grads)
    now = model.record(real, z).fake_logits
    assert not np.allclose(ahead.numpy(), now.numpy())  # K = 5 steps moved D
    d_before = [v.numpy().copy() for v in model.discriminator.trainable_variables]
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(d_before, model.discriminator.trainable_variables))
    with pytest.raises(ValueError, match="penalty"):
        _small("unrolled_gan", gp_weight=10.0)


@pytest.mark.parametrize("dataset, shape", [("ring8", (2,)), ("mnist", (28, 28, 1))])
def test_packing_groups_m_consecutive_samples(dataset, shape):
    model = build_model(configs.resolve("pacgan", dataset, {"pack": 3, "base": 4}))
    x = tf.reshape(tf.range(6 * np.prod(shape), dtype=tf.float32), (6, *shape))
    packed = model.pack_samples(x).numpy()
    assert packed.shape == (2, *shape[:-1], 3 * shape[-1])
    # The first packed input holds samples 0, 1 and 2 side by side on the last axis.
    np.testing.assert_array_equal(packed[0][..., shape[-1]:2 * shape[-1]], x.numpy()[1])
    assert model.discriminator(packed).shape == (2, 1)
    assert model.examples_per_step(64) == 64 * 3


def test_pacgan_trains_a_step_and_packing_is_refused_where_it_cannot_apply():
    model = _small("pacgan")
    logs = model.train_on_batch(data.mixture("ring8").sample(16 * 4, seed=0), return_dict=True)
    assert np.isfinite(logs["d_loss"]) and np.isfinite(logs["g_loss"])
    with pytest.raises(ValueError, match="pack"):
        build_model(configs.resolve("logan_bigan", overrides={"pack": 2, "g_hidden": [8], "e_hidden": [8],
                                                              "d_hidden": [8]}))
    with pytest.raises(ValueError, match="pack"):
        build_model(configs.resolve("weighted_prior", overrides={"pack": 2}))


def test_every_method_and_entry_is_declared_in_its_own_module():
    assert {"unrolled_gan", "pacgan", "gan", "logan_bigan", "weighted_prior"} <= set(METHODS)
    for spec in METHODS.values():
        assert spec.paper and spec.cls.__module__.startswith("zoo.")
    assert {"unrolled_ring8", "unrolled_grid25", "pacgan_ring8", "pacgan_grid25"} <= set(ENTRIES)
    for name, entry in ENTRIES.items():
        assert entry["method"] in METHODS, name


@pytest.mark.parametrize("override, message", [
    ({"steps": True}, "steps must be a positive integer"),
    ({"optimizer": "{bad"}, "optimizer must be a JSON object"),
    ({"g_hidden": [-1]}, "g_hidden must be a non-empty list"),
    ({"gp_weight": float("nan")}, "gp_weight must be a finite number"),
    ({"optimizer": {"name": "lion"}}, "unknown optimizer"),
    ({"steps": 10**20}, "steps must be at most"),
    ({"penalty": "l2"}, "penalty must be one of"),
    ({"dataset": "mnist"}, "network 'mlp' does not fit dataset 'mnist'"),
    ({"prior": {"kind": "cauchy"}}, "unknown prior kind"),
])
def test_every_config_value_is_validated(override, message):
    with pytest.raises(configs.ConfigError, match=message):
        configs.resolve("gan", "ring8", override)
