"""Covering initialization's stopping rule and best-weight restoration (Lopez-Paz & Oquab, Sec. 3)."""
import keras
import numpy as np

from zoo import data
from zoo.core import networks
from zoo.core.model import GAN
from zoo.core.priors import Prior
from zoo.methods.lopez_paz_oquab import Plateau, covering_init


def test_a_slowly_falling_loss_is_not_a_plateau():
    rule = Plateau(patience=100, min_delta=0.01)
    # 0.5 % lower every step: each step alone is below min_delta, but two steps together exceed it.
    assert not any(rule.stalled(100 * 0.995**i) for i in range(1000))


def test_a_flat_or_noisy_loss_is_a_plateau_after_patience_steps():
    rule = Plateau(patience=10, min_delta=0.01)
    flags = [rule.stalled(v) for v in [5.0] + [5.0 + 0.01 * (-1) ** i for i in range(20)]]
    assert flags.index(True) == 10  # the first loss sets the reference; ten steps later it is stalled


def test_the_best_weights_are_restored_when_the_optimiser_overshoots():
    keras.utils.set_random_seed(0)
    real = data.mixture("ring8").sample(4000, seed=0)
    model = GAN(networks.mlp(2, 2, (16,), name="generator"), networks.mlp(2, 1, (4,), name="discriminator"),
                Prior("uniform", 2), dataset="ring8")
    # A learning rate far too large: the loss jumps around, and the last weights are not the best.
    result = covering_init(model, real, batch_size=2000, learning_rate=0.5, max_steps=40, tol=1e-9, patience=1000)
    assert result["restored_best"] and result["last_loss"] > result["best_loss"]
    # The kept weights score near the best loss (a fresh batch, so not exactly), far below the last.
    assert result["final_loss"] < result["last_loss"]
    assert np.isclose(result["final_loss"], result["best_loss"], rtol=0.5)
