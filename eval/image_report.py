"""The image report of a checkpoint: sample a zoo model, score the samples, add the headline scalars.

:func:`evaluate_checkpoint_images` is what ``train.run`` writes into ``metrics.json`` and what
``python -m eval.missing_modes`` prints for MNIST and stacked-MNIST models: the metric bundle of
:func:`eval.image_metrics.evaluate_images` at the data set's protocol sample size and, on request, the
third-party-discriminator count of :func:`eval.third_party.third_party_missing_modes`.
"""
from __future__ import annotations

from eval.digits import as_scorer
from eval.image_metrics import evaluate_images
from eval.reference import real_images
from eval.samples import DATASETS
from eval.third_party import third_party_missing_modes

__all__ = ["DEFAULT_NUM_SAMPLES", "THIRD_PARTY_STACKED_TEST_SIZE", "evaluate_checkpoint_images"]

#: Samples scored per data set (docs/evaluation.md#stacked-mnist): the 26,000 stacked-MNIST samples of
#: VEEGAN (Srivastava et al. 2017, arXiv:1705.07761) and, for MNIST, the size of its test split.
DEFAULT_NUM_SAMPLES = {"mnist": 10_000, "stacked_mnist": 26_000}

#: Stacked test images the third-party discriminator is evaluated on (as many as MNIST's test split).
THIRD_PARTY_STACKED_TEST_SIZE = 10_000

# The headline numbers of ``scalars`` besides the Inception score and FID, when the result has them.
_HEADLINE_KEYS = ("digits_covered", "class_kl", "mode_score", "precision", "recall", "density", "coverage",
                  "modes", "modes_kl")


def _headline(result: dict) -> dict:
    return {"inception_score": result["inception_score"]["mean"], "fid": result["fid"]["fid"],
            **{k: result[k] for k in _HEADLINE_KEYS if k in result}}


def evaluate_checkpoint_images(model, dataset: str, num_samples: int | None = None, seed: int = 0,
                               classifier=None, third_party: bool | dict = False, **kwargs) -> dict:
    """Sample a zoo model and run :func:`eval.image_metrics.evaluate_images` on it.

    ``num_samples`` defaults to the protocol N of the data set (:data:`DEFAULT_NUM_SAMPLES`). Adds
    ``scalars``, a flat dict of the headline numbers with their real-data floors, for tables. Data sets
    without an evaluation classifier, or a missing MNIST classifier checkpoint, give a result with a
    ``skipped`` reason instead of raising (so a finished training run still writes its metrics).

    ``third_party`` (True or a dict of :func:`eval.third_party.third_party_missing_modes` keyword
    arguments) also trains the third-party discriminator between N training images and the same N
    samples and counts the test split's missing-mode images (``result["third_party"]``, σ/threshold
    counts in ``scalars``).
    """
    from eval.classifier import ChecksumError

    if dataset not in DATASETS:
        return {"dataset": dataset, "n": 0, "skipped": f"no evaluation classifier for {dataset!r} "
                f"(supported: {', '.join(DATASETS)})", "scalars": {}}
    n = int(num_samples or DEFAULT_NUM_SAMPLES[dataset])
    try:
        scorer = as_scorer(classifier)
    except ChecksumError as err:
        return {"dataset": dataset, "n": 0, "skipped": str(err), "scalars": {}}
    fake = model.sample(n, seed=seed)
    result = evaluate_images(fake, dataset, classifier=scorer, seed=seed, **kwargs)
    result["sample_seed"] = seed
    mine, real = _headline(result), (_headline(result["floor"]) if "floor" in result else {})
    scalars = {k: f"{v:.4g}" + (f" (real: {real[k]:.4g})" if k in real else "") for k, v in mine.items()}
    if third_party:
        options = dict(third_party) if isinstance(third_party, dict) else {}
        options.setdefault("seed", seed)
        # MNIST: the whole test split (each image once); stacked MNIST: 10,000 stacked test images.
        from zoo.stacked_mnist import mnist_digits

        test_n = len(mnist_digits("test")[1]) if dataset == "mnist" else THIRD_PARTY_STACKED_TEST_SIZE
        result["third_party"] = third_party_missing_modes(
            real_images(dataset, "train", n, seed)[0], fake,
            real_images(dataset, "test", test_n, seed + 1)[0], **options)
        for r in result["third_party"]["results"]:
            counts = " / ".join(f"{c}" for c in r["counts"].values())
            scalars[f"missing (σ={r['sigma']:g}; t={'/'.join(r['counts'])})"] = \
                f"{counts} of {result['third_party']['n_test']} test images"
    result["scalars"] = scalars
    return result
