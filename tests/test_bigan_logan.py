"""BiGAN, the LOGAN losses and the two gradient penalties (Sharma & Namboodiri 2018; docs/methods/logan.md).

Every loss and penalty is checked against values computed by hand on tiny inputs or linear networks,
including the sign of each term; then the BiGAN hooks, save/load, the CLI and the CIFAR-10 config.
"""
import json
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import configs
from zoo.core import losses, penalties
from zoo.core.priors import Prior
from zoo.methods.bigan import BiGAN

REAL = np.array([1.0, -2.0], np.float32)  # D's logits on the real pairs (x, E(x))
FAKE = np.array([0.5, 3.0], np.float32)  # D's logits on the fake pairs (G(z), z)


def _bce(logit, label):
    """Binary cross-entropy of one logit, written from the definition -log σ / -log(1 - σ)."""
    p = 1.0 / (1.0 + math.exp(-logit))
    return -math.log(p) if label == 1 else -math.log(1.0 - p)


def _sig(t):
    return 1.0 / (1.0 + math.exp(-t))


def _mean(values):
    return sum(values) / len(values)


def _grads(fn):
    """Value and gradients of ``fn(real, fake)`` with respect to the real and the fake logits."""
    real, fake = tf.Variable(REAL), tf.Variable(FAKE)
    with tf.GradientTape() as tape:
        value = fn(real, fake)
    g_real, g_fake = tape.gradient(value, [real, fake])
    return float(value), g_real.numpy(), g_fake.numpy()


# ----------------------------------------------------------------- losses (docs/methods/logan.md, Equations)
BCE_D = _mean([_bce(t, 0) for t in FAKE]) + _mean([_bce(t, 1) for t in REAL])  # BCE(D_,0)+BCE(D,1)


@pytest.mark.parametrize("name, d_expected, g_expected, d_steps", [
    # v: D = BCE(D_,0)+BCE(D,1); G, E = BCE(D_,1)+BCE(D,0)
    ("vanilla", BCE_D, _mean([_bce(t, 1) for t in FAKE]) + _mean([_bce(t, 0) for t in REAL]), 1),
    # w: D = D_ - D; G, E = D - D_; five critic updates per G update
    ("wasserstein", FAKE.mean() - REAL.mean(), REAL.mean() - FAKE.mean(), 5),
    # lol1: D = BCE; G, E = D - D_ (the logit loss)
    ("lol1", BCE_D, REAL.mean() - FAKE.mean(), 1),
    # lol2: D = σ(D_)² + (1 - σ(D))²; G, E = D - D_
    ("lol2", _mean([_sig(t) ** 2 for t in FAKE]) + _mean([(1 - _sig(t)) ** 2 for t in REAL]),
     REAL.mean() - FAKE.mean(), 1),
])
def test_losses_match_the_table(name, d_expected, g_expected, d_steps):
    loss = losses.get_loss(name)
    assert float(loss.discriminator(REAL, FAKE)) == pytest.approx(d_expected, rel=1e-5)
    assert float(loss.generator(REAL, FAKE)) == pytest.approx(g_expected, rel=1e-5)
    assert loss.d_steps == d_steps


@pytest.mark.parametrize("name", ["vanilla", "wasserstein", "lol1", "lol2"])
def test_loss_gradient_signs(name):
    """D raises real logits and lowers fake ones; G and E do the opposite (every term has its sign)."""
    loss = losses.get_loss(name)
    _, d_real, d_fake = _grads(loss.discriminator)
    _, g_real, g_fake = _grads(loss.generator)
    assert (d_real < 0).all() and (d_fake > 0).all()  # descending D's loss raises D, lowers D_
    assert (g_real > 0).all() and (g_fake < 0).all()  # descending G/E's loss lowers D, raises D_


def test_logit_loss_gradients_are_constant():
    """lol1/lol2's G loss is linear in the logits: gradient ±1/B whatever D's saturation (Sec. 3.1)."""
    _, g_real, g_fake = _grads(losses.get_loss("lol1").generator)
    np.testing.assert_allclose(g_real, [0.5, 0.5])
    np.testing.assert_allclose(g_fake, [-0.5, -0.5])


