"""Mixtures with unequal mode weights, and mixtures from a spec: weights flow through every metric."""
import json

import numpy as np
import pytest

from eval.mixture import evaluate_mixture, mixture_metrics
from zoo import data
from zoo.data import DataError, Mixture

SPEC = {"name": "imbalanced", "means": [[0, 0], [3, 0], [0, 3], [3, 3]], "std": 0.1,
        "weights": [0.7, 0.1, 0.1, 0.1]}


def test_an_imbalanced_mixture_scores_at_its_floor_on_its_own_samples():
    mix = Mixture.from_spec(SPEC)
    real = mix.sample(5000, seed=0)
    counts = np.bincount(np.linalg.norm(real[:, None] - mix.means[None], axis=-1).argmin(1), minlength=4)
    np.testing.assert_allclose(counts / 5000, SPEC["weights"], atol=0.02)  # the sampler respects weights
    result = evaluate_mixture(lambda n, seed: mix.sample(n, seed=100 + seed), mix, n=2000, seeds=(0, 1))
    s = result["summary"]
    # With uniform weights assumed, KL would be ~0.5 (KL of 0.7/0.1/0.1/0.1 against 1/4) and EMD ~1.
    assert s["kl"]["mean"] < 0.005 and s["jsd"]["mean"] < 0.002 and s["jsd_canonical"]["mean"] < 0.002
    assert s["emd"]["mean"] < 2 * s["emd_floor"]["mean"] + 0.02
    assert s["modes"]["mean"] == 4 and s["hq_fraction"]["mean"] > 0.98


def test_canonical_jsd_counts_every_sample_in_its_voronoi_cell():
    mix = data.mixture("ring8")
    # Half the samples on mode 0 (high quality), half far away but nearest to mode 4 (low quality).
    x = np.concatenate([np.tile(mix.means[0], (50, 1)), np.tile(mix.means[4] * 5, (50, 1))])
    m = mixture_metrics(x, mix)
    p = np.zeros(8)
    p[0] = p[4] = 0.5
    w = np.full(8, 1 / 8)
    mid = (p + w) / 2
    by_hand = 0.5 * np.sum(p[p > 0] * np.log(p[p > 0] / mid[p > 0])) + 0.5 * np.sum(w * np.log(w / mid))
    assert m["jsd_canonical"] == pytest.approx(by_hand, rel=1e-9)
    assert m["hq_fraction"] == 0.5 and m["modes"] == 1  # the HQ histogram sees only mode 0


def test_spec_from_files_and_one_line_errors(tmp_path):
    path = tmp_path / "mix.json"
    path.write_text(json.dumps(SPEC))
    assert Mixture.from_spec(path).num_modes == 4
    yml = tmp_path / "mix.yaml"
    yml.write_text("means: [[0, 0], [1, 1]]\ncovs: [[[0.01, 0], [0, 0.02]], [[0.01, 0], [0, 0.01]]]\n")
    m = Mixture.from_spec(yml)
    assert m.name == "mix" and m.std is None and np.allclose(m.probs, 0.5)
    bad = [
        ({**SPEC, "weights": [0.5, 0.5, 0.5, -0.5]}, "weights must be 4 numbers >= 0"),
        ({**SPEC, "weights": [0.5, 0.5]}, "weights must be 4 numbers"),
        ({"means": [[0, 0]], "covs": [[[1, 2], [2, 1]]]}, "positive definite"),
        ({"means": [[0, 0]], "covs": [[[1, 0], [0, 1]], [[1, 0], [0, 1]]]}, "covariances must have shape"),
        ({"means": [[0, 0]]}, "exactly one of 'std' or 'covs'"),
        ({"means": [[0, 0]], "std": -1}, "std must be > 0"),
        ({"means": [[0, 0]], "std": 1, "colour": "red"}, "unknown keys"),
    ]
    for spec, message in bad:
        with pytest.raises(DataError, match=message):
            Mixture.from_spec(spec)
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        Mixture.from_spec(tmp_path / "broken.json")
    with pytest.raises(DataError, match="does not exist"):
        Mixture.from_spec(tmp_path / "missing.json")
