"""Learned priors (Goerttler & Kloft 2019) and multimodal noise + covering init (Lopez-Paz & Oquab).

* Masked resampling follows Def. 3 (exactly the top r·n keep mass 1/(r·n)) and weighted resampling
  Def. 4 (frequencies ∝ w(s)), both on fixed score tables, the latter checked with a χ² test.
* On a model whose score is known in closed form (G = identity, D = a·z₀), training-time resampling and
  generation from the learned priors select the right latents.
* The calibrated score of a Wasserstein critic spans the documented range (5th/95th percentile at
  1 − q and q) whatever the critic's offset and scale; the score spread reaches ``metrics.json``.
* Covering initialization matches the target mean and covariance.
* Save/load round trips give identical samples; the CLI trains every new method for a few steps.
"""
import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from zoo import checkpoint, configs, data
from zoo.core import networks
from zoo.core.priors import Prior
from zoo.methods import build_model
from zoo.methods.goerttler_kloft import (
    MaskedPriorGAN,
    WeightedPriorGAN,
    calibrated_scores,
    centered_scores,
    learned_prior_latent,
    masked_at_generation,
    masked_probs,
    prior_scores,
    resample,
    score_calibration,
    score_mode,
    score_spread,
    validate_weight_function,
    weighted_probs,
)
from zoo.methods.lopez_paz_oquab import covering_init, moments

# A fixed score table: distinct scores in shuffled order.
SCORES = np.array([0.30, 0.91, 0.05, 0.62, 0.47, 0.88, 0.12, 0.75, 0.55, 0.20], np.float32)


# ------------------------------------------------------------------------------ Definitions 3 and 4
@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 0.8, 1.0])
def test_masked_keeps_exactly_the_top_rn_with_equal_mass(rate):
    probs = masked_probs(SCORES, rate).numpy()
    k = int(round(rate * len(SCORES)))
    top = set(np.argsort(-SCORES)[:k])
    assert set(np.flatnonzero(probs)) == top  # exactly the r·n highest scores (Def. 3, Eq. 8)
    np.testing.assert_allclose(probs[list(top)], 1.0 / k, rtol=1e-6)
    assert probs.sum() == pytest.approx(1.0)


def test_masked_threshold_is_the_1_minus_r_percentile_on_a_large_table():
    s = np.random.default_rng(0).uniform(size=1000).astype(np.float32)
    probs = masked_probs(s, 0.5).numpy()
    assert (probs > 0).sum() == 500
    assert s[probs > 0].min() > np.percentile(s, 50) > s[probs == 0].max()


@pytest.mark.parametrize("weight,fn", [("linear", lambda s: s), ("square", np.square)])
def test_weighted_probs_are_normalised_weights(weight, fn):
    probs = weighted_probs(SCORES, weight).numpy()
    np.testing.assert_allclose(probs, fn(SCORES) / fn(SCORES).sum(), rtol=1e-5)  # Eqs. 9, 11
    assert np.all(np.diff(probs[np.argsort(SCORES)]) > 0)  # Eq. 10: increasing in the score


def _chi2_pvalue(draws, probs):
    counts = np.bincount(draws, minlength=len(probs))
    keep = probs > 0
    assert counts[~keep].sum() == 0  # zero-mass entries are never drawn
    expected = probs[keep].astype(np.float64) * counts.sum()
    expected *= counts.sum() / expected.sum()  # exact totals: scipy checks them to 1e-8
    return stats.chisquare(counts[keep], expected).pvalue


@pytest.mark.parametrize("rule", ["weighted", "masked"])
def test_resampling_frequencies_follow_the_masses(rule):
    probs = (weighted_probs(SCORES) if rule == "weighted" else masked_probs(SCORES, 0.5)).numpy()
    index = tf.range(len(SCORES))[:, None]
    draws = resample(index, probs, 50_000, seed=7).numpy().ravel()
    assert _chi2_pvalue(draws, probs) > 1e-3


