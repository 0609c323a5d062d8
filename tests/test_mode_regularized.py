"""Mode-regularized GAN and MDGAN (Che et al. 2017, arXiv:1612.02136; docs/methods/mode_regularized.md),
and the validation of the third-party-discriminator count (docs/evaluation.md#third-party-discriminator).

The loss terms are checked against values computed by hand on 1-D linear networks G(z) = a·z + b,
D(x) = c·x + d, E(x) = e·x + f, including the sign of the λ2 term; then which player updates which
network, that D of the regularized GAN never sees a reconstruction, save/load, the CelebA
configurations on tfds mock data, and the scripts' smoke runs.
"""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import configs
from zoo.core.priors import Prior
from zoo.methods.mode_regularized import MDGAN, ModeRegularizedGAN, reconstruction_distance

A, B, C, D, E, F = 0.5, 0.1, 2.0, -0.3, 0.8, 0.05  # G(z) = A z + B, D(x) = C x + D, E(x) = E x + F
C2, D2 = -1.0, 0.4  # MDGAN's D2(x) = C2 x + D2
X = np.array([[1.0], [-0.5]], np.float32)
Z = np.array([[0.2], [-0.6]], np.float32)


def _linear(w, b, name):
    inp = keras.Input((1,))
    layer = keras.layers.Dense(1, name=f"{name}_fc")
    model = keras.Model(inp, layer(inp), name=name)
    layer.set_weights([np.array([[w]], np.float32), np.array([b], np.float32)])
    return model


def _softplus(t):
    return math.log1p(math.exp(t))


def _mean(values):
    return sum(values) / len(values)


def _nets():
    return dict(generator=_linear(A, B, "generator"), discriminator=_linear(C, D, "discriminator"),
                encoder=_linear(E, F, "encoder"), prior=Prior("uniform", 1))


def _g(z):
    return A * z + B


def _d(x):
    return C * x + D


def _rec(x):
    return _g(E * x + F)


def test_reconstruction_distance_is_the_per_sample_mse():
    x = np.array([[[1.0, 0.0]], [[0.0, 2.0]]], np.float32)
    y = np.zeros_like(x)
    assert float(reconstruction_distance(x, y)) == pytest.approx(_mean([0.5, 2.0]))


def test_mrgan_terms_match_hand_computed_values_and_the_mode_term_rewards_looking_real():
    l1, l2 = 0.2, 0.4
    model = ModeRegularizedGAN(**_nets(), lambda1=l1, lambda2=l2)
    xs, zs = X[:, 0].tolist(), Z[:, 0].tolist()
    rec_d = _mean([(x - _rec(x)) ** 2 for x in xs])
    mode = _mean([_softplus(-_d(_rec(x))) for x in xs])  # −log σ(D(G(E(x))))
    adv = _mean([_softplus(-_d(_g(z))) for z in zs])
    g = model.generator_terms(model.record(X, Z, player="generator"))
    assert set(g) == {"adv", "rec", "mode"}
    assert float(g["adv"]) == pytest.approx(adv, rel=1e-5)
    assert float(g["rec"]) == pytest.approx(l1 * rec_d, rel=1e-5)
    assert float(g["mode"]) == pytest.approx(l2 * mode, rel=1e-5)
    e = model.encoder_terms(model.record(X, Z, player="encoder"))
    assert set(e) == {"rec", "mode"}
    assert float(e["rec"]) == pytest.approx(l1 * rec_d, rel=1e-5)
    assert float(e["mode"]) == pytest.approx(l2 * mode, rel=1e-5)
    # Sign of the λ2 term (our choice, docs/methods/mode_regularized.md): it falls as D(G(E(x))) rises, so
    # minimising it moves reconstructions towards what D calls real (the printed +λ2 log D would rise).
    logits = tf.Variable([[0.3], [-1.0]])
    with tf.GradientTape() as tape:
        term = model.loss_fn.generator(None, logits)
    assert np.all(tape.gradient(term, logits).numpy() < 0)


def test_mrgan_discriminator_sees_only_x_and_g_of_z():
    model = ModeRegularizedGAN(**_nets())
    rec = model.record(X, Z)
    with tf.GradientTape(persistent=True) as tape:
        terms = model.discriminator_terms(rec)
    expected = _mean([_softplus(-_d(x)) for x in X[:, 0]]) + _mean([_softplus(_d(_g(z))) for z in Z[:, 0]])
    assert set(terms) == {"adv"} and float(terms["adv"]) == pytest.approx(expected, rel=1e-5)
    assert "reconstruction" not in rec and "code" not in rec  # G(E(x)) was never computed for D
    assert all(g is None for g in tape.gradient(terms["adv"], model.encoder.trainable_variables))


