"""Every published checkpoint still loads under the current code and reproduces its ``metrics.json``.

Sampling is deterministic for a seed and the metrics are exact functions of the samples, so a
checkpoint evaluated again must give the stored figures to float precision: a change in the model
classes, the priors or the samplers that altered what a published model generates fails here.
"""
import json

import pytest

import zoo
from eval.mixture import evaluate_mixture
from zoo import data

MIXTURE_ENTRIES = sorted(n for n, e in zoo.manifest().items() if data.is_mixture(e["dataset"]))


def _check(name):
    folder = zoo.checkpoint_dir() / name
    assert folder.is_dir(), f"published entry {name} has no folder in {zoo.checkpoint_dir()}"
    stored = json.loads((folder / "metrics.json").read_text())
    model = zoo.load(name)
    again = evaluate_mixture(model.sample, data.mixture(model.dataset), n=stored["n"], seeds=stored["seeds"])
    for key in ("modes", "hq_fraction", "kl", "jsd", "emd"):
        assert again["summary"][key]["mean"] == pytest.approx(stored["summary"][key]["mean"], rel=1e-6, abs=1e-9), key


def test_a_published_checkpoint_reproduces_its_metrics():
    _check("gan_ring8")


@pytest.mark.slow
@pytest.mark.parametrize("name", MIXTURE_ENTRIES)
def test_every_published_mixture_checkpoint_reproduces_its_metrics(name):
    _check(name)


def test_every_published_entry_is_retrained_by_its_registry_config():
    """``python -m train.run --model NAME`` trains the published weights: the registry's config of every entry,
    its training seed included (the median of the training seeds for a mixture entry), is the config the
    checkpoint was trained with."""
    from zoo import configs

    differ = {}
    for name in zoo.list():
        trained = json.loads((zoo.checkpoint_dir() / name / "train_config.json").read_text())
        registry = configs.resolve(name)
        if not configs.same_config(trained, registry):
            differ[name] = sorted(k for k in set(trained) | set(registry) if trained.get(k) != registry.get(k))
    assert not differ, f"published config differs from the registry's: {differ}"