def test_weight_function_conditions_are_enforced():
    validate_weight_function(lambda s: s)
    with pytest.raises(ValueError, match="increasing"):
        validate_weight_function(lambda s: 1.0 - 0.5 * s)
    with pytest.raises(ValueError, match="positive"):
        validate_weight_function(lambda s: s - 0.5)
    with pytest.raises(ValueError, match="increasing"):
        validate_weight_function(lambda s: tf.ones_like(s))
    with pytest.raises(ValueError, match="unknown weight"):
        _score_model(WeightedPriorGAN, weight="nope")


# ------------------------------------------------------------------------------ a model with known scores
def _score_model(cls, slope=8.0, presample=400, rate=0.5, weight="linear", dim=2):
    """G(z) = z, D(x) = slope·x₀, so s(z) = σ(slope·z₀): high scores on the right half of z-space."""
    g = networks.mlp(dim, dim, (), name="generator")
    d = networks.mlp(dim, 1, (), name="discriminator")
    g.layers[-1].set_weights([np.eye(dim, dtype=np.float32), np.zeros(dim, np.float32)])
    w = np.zeros((dim, 1), np.float32)
    w[0, 0] = slope
    d.layers[-1].set_weights([w, np.zeros(1, np.float32)])
    return cls(g, d, Prior("uniform", dim), dataset="ring8", seed=3, presample=presample, rate=rate,
               weight=weight)


def test_training_batches_are_resampled_from_the_presample():
    masked = _score_model(MaskedPriorGAN)
    z = masked.draw_latent(200).numpy()
    # top half of 400 uniform z₀: all above the pre-sample median, which is near 0.
    assert z.shape == (200, 2) and z[:, 0].min() > -0.15
    weighted = _score_model(WeightedPriorGAN)
    zw = weighted.draw_latent(300).numpy()
    assert zw[:, 0].mean() > 0.2 and zw[:, 0].min() < 0  # tilted towards high scores, full support
    with pytest.raises(ValueError, match="must exceed the minibatch"):
        masked.draw_latent(tf.constant(400))


def test_generation_from_the_learned_priors():
    model = _score_model(WeightedPriorGAN)
    zm = model.sample(3000, seed=1, prior="masked")
    assert np.median(zm[:, 0]) > 0.4 and zm[:, 0].min() > -0.1  # Def. 1: top half of the prior
    zw = model.sample(3000, seed=1)  # weighted by default: density ∝ σ(8 z₀) on U(-1, 1) (Def. 2)
    grid = np.linspace(-1, 1, 20001)
    dens = 1 / (1 + np.exp(-8 * grid))
    expected = (grid * dens).sum() / dens.sum()
    assert zw[:, 0].mean() == pytest.approx(expected, abs=0.04)
    zc = model.sample(3000, seed=1, prior="constant")
    assert abs(zc[:, 0].mean()) < 0.05
    np.testing.assert_array_equal(model.sample(50, seed=4, prior="masked"), model.sample(50, seed=4, prior="masked"))
    np.testing.assert_array_equal(model.sample(50, seed=4), model.sample(50, seed=4))
    with pytest.raises(ValueError, match="unknown generation prior"):
        model.sample(5, prior="nope")


def test_wasserstein_scores_ignore_the_critic_offset():
    """A critic f and f + c are the same Wasserstein critic, so centred scores must not change."""
    z = Prior("uniform", 2).sample(300, seed=0)
    probs = {}
    for loss in ("wasserstein_gp", "non_saturating"):
        for bias in (0.0, 30.0):
            model = _score_model(WeightedPriorGAN, slope=2.0)
            model.loss_name = loss
            w, _ = model.discriminator.layers[-1].get_weights()
            model.discriminator.layers[-1].set_weights([w, np.full(1, bias, np.float32)])
            offset = "mean" if centered_scores(model) else None
            probs[loss, bias] = weighted_probs(prior_scores(model, z, offset)).numpy()
    np.testing.assert_allclose(probs["wasserstein_gp", 0.0], probs["wasserstein_gp", 30.0], rtol=1e-5)
    assert probs["wasserstein_gp", 0.0].max() > 1.5 * probs["wasserstein_gp", 0.0].min()  # still weighted
    # Eq. 2 as is for a classifier D: a +30 logit offset saturates σ and flattens the weights.
    assert np.ptp(probs["non_saturating", 30.0]) < 1e-6 < np.ptp(probs["non_saturating", 0.0])