# ---------------------------------------------------------------------------- penalties on linear critics
def _linear(w):
    w = tf.constant(np.asarray(w, np.float32)[:, None])
    return lambda x: tf.matmul(x, w)


def test_wgan_gp_on_a_linear_critic():
    """‖∇‖ = ‖w‖ everywhere, so the penalty is (‖w‖ - 1)² = (5 - 1)² = 16; zero for a unit w."""
    real = tf.constant([[1.0, 2.0], [3.0, -1.0]])
    fake = tf.constant([[0.0, 0.0], [2.0, 2.0]])
    eps = tf.constant([0.3, 0.9])
    assert float(penalties.gradient_penalty(_linear([3.0, 4.0]), real, fake, eps)) == pytest.approx(16.0, rel=1e-5)
    assert float(penalties.gradient_penalty(_linear([0.6, -0.8]), real, fake, eps)) == pytest.approx(0.0, abs=1e-5)


def test_interpolation_is_per_sample():
    a, b = tf.ones((2, 2, 2)), tf.zeros((2, 2, 2))
    out = penalties.interpolate(a, b, tf.constant([0.25, 1.0])).numpy()
    np.testing.assert_allclose(out[0], 0.25)
    np.testing.assert_allclose(out[1], 1.0)


def test_pairwise_penalty_hand_values():
    """E ‖∇ - u‖ with u = (x - x̂)/‖x - x̂‖: unsquared, and a target direction rather than a magnitude."""
    x = tf.constant([[2.0, 0.0], [0.0, 3.0]])
    x_rec = tf.zeros((2, 2))  # u = (1, 0) and (0, 1)
    eps = tf.constant([0.5, 0.1])
    pen = lambda w: float(penalties.pairwise_gradient_penalty(_linear(w), x, x_rec, eps))  # noqa: E731
    assert pen([1.0, 0.0]) == pytest.approx((0.0 + math.sqrt(2.0)) / 2, rel=1e-5)
    # gradient 3u on sample 1: penalty ‖3u - u‖ = 2 (not 4: the norm is not squared)
    assert pen([3.0, 0.0]) == pytest.approx((2.0 + math.sqrt(10.0)) / 2, rel=1e-5)
    # the opposite direction costs 2 per sample although ‖∇‖ = 1 (WGAN-GP would give 0)
    x2 = tf.constant([[2.0, 0.0], [5.0, 0.0]])
    assert float(penalties.pairwise_gradient_penalty(_linear([-1.0, 0.0]), x2, tf.zeros((2, 2)), eps)) == \
        pytest.approx(2.0, rel=1e-5)


def test_pairwise_penalty_is_zero_when_the_gradient_is_the_unit_direction():
    u = np.array([0.6, 0.8], np.float32)
    x = tf.constant(np.outer([1.0, 2.5, 0.3], u) + [1.0, -1.0], tf.float32)
    x_rec = tf.constant(np.tile([1.0, -1.0], (3, 1)), tf.float32)  # x - x̂ ∥ u for every sample
    value = penalties.pairwise_gradient_penalty(_linear(u), x, x_rec, tf.constant([0.0, 0.5, 1.0]))
    assert float(value) == pytest.approx(0.0, abs=1e-5)


# ---------------------------------------------------------------------------- BiGAN on linear networks
def _dense(inp, w, name):
    layer = keras.layers.Dense(np.shape(w)[1], use_bias=False, name=name)
    out = layer(inp)
    layer.set_weights([np.asarray(w, np.float32)])
    return out


def _linear_bigan(g_w, e_w, d_x, d_z, penalty="pairwise", z_penalty=False, gp_weight=1.0):
    """x_dim = 2, z_dim = 1: G(z) = z g, E(x) = x e, D(x, z) = a·x + b z (all linear, no bias)."""
    z_in, x_in = keras.Input((1,)), keras.Input((2,))
    g = keras.Model(z_in, _dense(z_in, [g_w], "g"))
    e = keras.Model(x_in, _dense(x_in, np.array(e_w)[:, None], "e"))
    dx, dz = keras.Input((2,)), keras.Input((1,))
    joint = keras.layers.Concatenate()([dx, dz])
    d = keras.Model([dx, dz], _dense(joint, np.array(list(d_x) + [d_z])[:, None], "d"))
    return BiGAN(g, d, Prior("uniform", 1), encoder=e, loss="lol1", penalty=penalty,
                 z_penalty=z_penalty, gp_weight=gp_weight)


