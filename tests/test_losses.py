"""Losses and the WGAN-GP penalty against values computed by hand."""
import math

import numpy as np
import pytest
import tensorflow as tf

from zoo.core import losses, penalties

REAL = np.array([2.0, -1.0], np.float32)
FAKE = np.array([0.5, -3.0], np.float32)


def _sig(t):
    return 1.0 / (1.0 + math.exp(-t))


def _mean(values):
    return sum(values) / len(values)


def test_minimax_discriminator_is_binary_cross_entropy():
    expected = _mean([-math.log(_sig(r)) for r in REAL]) + _mean([-math.log(1 - _sig(f)) for f in FAKE])
    assert float(losses.minimax_discriminator_loss(REAL, FAKE)) == pytest.approx(expected, rel=1e-5)


def test_minimax_generator_is_log_one_minus_d_fake_plus_real_pair_term():
    expected = _mean([math.log(1 - _sig(f)) for f in FAKE]) + _mean([math.log(_sig(r)) for r in REAL])
    assert float(losses.minimax_generator_loss(REAL, FAKE)) == pytest.approx(expected, rel=1e-5)


def test_non_saturating_generator_is_minus_log_d_fake():
    expected = _mean([-math.log(_sig(f)) for f in FAKE]) + _mean([-math.log(1 - _sig(r)) for r in REAL])
    assert float(losses.non_saturating_generator_loss(REAL, FAKE)) == pytest.approx(expected, rel=1e-5)


def test_wasserstein_signs():
    # Critic minimises E f(fake) - E f(real); the generator the opposite (LOGAN code ``w``).
    assert float(losses.wasserstein_discriminator_loss(REAL, FAKE)) == pytest.approx(-1.25 - 0.5)
    assert float(losses.wasserstein_generator_loss(REAL, FAKE)) == pytest.approx(0.5 + 1.25)


def test_logit_loss_is_real_minus_fake_logits():
    assert float(losses.logit_generator_loss(REAL, FAKE)) == pytest.approx(0.5 - (-1.25))


def test_lol2_discriminator_is_squared_sigmoid():
    expected = _mean([_sig(f) ** 2 for f in FAKE]) + _mean([(1 - _sig(r)) ** 2 for r in REAL])
    assert float(losses.lol2_discriminator_loss(REAL, FAKE)) == pytest.approx(expected, rel=1e-5)


def test_loss_table_ratios_and_unknown_name():
    assert losses.get_loss("wasserstein").d_steps == 5 and losses.get_loss("wasserstein").clip == 0.01
    assert losses.get_loss("lol1").d_steps == 1
    with pytest.raises(ValueError, match="known losses"):
        losses.get_loss("hinge?")


def test_gradient_penalty_on_linear_critic():
    # f(x) = w·x has gradient w everywhere, so the penalty is (‖w‖ - 1)² whatever ε is.
    w = tf.constant([[3.0], [4.0]])
    critic = lambda x: tf.matmul(x, w)  # noqa: E731
    real, fake = tf.random.normal([6, 2]), tf.random.normal([6, 2])
    gp = penalties.gradient_penalty(critic, real, fake, tf.random.uniform([6]))
    assert float(gp) == pytest.approx((5.0 - 1.0) ** 2, rel=1e-5)


def test_gradient_penalty_zero_for_unit_gradient_and_uses_interpolates():
    # f(x) = ½‖x‖² has gradient x̃: the penalty depends on where the interpolates are.
    critic = lambda x: 0.5 * tf.reduce_sum(tf.square(x), axis=1, keepdims=True)  # noqa: E731
    real = tf.constant([[1.0, 0.0], [0.0, 3.0]])
    fake = tf.constant([[0.0, 1.0], [0.0, 1.0]])
    eps = tf.constant([1.0, 0.5])  # x̃ = real for the first sample, (0, 2) for the second
    expected = ((1.0 - 1.0) ** 2 + (2.0 - 1.0) ** 2) / 2
    assert float(penalties.gradient_penalty(critic, real, fake, eps)) == pytest.approx(expected, rel=1e-5)


def test_interpolate_broadcasts_one_epsilon_per_sample():
    a, b = tf.ones([2, 3, 3, 1]), tf.zeros([2, 3, 3, 1])
    out = penalties.interpolate(a, b, tf.constant([0.25, 0.75])).numpy()
    assert np.allclose(out[0], 0.25) and np.allclose(out[1], 0.75)


def test_logan_w_is_the_unclipped_wasserstein_pair_with_one_critic_step():
    """LOGAN's code, loss 'w': D minimises f(fake) − f(real), G and E minimise f(real) − f(fake)."""
    w = losses.get_loss("w")
    assert float(w.discriminator(REAL, FAKE)) == pytest.approx(_mean(FAKE) - _mean(REAL), rel=1e-6)
    assert float(w.generator(REAL, FAKE)) == pytest.approx(_mean(REAL) - _mean(FAKE), rel=1e-6)
    assert w.d_steps == 1 and w.clip is None


def test_rect25_is_logans_toy_grid():
    from zoo import data

    rect = data.mixture("rect25")
    assert rect.num_modes == 25 and rect.std == 0.01
    assert sorted(set(rect.means[:, 0])) == [-2.0, -1.0, 0.0, 1.0, 2.0] == sorted(set(rect.means[:, 1]))