def _critic(model, slope, bias):
    """Make ``model``'s critic f(z) = slope·z₀ + bias (G is the identity)."""
    w = np.zeros((2, 1), np.float32)
    w[0, 0] = slope
    model.discriminator.layers[-1].set_weights([w, np.full(1, bias, np.float32)])
    return model


def test_calibrated_scores_span_the_documented_range_for_any_critic_scale():
    """s = σ((f − f_mid)/T): the pre-sample's 5th/95th percentile scores are 1 − q and q (docs Eq.), and
    a critic f and a·f + c give the same scores; the centred score of a flat critic barely weights."""
    z = Prior("uniform", 2).sample(512, seed=0)
    scores = {}
    for slope, bias in ((0.3, 0.0), (0.3, -37.0), (30.0, 9.0)):  # a flat critic, drifted, steep
        model = _critic(_score_model(WeightedPriorGAN, presample=512), slope, bias)
        model.loss_name, model.score = "wasserstein_gp", "auto_calibrated"
        assert score_mode(model) == "calibrated"
        s = calibrated_scores(model, z).numpy()
        np.testing.assert_allclose(np.percentile(s, [5, 95]), [0.05, 0.95], atol=1e-4)
        scores[slope, bias] = s
        model.score_q95 = 0.99
        np.testing.assert_allclose(np.percentile(calibrated_scores(model, z).numpy(), [5, 95]), [0.01, 0.99],
                                   atol=1e-4)
    np.testing.assert_allclose(scores[0.3, 0.0], scores[0.3, -37.0], atol=5e-5)  # float32 rounding of f − 37
    np.testing.assert_allclose(scores[0.3, 0.0], scores[30.0, 9.0], atol=1e-5)
    # The same flat critic with the old centred score: s within 0.45-0.55, weights within 1.2x (issue #13).
    flat = _critic(_score_model(WeightedPriorGAN, presample=512), 0.3, 0.0)
    flat.loss_name = "wasserstein_gp"
    old, new = score_spread(flat, mode="centered"), score_spread(flat, mode="calibrated")
    assert old["score"] == "centered" and 0.4 < old["s_p05"] < old["s_p95"] < 0.6 and old["weight_ratio"] < 1.4
    assert new["s_p05"] == pytest.approx(0.05, abs=1e-3) and new["s_p95"] == pytest.approx(0.95, abs=1e-3)
    assert new["weight_ratio_p95_p05"] == pytest.approx(19.0, rel=1e-2) and new["weight_ratio"] > 19
    # A constant critic: every score 0.5, the weighted prior is the constant prior (no division by zero).
    offset, temperature = score_calibration(tf.fill([64], 3.0), "calibrated")
    assert float(offset) == 3.0 and float(temperature) > 0
    with pytest.raises(ValueError, match="score_q95"):
        score_calibration(tf.zeros([8]), "calibrated", q95=0.4)
    with pytest.raises(ValueError, match="score must be"):
        WeightedPriorGAN(networks.mlp(2, 2, (), name="generator"), networks.mlp(2, 1, (), name="discriminator"),
                         Prior("uniform", 2), dataset="ring8", score="nope")