def _changed(model, player_name, x=X):
    """Networks whose weights one update of ``player_name`` changes."""
    player = next(p for p in model.players if p.name == player_name)
    names = ("generator", "discriminator", "encoder", "discriminator2")
    nets = {n: getattr(model, n) for n in names if hasattr(model, n)}
    before = {n: [w.copy() for w in net.get_weights()] for n, net in nets.items()}
    model.update(player, tf.constant(x))
    return {n for n, net in nets.items()
            if any(not np.array_equal(a, b) for a, b in zip(before[n], net.get_weights()))}


def test_mrgan_players_update_their_own_networks_with_their_own_optimizers():
    model = ModeRegularizedGAN(**_nets())
    model.compile(optimizers={p: keras.optimizers.SGD(0.1) for p in ("d", "g", "e")})
    assert [(p.name, p.prefix, p.networks) for p in model.players] == [
        ("discriminator", "d", ("discriminator",)), ("generator", "g", ("generator",)),
        ("encoder", "e", ("encoder",))]
    assert model.e_optimizer is not model.g_optimizer
    assert _changed(model, "discriminator") == {"discriminator"}
    assert _changed(model, "generator") == {"generator"}
    assert _changed(model, "encoder") == {"encoder"}


def test_mdgan_terms_match_hand_computed_values():
    lam = 0.7
    model = MDGAN(**_nets(), discriminator2=_linear(C2, D2, "discriminator2"), lambda1=lam)
    xs, zs = X[:, 0].tolist(), Z[:, 0].tolist()
    d2 = lambda x: C2 * x + D2  # noqa: E731
    rec_d = _mean([(x - _rec(x)) ** 2 for x in xs])
    d1 = model.discriminator_terms(model.record(X, Z))
    assert float(d1["adv"]) == pytest.approx(
        _mean([_softplus(-_d(x)) for x in xs]) + _mean([_softplus(_d(_rec(x))) for x in xs]), rel=1e-5)
    for name in ("generator", "encoder"):  # manifold step: −log D1(G(E(x))) + λ d(x, G(E(x)))
        t = getattr(model, f"{name}_terms")(model.record(X, Z, player=name))
        assert float(t["adv"]) == pytest.approx(_mean([_softplus(-_d(_rec(x))) for x in xs]), rel=1e-5)
        assert float(t["rec"]) == pytest.approx(lam * rec_d, rel=1e-5)
    t = model.diffusion_discriminator_terms(model.record(X, Z))  # G(E(x)) "real", G(z) fake
    assert float(t["adv"]) == pytest.approx(
        _mean([_softplus(-d2(_rec(x))) for x in xs]) + _mean([_softplus(d2(_g(z))) for z in zs]), rel=1e-5)
    t = model.diffusion_terms(model.record(X, Z))
    assert float(t["adv"]) == pytest.approx(_mean([_softplus(-d2(_g(z))) for z in zs]), rel=1e-5)


def test_mdgan_schedule_and_which_player_updates_which_network():
    model = MDGAN(**_nets(), discriminator2=_linear(C2, D2, "discriminator2"))
    model.compile(optimizers={p: keras.optimizers.SGD(0.1) for p in ("d", "g", "e", "d2", "g2")})
    assert [p.prefix for p in model.players] == ["d", "g", "e", "d2", "g2"]
    assert model.g_optimizer is not model.g2_optimizer  # G has one optimizer per step
    expected = {"discriminator": {"discriminator"}, "generator": {"generator"}, "encoder": {"encoder"},
                "diffusion_discriminator": {"discriminator2"}, "diffusion": {"generator"}}
    for name, nets in expected.items():
        assert _changed(model, name) == nets, name
    logs = model.train_step(tf.constant(X))
    assert {"d_loss", "g_adv", "g_rec", "e_loss", "d2_loss", "g2_loss"} <= set(logs)


@pytest.mark.parametrize("method", ["mrgan", "mdgan"])
def test_save_load_round_trip_and_zoo_load_samples(method, tmp_path):
    import zoo
    from train.run import train

    config = configs.resolve(method, "grid25", {"steps": 4, "steps_per_epoch": 2, "steps_per_execution": 2,
                                                "batch_size": 16, "g_hidden": [8], "d_hidden": [8]})
    model = train(config, tmp_path / "run", verbose=0, plot_every=0, evaluate=False)
    loaded = zoo.load(tmp_path / "run")
    assert type(loaded) is type(model) and loaded.get_config()["lambda1"] == model.lambda1
    np.testing.assert_allclose(loaded.sample(8, seed=3), model.sample(8, seed=3), rtol=1e-5)
    np.testing.assert_allclose(loaded.reconstruct(X.repeat(2, 1)), model.reconstruct(X.repeat(2, 1)), rtol=1e-5)