def test_bigan_logits_score_the_joint_pairs():
    model = _linear_bigan(g_w=[1.0, 2.0], e_w=[0.5, 0.0], d_x=[1.0, -1.0], d_z=2.0)
    x, z = tf.constant([[2.0, 1.0]]), tf.constant([[0.5]])
    rec = model.record(x, z)
    real, fake = rec.real_logits, rec.fake_logits
    # real: a·x + b·E(x) = (2 - 1) + 2·1 = 3; fake: a·G(z) + b z = (0.5 - 1) + 2·0.5 = 0.5
    assert float(real[0, 0]) == pytest.approx(3.0)
    assert float(fake[0, 0]) == pytest.approx(0.5)


def test_bigan_pairwise_penalty_hand_value_and_zero():
    # G ∘ E = 0 (G's weights are zero), so x̂ = 0 and u = x/‖x‖ = (0.6, 0.8) for both samples.
    x = tf.constant([[0.6, 0.8], [3.0, 4.0]])
    z = tf.constant([[0.2], [-0.7]])
    exact = _linear_bigan(g_w=[0.0, 0.0], e_w=[1.0, 1.0], d_x=[0.6, 0.8], d_z=5.0)
    assert float(exact.penalty(exact.record(x, z))) == pytest.approx(0.0, abs=1e-5)  # ∇_x D = a = u
    off = _linear_bigan(g_w=[0.0, 0.0], e_w=[1.0, 1.0], d_x=[0.0, 0.0], d_z=5.0)
    assert float(off.penalty(off.record(x, z))) == pytest.approx(1.0, rel=1e-5)  # ‖0 - u‖ = 1; z's weight plays no part


def test_bigan_z_side_penalty_sign():
    """P_z = E ‖-∇_z̃ D(G(z), z̃) - z_unit‖ with ẑ = E(G(z)); here E(G(z)) = 0, so z_unit = sign(z)."""
    x = tf.constant([[0.6, 0.8]])
    z = tf.constant([[0.5], [-0.25]])
    # x side zero (a = u, x̂ = 0); z side: -∇_z D = -b = 1 -> |1 - 1| = 0 and |1 - (-1)| = 2.
    model = _linear_bigan(g_w=[0.0, 0.0], e_w=[1.0, 1.0], d_x=[0.6, 0.8], d_z=-1.0, z_penalty=True)
    x2 = tf.concat([x, x], 0)
    assert float(model.penalty(model.record(x2, z))) == pytest.approx(1.0, rel=1e-5)
    # the z side is off by default, as in the authors' code
    default = _linear_bigan(g_w=[0.0, 0.0], e_w=[1.0, 1.0], d_x=[0.6, 0.8], d_z=-1.0)
    assert float(default.penalty(default.record(x2, z))) == pytest.approx(0.0, abs=1e-5)


def test_bigan_joint_gp_uses_both_inputs():
    """WGAN-GP in the joint space: ∇_(x,z) D = (a, b), so (‖(a, b)‖ - 1)² = (3 - 1)² with a=(2,1), b=2."""
    model = _linear_bigan(g_w=[1.0, 0.0], e_w=[1.0, 0.0], d_x=[2.0, 1.0], d_z=2.0, penalty="gp")
    rec = model.record(tf.constant([[0.1, 0.2], [1.0, 1.0]]), tf.constant([[0.3], [0.9]]))
    assert float(model.penalty(rec)) == pytest.approx(4.0, rel=1e-5)


