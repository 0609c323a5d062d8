"""Dual Importance Weight GAN and VEEGAN: the pieces against hand values, the players, save/load."""
import numpy as np
import pytest
import tensorflow as tf

from zoo import checkpoint, configs, data
from zoo.methods import build_model
from zoo.methods.diw_gan import assign_pairs, kde_log_density, normalised_weights, scott_bandwidth

SMALL = {"g_hidden": [8], "d_hidden": [8], "e_hidden": [8], "batch_size": 16}


def test_assignment_is_the_minimal_one_to_one_matching():
    cost = tf.constant([[4.0, 1.0, 3.0], [2.0, 0.0, 5.0], [3.0, 2.0, 2.0]])
    # Row-wise minima all pick column 1. By hand, the six matchings cost 4+0+2=6, 4+5+2=11, 1+2+2=5,
    # 1+5+3=9, 3+2+2=7 and 3+0+3=6: the best is (1, 0, 2).
    assert assign_pairs(cost).numpy().tolist() == [1, 0, 2]
    rect = tf.constant([[5.0, 0.0, 1.0], [0.0, 4.0, 1.0]])  # fewer generated than real codes
    assert assign_pairs(rect).numpy().tolist() == [1, 0]


def test_kde_density_and_weights():
    centres = tf.constant([[0.0], [2.0]])
    points = tf.constant([[0.0], [1.0], [10.0]])
    lp = kde_log_density(points, centres, 1.0).numpy()
    normal = lambda x: np.exp(-x**2 / 2) / np.sqrt(2 * np.pi)  # noqa: E731
    want = np.log([(normal(0) + normal(2)) / 2, normal(1), (normal(10) + normal(8)) / 2])
    np.testing.assert_allclose(lp, want, rtol=1e-5)
    masked = kde_log_density(points, centres, 1.0, mask=tf.constant([True, False])).numpy()
    np.testing.assert_allclose(masked[:2], np.log([normal(0), normal(1)]), rtol=1e-5)
    w = normalised_weights(tf.constant(lp)).numpy()
    assert w.mean() == pytest.approx(1.0) and w[1] > w[0] > w[2]  # 0.242 > (0.399 + 0.054) / 2 > ~0
    codes = np.random.default_rng(0).normal(size=(1000, 2)) * [1.0, 3.0]
    assert scott_bandwidth(codes) == pytest.approx(2.0 * 1000 ** (-1 / 6), rel=0.05)


def test_diw_pretrains_its_autoencoder_and_trains_a_step(tmp_path):
    config = configs.resolve("diw_gan", "ring8", {**SMALL, "method_kwargs": {"ae_steps": 300, "memory": 2}})
    model = build_model(config)
    model.compile()
    info = model.pretrain(config)
    assert info["ae_final_mse"] < 0.05 and info["bandwidth"] > 0
    assert model.real_codes.shape == (16, 8) and float(tf.math.reduce_std(model.real_codes)) > 0
    assert not model.ae_encoder.trainable_variables  # frozen: no player updates it
    before = [w.numpy().copy() for w in model.ae_encoder.weights]
    for seed in range(3):
        logs = model.train_on_batch(data.mixture("ring8").sample(16, seed=seed), return_dict=True)
    assert set(logs) == {"d_loss", "g_loss", "g_adv", "g_diw"} and logs["g_diw"] > 0
    assert int(model.history_filled) == 32  # two batches remembered, the ring is full
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(before, model.ae_encoder.weights))
    checkpoint.save(model, tmp_path / "diw")
    loaded = checkpoint.load(tmp_path / "diw")
    np.testing.assert_array_equal(loaded.sample(5, seed=1), model.sample(5, seed=1))
    np.testing.assert_array_equal(loaded.real_codes.numpy(), model.real_codes.numpy())


def test_diw_distance_term_pulls_generated_codes_toward_the_real_set():
    config = configs.resolve("diw_gan", "ring8", {**SMALL, "method_kwargs": {"ae_steps": 0, "alpha": 1.0}})
    model = build_model(config)
    model.compile()
    model.real_codes.assign(tf.zeros_like(model.real_codes))
    rec = model.record(tf.zeros([16, 2]), model.prior.sample(16, seed=0), player="generator")
    with tf.GradientTape() as tape:
        terms = model.generator_terms(rec)
    # With all real codes at 0 and equal weights, the term is the mean code norm.
    norms = tf.norm(rec.fake_codes + 1e-12, axis=1)
    assert float(terms["diw"]) == pytest.approx(float(tf.reduce_mean(norms)), rel=1e-5)
    assert all(g is not None for g in tape.gradient(terms["diw"], model.generator.trainable_variables))


def test_veegan_players_and_losses():
    model = build_model(configs.resolve("veegan", "ring8", {**SMALL, "prior": {"kind": "normal", "dim": 5}}))
    model.compile()
    assert [p.prefix for p in model.players] == ["d", "g", "e"]
    assert model.encoder.output_shape == (None, 4)  # F recovers z without its 1-dim ε
    real = tf.constant(data.mixture("ring8").sample(16, seed=0))
    rec = model.record(real, model.prior.sample(16, seed=1))
    z_hat = model.encoder(rec.fake)
    want = 0.5 * tf.reduce_sum(tf.square(rec.z[:, :4] - z_hat), axis=1)
    np.testing.assert_allclose(rec.reconstruction_error.numpy(), want.numpy(), rtol=1e-5)
    g = model.generator_terms(rec)
    assert float(g["adv"]) == pytest.approx(float(tf.reduce_mean(rec.fake_logits)))
    # D: generated pairs are class 1, reconstructed pairs class 0 (VEEGAN Algorithm 1).
    d = model.discriminator_terms(rec)["adv"]
    by_hand = tf.reduce_mean(tf.nn.softplus(-rec.fake_logits)) + tf.reduce_mean(tf.nn.softplus(rec.real_logits))
    assert float(d) == pytest.approx(float(by_hand), rel=1e-6)
    snap = {n: [v.numpy().copy() for v in getattr(model, n).trainable_variables] for n in ("generator", "encoder")}
    model.update(model.players[2], real)  # F's update leaves G alone
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(snap["generator"], model.generator.trainable_variables))
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(snap["encoder"], model.encoder.trainable_variables))


@pytest.mark.parametrize("real_set", ["data", "kde"])
def test_diw_real_set_is_real_codes_or_kde_draws(real_set):
    over = {**SMALL, "method_kwargs": {"ae_steps": 50, "real_set": real_set}}
    config = configs.resolve("diw_gan", "ring8", over)
    model = build_model(config)
    model.compile()
    info = model.pretrain(config)
    # The pool pretrain encodes: 10 batches of 1,000 real samples of the run's seed.
    real = np.concatenate([b.numpy() for b in data.dataset("ring8", 1000, seed=50_000 + config["seed"]).take(10)])
    codes = model.ae_encoder(real, training=False).numpy()
    s_r = model.real_codes.numpy()
    nearest = np.sqrt(((s_r[:, None, :] - codes[None]) ** 2).sum(-1)).min(1)
    if real_set == "data":  # every target is an encoded real sample
        assert nearest.max() < 1e-5
    else:  # KDE draws: a real code plus noise of the bandwidth, so off the encoded data
        assert np.median(nearest) > 0.1 * info["bandwidth"]
    with pytest.raises(ValueError, match="real_set"):
        build_model(configs.resolve("diw_gan", "ring8", {**SMALL, "method_kwargs": {"real_set": "best"}}))