def test_score_modes_of_the_entries():
    """The Wasserstein weighted-prior entries calibrate; the standard GAN loss keeps Eq. 2 (σ of the logit); the
    golden case, the masked prior and every checkpoint saved with ``score="auto"`` keep the centred score."""
    def mode(name, **overrides):
        return score_mode(build_model(configs.resolve(name, overrides=overrides or None)))

    assert mode("weighted_prior_ring8") == "calibrated"
    assert mode("weighted_prior", loss="non_saturating", gp_weight=0.0) == "sigmoid"
    assert mode("weighted_prior_mnist") == "sigmoid"
    assert mode("weighted_prior_grid25") == "calibrated"
    assert mode("masked_prior_ring8") == "centered"
    assert mode("weighted_prior", method_kwargs={"presample": 64}) == "centered"  # tests/golden.py's case


def test_score_spread_is_written_to_metrics_json_for_learned_priors_only():
    from train.run import evaluate_checkpoint
    from zoo.core.model import GAN

    model = _critic(_score_model(WeightedPriorGAN, presample=256), 2.0, 0.0)
    model.loss_name, model.score = "wasserstein_gp", "calibrated"
    metrics = evaluate_checkpoint(model, {"dataset": "ring8"})
    spread = metrics["score_spread"]
    assert spread["score"] == "calibrated" and spread["presample"] == 256
    assert spread["s_p05"] == pytest.approx(0.05, abs=1e-3) and spread["s_p95"] == pytest.approx(0.95, abs=1e-3)
    assert spread == score_spread(model)  # a fixed seed: the same figures again
    plain = GAN(model.generator, model.discriminator, Prior("uniform", 2), dataset="ring8")
    assert "score_spread" not in evaluate_checkpoint(plain, {"dataset": "ring8"})
    assert plain.checkpoint_metrics() == {}


def test_masked_at_generation_on_a_constant_prior_gan():
    from zoo.core.model import GAN

    ref = _score_model(WeightedPriorGAN)
    plain = GAN(ref.generator, ref.discriminator, Prior("uniform", 2), dataset="ring8")
    fn = masked_at_generation(plain, rate=0.25)
    x = fn(1000, seed=2)
    assert x.shape == (1000, 2) and x[:, 0].min() > 0.3  # top quarter of U(-1, 1) in z₀
    np.testing.assert_array_equal(x, fn(1000, seed=2))
    np.testing.assert_array_equal(learned_prior_latent(plain, 10, "constant", seed=5), plain.prior.sample(10, seed=5))


# ------------------------------------------------------------------------------ covering initialization
def test_covering_init_matches_the_target_moments():
    keras.utils.set_random_seed(0)
    real = data.mixture("grid25").sample(10_000, seed=0)
    g = networks.mlp(2, 2, (32, 32), name="generator")
    d = networks.mlp(2, 1, (8,), name="discriminator")
    from zoo.core.model import GAN

    model = GAN(g, d, Prior("uniform", 2), dataset="grid25")
    result = covering_init(model, real, batch_size=4000, learning_rate=1e-2, max_steps=400, tol=1e-3)
    assert result["final_loss"] < 0.02 * result["initial_loss"]
    # Seeded and stateless: this run stops by the tolerance rule (at step 103 on CPU), well before max_steps.
    assert result["stopped"] == "converged" and result["steps"] < 400
    assert result["best_loss"] <= 1e-3 * result["initial_loss"]
    # The other two stopping rules, each forced: no learning (patience runs out), too few steps.
    g_fixed = networks.mlp(2, 2, (4,), name="generator")
    fixed = GAN(g_fixed, d, Prior("uniform", 2), dataset="grid25")
    stuck = covering_init(fixed, real, batch_size=500, learning_rate=0.0, max_steps=400, tol=1e-3, patience=20)
    assert stuck["stopped"] == "plateau" and stuck["steps"] == 21
    short = covering_init(fixed, real, batch_size=500, learning_rate=1e-3, max_steps=5, tol=1e-9, patience=20)
    assert short["stopped"] == "max_steps" and short["steps"] == 5
    mu_r, cov_r = (t.numpy() for t in moments(real))
    mu_f, cov_f = (t.numpy() for t in moments(model.sample(20_000, seed=1)))
    # grid25: mean 0, covariance 8·I (+ 0.0025); matched to a few per cent of its scale.
    np.testing.assert_allclose(mu_f, mu_r, atol=0.25)
    np.testing.assert_allclose(cov_f, cov_r, atol=0.6)


