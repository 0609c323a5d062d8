"""The image report of a checkpoint: sample a zoo model, score the samples, add the headline scalars.

:func:`evaluate_checkpoint_images` is what ``train.run`` writes into ``metrics.json`` and what
``python -m eval.missing_modes`` prints for MNIST and stacked-MNIST models: the metric bundle of
:func:`eval.image_metrics.evaluate_images` at the data set's protocol sample size and, on request, the
third-party-discriminator count of :func:`eval.third_party.third_party_missing_modes`.
"""
from __future__ import annotations

from eval.samples import DATASETS

__all__ = ["DEFAULT_NUM_SAMPLES", "THIRD_PARTY_STACKED_TEST_SIZE", "evaluate_checkpoint_images"]

#: Samples scored per data set and the stacked test images of the third-party count (eval.defaults).
from eval.defaults import IMAGE_SAMPLES as DEFAULT_NUM_SAMPLES  # noqa: E402
from eval.defaults import THIRD_PARTY_STACKED_TEST_SIZE  # noqa: E402


def evaluate_checkpoint_images(model, dataset: str, num_samples: int | None = None, seed: int = 0,
                               classifier=None, third_party: bool | dict = False, **kwargs) -> dict:
    """Sample a zoo model and score it with :func:`eval.evaluate` (the bundle of
    :func:`eval.image_metrics.evaluate_images` plus ``scalars``, the headline numbers with their real-data
    floors, for tables).

    ``num_samples`` defaults to the protocol N of the data set (:data:`DEFAULT_NUM_SAMPLES`). Data sets
    without an evaluation classifier, or a missing MNIST classifier checkpoint, give a result with a
    ``skipped`` reason instead of raising (so a finished training run still writes its metrics).
    ``third_party`` (True or a dict of :func:`eval.third_party.third_party_missing_modes` keyword
    arguments) also counts the test split's missing-mode images with a third-party discriminator.
    """
    from eval.api import digit_metrics, evaluate
    from eval.classifier import ChecksumError

    if dataset not in DATASETS:
        return {"dataset": dataset, "n": 0, "skipped": f"no evaluation classifier for {dataset!r} "
                f"(supported: {', '.join(DATASETS)})", "scalars": {}}
    metrics = digit_metrics(dataset, bool(third_party))
    try:
        result = evaluate(model, dataset, metrics, num=num_samples, seed=seed, classifier=classifier,
                          third_party=third_party if isinstance(third_party, dict) else None, **kwargs)
    except ChecksumError as err:
        return {"dataset": dataset, "n": 0, "skipped": str(err), "scalars": {}}
    result["sample_seed"] = seed
    return result