def test_penalty_none_switches_the_penalty_off():
    model = _linear_bigan(g_w=[1.0, 0.0], e_w=[1.0, 0.0], d_x=[2.0, 1.0], d_z=2.0, penalty="none")
    assert not model.penalty_on and model.players[0].terms == ("adv",)  # "none" wins over a leftover λ
    on = _linear_bigan(g_w=[1.0, 0.0], e_w=[1.0, 0.0], d_x=[2.0, 1.0], d_z=2.0, penalty="pairwise")
    assert on.penalty_on and on.players[0].terms == ("adv", "gp")
    with pytest.raises(ValueError, match="unknown penalty"):
        _linear_bigan(g_w=[1.0, 0.0], e_w=[1.0, 0.0], d_x=[2.0, 1.0], d_z=2.0, penalty="l2")


# ---------------------------------------------------------------------------- BiGAN built from configs
def _toy_config(**extra):
    over = {"g_hidden": [16, 16], "e_hidden": [16, 16], "d_hidden": [16, 16], "batch_size": 32, "steps": 4,
            "steps_per_epoch": 2, "steps_per_execution": 2, **extra}
    return configs.resolve("logan_bigan", "ring8", over)


def test_generator_step_updates_g_and_e_only_and_d_step_d_only():
    from zoo.methods import build_model

    model = build_model(_toy_config())
    model.compile()
    d_player, g_player = model.players
    assert len(model.player_variables(g_player)) == len(model.generator.trainable_variables) + \
        len(model.encoder.trainable_variables)
    snap = lambda net: [v.numpy().copy() for v in net.trainable_variables]  # noqa: E731
    before = {n: snap(getattr(model, n)) for n in ("generator", "encoder", "discriminator")}
    real = tf.random.normal((32, 2))
    model.update(g_player, real)
    changed = {n: any((a != b.numpy()).any() for a, b in zip(before[n], getattr(model, n).trainable_variables))
               for n in before}
    assert changed == {"generator": True, "encoder": True, "discriminator": False}
    before = {n: snap(getattr(model, n)) for n in before}
    gp = model.update(d_player, real)["gp"]
    changed = {n: any((a != b.numpy()).any() for a, b in zip(before[n], getattr(model, n).trainable_variables))
               for n in before}
    assert changed == {"generator": False, "encoder": False, "discriminator": True}
    assert float(gp) > 0.0