def test_method_arguments_are_checked():
    with pytest.raises(ValueError, match="plain discriminator"):
        ModeRegularizedGAN(**_nets(), penalty="pairwise", gp_weight=1.0)
    with pytest.raises(ValueError, match="lambda1"):
        ModeRegularizedGAN(**_nets(), lambda1=-1.0)


@pytest.mark.parametrize("entry", ["mrgan_celeba", "mdgan_celeba"])
def test_celeba_configuration_runs_a_step_on_mock_data(entry):
    """Che et al.'s CelebA setting (z of 100 / 200 dimensions, 64×64) trains one eager step on mock data."""
    import tensorflow_datasets as tfds

    from zoo import data
    from zoo.methods import build_model

    config = configs.resolve(entry)
    assert config["prior"]["dim"] == (100 if entry == "mrgan_celeba" else 200)
    model = build_model(config)
    model.compile()
    with tfds.testing.mock_data(num_examples=8):
        batch = next(iter(data.dataset("celeba", 2)))
    assert batch.shape == (2, 64, 64, 3)
    logs = model.train_step(batch)
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert model.reconstruct(batch.numpy()[:1]).shape == (1, 64, 64, 3)


# ------------------------------------------------------------------ third-party discriminator validation
@pytest.mark.slow
def test_third_party_count_finds_the_removed_digit_at_a_small_budget():
    """A "generator" of real training digits without the 0s: the count is about the number of test 0s."""
    from eval.third_party import validate_removed_classes

    out = validate_removed_classes(removed_sets=[(0,)], n=4000, n_test=2000, steps=2500)
    r = out["results"][0]
    assert 0.8 * r["target"] <= r["count"] <= 1.2 * r["target"], r
    assert r["others"] <= 0.1 * r["count"], r


def test_removed_class_sampler_never_returns_a_removed_class():
    from eval.third_party import removed_class_sampler

    images = np.arange(20, dtype=np.float32).reshape(20, 1, 1, 1)
    labels = np.arange(20) % 4
    x = removed_class_sampler(images, labels, (0, 1))(50, seed=0)
    assert set((x.ravel() % 4).astype(int)) == {2, 3}
    triples = np.array([[0, 1, 2], [3, 4, 5], [0, 9, 9], [7, 0, 0]])
    y = removed_class_sampler(np.arange(4.0).reshape(4, 1, 1, 1), triples, (0,), "stacked_mnist")(20, seed=1)
    assert set(y.ravel().astype(int)) == {1, 3}


# ------------------------------------------------------------------ scripts
@pytest.mark.slow
def test_mode_score_study_smoke(tmp_path):
    from scripts import mode_score_study

    assert mode_score_study.main(["--settings", "1", "--steps", "4", "--out", str(tmp_path), "--samples", "200"]) == 0
    assert (tmp_path / "mode_score_study.json").is_file() and (tmp_path / "mode_score_study.png").is_file()


@pytest.mark.slow
def test_missing_mode_table_smoke(tmp_path):
    from scripts import missing_mode_table

    assert missing_mode_table.main(["--models", "dcgan_mnist", "--sigmas", "0.5", "3.5", "--steps", "5",
                                    "--samples", "100", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "missing_mode_table.md").read_text()
    assert "`dcgan_mnist`" in text and "| 3.5 | 5463 |" in text


def test_third_party_count_depends_on_its_seed_only():
    """D*'s initial weights come from the count's seed, not from Keras' global generator: whatever ran
    before in the process, the same seed gives the same count."""
    import keras

    from eval.third_party import third_party_missing_modes

    rng = np.random.default_rng(0)
    real, fake, test = (rng.uniform(-1, 1, (64, 28, 28, 1)).astype(np.float32) for _ in range(3))
    runs = []
    for global_seed in (1, 2):
        keras.utils.set_random_seed(global_seed)
        out = third_party_missing_modes(real, fake, test, steps=5, seed=3, base=8, return_scores=True)
        runs.append(out["results"][0]["p_real"])
    np.testing.assert_array_equal(runs[0], runs[1])