def test_multimodal_covering_prior_defaults_to_the_number_of_modes():
    for dataset, c in (("grid25", 25), ("ring8", 8), ("mnist", 10)):
        config = configs.resolve("multimodal_covering", dataset)
        if dataset == "mnist":
            from zoo.methods.lopez_paz_oquab import multimodal_prior_config

            assert multimodal_prior_config(config)["categories"] == c
            continue
        model = build_model(config)
        assert model.prior.kind == "multimodal" and model.prior.categories == c
        z = model.prior.sample(100, seed=0).numpy()
        assert np.allclose(z[:, -c:].sum(1), 1)


# ------------------------------------------------------------------------------ save/load, CLI
@pytest.mark.parametrize("cls", [WeightedPriorGAN, MaskedPriorGAN])
def test_save_load_round_trip_gives_identical_samples(cls, tmp_path):
    model = _score_model(cls, presample=123, rate=0.3, weight="square")
    model.score, model.score_q95 = "calibrated", 0.9
    checkpoint.save(model, tmp_path / "m")
    loaded = checkpoint.load(tmp_path / "m")
    assert type(loaded) is cls
    assert (loaded.presample, loaded.rate, loaded.weight, loaded.score, loaded.score_q95) == \
        (123, 0.3, "square", "calibrated", 0.9)
    for prior in ("masked", "weighted", "constant"):
        np.testing.assert_array_equal(loaded.sample(64, seed=9, prior=prior), model.sample(64, seed=9, prior=prior))
    np.testing.assert_array_equal(loaded.sample(64, seed=9), model.sample(64, seed=9))


@pytest.mark.parametrize("cls,loss,gp", [(MaskedPriorGAN, "wasserstein_gp", 10.0),
                                         (WeightedPriorGAN, "non_saturating", 0.0)])
def test_learned_priors_train_with_wasserstein_and_standard_losses(cls, loss, gp):
    g = networks.mlp(2, 2, (16,), name="generator")
    d = networks.mlp(2, 1, (16,), name="discriminator")
    model = cls(g, d, Prior("uniform", 2), loss=loss, gp_weight=gp, dataset="ring8", presample=64, seed=1)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    assert model.d_steps == (5 if loss.startswith("wasserstein") else 1)
    g0 = [w.numpy().copy() for w in g.weights]
    logs = model.train_on_batch(data.mixture("ring8").sample(32 * model.d_steps, seed=0), return_dict=True)
    assert all(np.isfinite(v) for v in logs.values())
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(g0, g.weights))


def test_train_runs_a_learned_prior_with_covering_init(tmp_path, capsys):
    from train.run import main, train

    assert main(["--model", "weighted_prior", "--covering-init", "--show-config"]) == 0
    assert json.loads(capsys.readouterr().out)["covering_init"] is True
    config = configs.resolve("weighted_prior", "ring8", {"steps": 10, "steps_per_epoch": 10, "steps_per_execution": 5,
                                                         "batch_size": 32, "method_kwargs": {"presample": 64}})
    config["covering_init"] = {"batch_size": 500, "max_steps": 5, "real": 1000}
    train(config, tmp_path / "w", verbose=0, plot_every=0, evaluate=False)
    model = checkpoint.load(tmp_path / "w")
    assert type(model) is WeightedPriorGAN and model.presample == 64 and model.sample(10, seed=0).shape == (10, 2)
    cov = json.loads((tmp_path / "w" / "metrics.json").read_text())["covering_init"]
    assert cov["steps"] == 5 and cov["batch_size"] == 500