def test_toy_networks_follow_the_protocol():
    from zoo.methods import build_model

    config = configs.resolve("logan_bigan_ring8")
    got = (config["loss"], config["penalty"], config["gp_weight"], config["batch_size"])
    assert got == ("lol1", "pairwise", 0.1, 256)
    model = build_model(config)
    body = model.discriminator.get_layer("discriminator_body").layers
    dense = [layer for layer in body if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [512, 512, 512, 1]
    assert model.d_steps == 1 and model.encoder.output_shape == (None, 1)
    init = dense[0].kernel_initializer.get_config()
    assert init["scale"] == pytest.approx(1.43 ** 2) and init["distribution"] == "uniform"


def test_encode_reconstruct_shapes_and_save_load_round_trip(tmp_path):
    from zoo import checkpoint
    from zoo.methods import build_model

    model = build_model(_toy_config())
    x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    assert model.encode(x).shape == (5, 1) and model.reconstruct(x).shape == (5, 2)
    assert model.encode(x[:0]).shape == (0, 1)
    checkpoint.save(model, tmp_path / "ckpt")
    loaded = checkpoint.load(tmp_path / "ckpt")
    assert isinstance(loaded, BiGAN) and loaded.penalty_name == "pairwise" and loaded.loss_name == "lol1"
    np.testing.assert_array_equal(loaded.sample(7, seed=3), model.sample(7, seed=3))
    np.testing.assert_array_equal(loaded.encode(x), model.encode(x))
    np.testing.assert_array_equal(loaded.reconstruct(x), model.reconstruct(x))


def test_image_bigan_shapes():
    from zoo.methods import build_model

    config = configs.resolve("logan_bigan_mnist", overrides={"base": 4, "prior": {"kind": "uniform", "dim": 3}})
    assert config["gp_weight"] == 1.0 and config["network"] == "dcgan"
    model = build_model(config)
    x = np.zeros((2, 28, 28, 1), np.float32)
    z = model.encode(x)
    assert z.shape == (2, 3) and np.abs(z).max() <= 1.0  # tanh output, inside U(-1, 1)'s support
    assert model.reconstruct(x).shape == (2, 28, 28, 1)
    rec = model.record(tf.constant(x), model.sample_latent(2, seed=0))
    assert float(model.penalty(rec)) > 0.0  # a random D's gradient is not the unit direction


# ---------------------------------------------------------------------------- CLI and configs
def test_cli_trains_and_saves_a_loadable_checkpoint(tmp_path):
    import zoo
    from train.run import main

    out = tmp_path / "run"
    args = ["--model", "logan_bigan", "--steps", "4", "--out", str(out), "--plot-every", "0", "--no-eval",
            "--batch-size", "32", "--set", "steps_per_epoch=2", "--set", "steps_per_execution=2"]
    for key in ("g_hidden", "e_hidden", "d_hidden"):
        args += ["--set", f"{key}=[16,16]"]
    assert main(args) == 0
    model = zoo.load(str(out))
    assert isinstance(model, BiGAN)
    assert model.sample(3, seed=0).shape == (3, 2) and model.encode(np.zeros((3, 2))).shape == (3, 1)
    saved = json.loads((out / "train_config.json").read_text())
    assert saved["name"] == "logan_bigan_ring8" and saved["penalty"] == "pairwise"


def test_cli_loss_and_penalty_flags(capsys):
    from train.run import main
    from zoo.methods import build_model

    def small(model, **kw):
        return configs.resolve(model, overrides={"g_hidden": [8], "e_hidden": [8], "d_hidden": [8]}, **kw)

    wass = {"loss": "wasserstein", "g_hidden": [8], "e_hidden": [8], "d_hidden": [8]}
    # One place decides: a penalty that is on switches WGAN's clipping off; without one, WGAN clips.
    assert build_model(configs.resolve("logan_bigan", overrides=wass, penalty="pairwise")).clip is None
    assert build_model(configs.resolve("logan_bigan", overrides=wass, penalty="none")).clip == 0.01
    none = small("logan_bigan", penalty="none")
    assert (none["penalty"], none["gp_weight"]) == ("none", 0.0)
    gp = small("bigan", penalty="gp")
    assert (gp["penalty"], gp["gp_weight"]) == ("gp", 10.0)  # WGAN-GP's λ when the method has none
    pair = small("bigan", penalty="pairwise")
    assert (pair["penalty"], pair["gp_weight"]) == ("pairwise", 0.1)  # LOGAN's toy λ
    assert configs.resolve("logan_dcgan")["gp_weight"] == 1.0
    assert main(["--model", "gan", "--penalty", "pairwise"]) == 2
    assert "needs an encoder" in capsys.readouterr().err
    assert main(["--model", "logan_bigan", "--loss", "lol2", "--penalty", "none", "--show-config"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["loss"], shown["gp_weight"]) == ("lol2", 0.0)


def _structure(net):
    """``(layer type, output shape without the batch axis)`` of every layer after the inputs."""
    return [(type(layer).__name__, tuple(layer.output.shape[1:])) for layer in net.layers
            if not isinstance(layer, keras.layers.InputLayer)]


# The authors' CIFAR-10 networks: image_models.py (DCGAN._generator, BIGAN._encoder, BIGAN._discriminator
# with DCGAN._full_conv) under image_train.py's CIFAR-10 config (s 32, lvls 3, 4×4 kernels, gf = df = 64,
# z 128, lrelu, tanh output, BN in G and E only). docs/methods/logan.md holds the same table in prose.
_LRELU, _BN = "LeakyReLU", "BatchNormalization"
AUTHORS_G = [("Dense", (4096,)), (_BN, (4096,)), (_LRELU, (4096,)), ("Reshape", (4, 4, 256)),
             ("Conv2DTranspose", (8, 8, 128)), (_BN, (8, 8, 128)), (_LRELU, (8, 8, 128)),
             ("Conv2DTranspose", (16, 16, 64)), (_BN, (16, 16, 64)), (_LRELU, (16, 16, 64)),
             ("Conv2DTranspose", (32, 32, 3))]
AUTHORS_E = [("Conv2D", (16, 16, 64)), (_BN, (16, 16, 64)), (_LRELU, (16, 16, 64)),
             ("Conv2D", (8, 8, 128)), (_BN, (8, 8, 128)), (_LRELU, (8, 8, 128)),
             ("Conv2D", (4, 4, 256)), (_BN, (4, 4, 256)), (_LRELU, (4, 4, 256)),
             ("Flatten", (4096,)), ("Dense", (128,))]
AUTHORS_D = [("Conv2D", (16, 16, 64)), (_LRELU, (16, 16, 64)), ("Conv2D", (8, 8, 128)), (_LRELU, (8, 8, 128)),
             ("Conv2D", (4, 4, 256)), (_LRELU, (4, 4, 256)), ("Conv2D", (1, 1, 512)), (_LRELU, (1, 1, 512)),
             ("Flatten", (512,)), ("Concatenate", (640,)), ("Dense", (640,)), (_LRELU, (640,)), ("Dense", (1,))]


def test_cifar10_configuration_has_the_authors_networks_and_trains_on_mock_data():
    """``logan_bigan_cifar10`` builds the networks of the authors' image_models.py and trains on mock data.

    The paper's CIFAR-10 BiGAN (32×32, lol1, λ = 1, z ~ U(-1,1)^128, Adam 1e-4 (0.5, 0.9), batch 64):
    layer by layer as in the authors' code (lrelu in G, BN on every hidden layer of G and E with decay
    0.9, D's head FC after concatenating its full-map conv features with z), then two eager
    ``train_step``s on batches of the real input pipeline (tfds mock data): no graph compile, so the test
    stays fast.
    """
    import tensorflow_datasets as tfds

    from zoo import data
    from zoo.methods import build_model

    config = configs.resolve("logan_bigan", "cifar10")
    assert config["name"] == "logan_bigan_cifar10"
    assert (config["loss"], config["penalty"], config["gp_weight"], config["prior"], config["kernel"],
            config["base"], config["batch_size"], config["d_steps"]) == \
        ("lol1", "pairwise", 1.0, {"kind": "uniform", "dim": 128}, 4, 64, 64, None)
    assert config["optimizer"] == {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}
    model = build_model(config)
    g, e, d = model.generator, model.encoder, model.discriminator
    assert (_structure(g), _structure(e), _structure(d)) == (AUTHORS_G, AUTHORS_E, AUTHORS_D)
    assert g.layers[-1].activation is keras.activations.tanh and e.layers[-1].activation is keras.activations.tanh
    norms = [layer for net in (g, e, d) for layer in net.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(norms) == 6 and all(layer.momentum == 0.9 for layer in norms)  # none in D
    assert all(layer.negative_slope == pytest.approx(0.2)
               for net in (g, e, d) for layer in net.layers if isinstance(layer, keras.layers.LeakyReLU))
    # D's last conv spans the whole 4×4 map; z joins its 512 features, then FC 640 and the logit.
    full_map = [layer for layer in d.layers if isinstance(layer, keras.layers.Conv2D)][-1]
    assert (full_map.kernel_size, full_map.padding) == ((4, 4), "valid")
    concat = next(layer for layer in d.layers if isinstance(layer, keras.layers.Concatenate))
    assert [t.shape[-1] for t in concat.input] == [512, 128] and concat.input[1] is d.inputs[1]
    assert model.d_steps == 1

    model.compile()
    with tfds.testing.mock_data(num_examples=8):
        batches = list(data.dataset("cifar10", 4).take(2))
    assert [b.shape for b in batches] == [(4, 32, 32, 3)] * 2
    before = [v.numpy().copy() for v in d.trainable_variables]
    for batch in batches:
        logs = model.train_step(batch)
        assert all(np.isfinite(float(v)) for v in logs.values()) and float(logs["d_gp"]) > 0
    assert all((a != b.numpy()).any() for a, b in zip(before, d.trainable_variables))
    assert int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == 2  # lol1: one D step per G step
    assert model.reconstruct(batches[0].numpy()[:2]).shape == (2, 32, 32, 3)
