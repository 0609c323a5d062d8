"""One evaluation API, shared by the library and every command line: :func:`evaluate`.

    import eval
    eval.evaluate(samples, reference="ring8")                        # an array from any generator
    eval.evaluate(samples, reference="two_rings.json", metrics=["modes", "emd"])
    eval.evaluate(zoo.load("veegan_stacked_mnist"), reference="stacked_mnist")   # a zoo model samples itself

``samples`` is an array (``[N, D]`` vectors, ``[N, H, W, C]`` images in [-1, 1]) or anything that samples:
a zoo model (its ``sample(n, seed)``) or a function ``(n, seed) -> array``. ``reference`` says what the
samples are measured against (:func:`resolve_reference`): a built-in data set, a registered data source
(``mixture:``, ``array:``, ``tfds:``), a mixture spec file, a ``.npy``/``.npz`` data file, a
:class:`zoo.data.Mixture` or an array of real vectors. ``metrics`` picks from :data:`METRICS` of the
reference's kind (None: all but the costly third-party count). Every default comes from
:mod:`eval.defaults`.

A drawn sample and a saved one give the same numbers: a model is sampled ``runs`` times with seeds
``seed, seed + 1, ...`` (``num`` each); an array is split into ``runs`` equal consecutive chunks, chunk i
standing for seed ``seed + i``. So ``np.concatenate([m.sample(2500, seed=s) for s in range(5)])``
evaluated with ``runs=5`` reproduces the model's own report exactly (``eval.missing_modes
--save-samples`` writes that array).
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from eval import defaults

__all__ = ["METRICS", "EvaluationError", "Reference", "digit_metrics", "evaluate", "resolve_reference"]


class EvaluationError(ValueError):
    """A bad evaluation request (unknown metric, samples that do not fit the reference, ...); the message
    names the problem."""


#: The metrics of each kind of reference (docs/evaluation.md defines every one).
METRICS = {
    # Gaussian mixtures, built in or from a spec.
    "mixture": ("modes", "hq_fraction", "kl", "jsd", "jsd_canonical", "emd"),
    # Real vectors without a mode table (an array data set): the EMD and its real-vs-real floor.
    "vectors": ("emd",),
    # MNIST and stacked MNIST, scored with the pinned MNIST classifier ("modes": stacked MNIST's 1000).
    "digits": ("digits", "inception_score", "mode_score", "fid", "kid", "prdc", "modes", "third_party"),
    # Any images scored with a given classifier (the ImageNet Inception network).
    "images": ("inception_score",),
    # Images with no evaluation classifier here (CIFAR-10, CelebA, tfds and array image sets).
    "unscored": (),
}
# Digit metrics that need only the class probabilities (no features, no real reference set).
_PROBABILITY_METRICS = {"digits", "inception_score", "mode_score", "modes"}
# Result keys each digit metric fills.
_DIGIT_KEYS = {"digits": ("digits_covered", "class_histogram", "class_kl"), "inception_score": ("inception_score",),
               "mode_score": ("mode_score",), "fid": ("fid",), "kid": ("kid",),
               "prdc": ("precision", "recall", "density", "coverage"), "modes": ("modes", "modes_kl"),
               "third_party": ("third_party",)}


@dataclasses.dataclass(frozen=True)
class Reference:
    """What samples are measured against.

    Attributes:
        kind: a key of :data:`METRICS`.
        name: the dataset name (``ring8``, ``mixture:two_rings``, ``mnist``, ...).
        mixture: the :class:`zoo.data.Mixture` of a mixture reference.
        real: ``(n, seed) -> [n, D]`` real vectors of a vector reference (mixtures and arrays).
        dim: the vector dimension, or None for images.
        reason: why an unscored reference has no metrics.
    """

    kind: str
    name: str
    mixture: object = None
    real: Callable | None = None
    dim: int | None = None
    reason: str = ""


def _vector_reference(name: str) -> Reference:
    from zoo import data

    if data.is_mixture(name):
        mix = data.mixture(name)
        return Reference("mixture", name, mixture=mix, real=lambda n, seed: mix.sample(n, seed=seed), dim=mix.dim)
    return Reference("vectors", name, real=lambda n, seed: data.real_sample(name, n, seed),
                     dim=data.data_shape(name)[0])


def resolve_reference(reference, classifier=None) -> Reference:
    """The :class:`Reference` that ``reference`` names (see the module docstring).

    ``None`` is allowed with the ``"inception"`` classifier (the Inception score of any images). Your own
    data given as a file is registered as a ``zoo.data`` source on the way.
    """
    from zoo import data
    from zoo.data import Mixture

    if isinstance(reference, Reference):
        return reference
    if reference is None:
        if classifier == "inception" or _is_scorer(classifier):
            return Reference("images", "images")
        raise EvaluationError("a reference is needed: a data set name, a mixture spec, a data file or an array")
    if isinstance(reference, Mixture):
        return Reference("mixture", reference.name, mixture=reference,
                         real=lambda n, seed: reference.sample(n, seed=seed), dim=reference.dim)
    if isinstance(reference, np.ndarray):
        x = np.asarray(reference, np.float64)
        if x.ndim != 2 or len(x) < 2 or not np.all(np.isfinite(x)):
            raise EvaluationError(f"a reference array must be finite real vectors [N, D], N >= 2, got shape "
                                  f"{list(x.shape)}")

        def real(n, seed):
            return x[np.random.default_rng(seed).choice(len(x), n, replace=n > len(x))]

        return Reference("vectors", "array", real=real, dim=x.shape[1])
    if not isinstance(reference, (str, os.PathLike)):
        raise EvaluationError(f"reference must be a data set name, a file, a Mixture or an array, got "
                              f"{type(reference).__name__}")
    text = os.fspath(reference)
    suffix = Path(text).suffix.lower()
    if suffix in (".json", ".yaml", ".yml"):
        name = data.mixture_source(text)
    elif suffix in (".npy", ".npz"):
        name = data.array_source(text)
    elif text.startswith("tfds:"):
        name = data.tfds_source(text)
    else:
        name = text
        data.data_shape(name)  # unknown names raise DataError listing the known ones
    if len(data.data_shape(name)) == 1:
        return _vector_reference(name)
    if classifier == "inception" or (_is_scorer(classifier) and name not in ("mnist", "stacked_mnist")):
        return Reference("images", name)
    if name in ("mnist", "stacked_mnist"):
        return Reference("digits", name)
    return Reference("unscored", name, reason=f"no evaluation classifier for {name!r} here (the MNIST "
                     f"classifier scores mnist and stacked_mnist; --classifier inception gives the Inception "
                     f"score of any images)")


def digit_metrics(dataset: str, third_party: bool = False) -> list[str]:
    """Every digit metric that applies to ``dataset`` (``modes`` only on stacked MNIST), with the costly
    third-party count when ``third_party``: the full report of a checkpoint or of saved samples."""
    return [m for m in METRICS["digits"] if (m != "modes" or dataset == "stacked_mnist")
            and (m != "third_party" or third_party)]


def _is_scorer(obj) -> bool:
    return hasattr(obj, "probs") and hasattr(obj, "features")


def _metrics(reference: Reference, metrics) -> list[str]:
    known = METRICS[reference.kind]
    if metrics is None:
        return [m for m in known if m != "third_party"]
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise EvaluationError(f"metric {unknown[0]!r} does not apply to {reference.name!r} ({reference.kind}); "
                              f"its metrics: {', '.join(known) or 'none'}")
    if "modes" in metrics and reference.kind == "digits" and reference.name != "stacked_mnist":
        raise EvaluationError("metric 'modes' (the 1000 stacked-MNIST modes) needs reference stacked_mnist")
    return metrics


def _sampler(samples):
    """``(n, seed) -> array`` of a model or function, or None for an array."""
    if hasattr(samples, "sample") and callable(samples.sample):
        return samples.sample
    if callable(samples):
        return samples
    return None


def evaluate(samples, reference=None, metrics=None, *, num: int | None = None, runs: int | None = None,
             seed: int = 0, classifier=None, third_party: dict | None = None, splits: int = defaults.IS_SPLITS,
             **image_options) -> dict:
    """Evaluate ``samples`` against ``reference`` (module docstring; every number: docs/evaluation.md).

    Args:
        samples: an array, a zoo model or a function ``(n, seed) -> array``.
        reference: what to measure against (:func:`resolve_reference`).
        metrics: names from ``METRICS[kind]``; None: all but ``third_party``.
        num: samples drawn per run from a model (default: 2,500 on vectors, the protocol N on images).
        runs: sampling runs (vectors; default 5 for a model, 1 for an array, which is split into ``runs``
            equal chunks); mean ± std is reported.
        seed: the first sampling seed; it also seeds the real draws, as in the checkpoint reports.
        classifier: images: None (the pinned MNIST classifier), ``"inception"``, a Keras classifier or a
            scorer (:class:`eval.inception.Scorer`).
        third_party: options of :func:`eval.third_party.third_party_missing_modes` when ``third_party`` is
            among the metrics.
        splits: Inception-score splits.
        image_options: more options of :func:`eval.image_metrics.evaluate_images` (``kid_subsets``, ...).

    Returns:
        For vectors, ``{"dataset", "n", "seeds", "summary": {metric: {mean, std, runs}}, "runs": [...]}``;
        for digits, the bundle of :func:`eval.image_metrics.evaluate_images` (or the probability-only
        scores when only those are asked) with ``scalars``, the headline numbers for tables; for an
        unscored reference, ``{"dataset", "n": 0, "skipped": reason, "scalars": {}}``.
    """
    ref = resolve_reference(reference, classifier)
    chosen = _metrics(ref, metrics)
    if ref.kind in ("mixture", "vectors"):
        return _evaluate_vectors(samples, ref, chosen, num, runs, seed)
    if ref.kind == "unscored":
        return {"dataset": ref.name, "n": 0, "skipped": ref.reason, "scalars": {}}
    if runs not in (None, 1):
        raise EvaluationError("runs is for vector data; image samples are scored once")
    sample_fn = _sampler(samples)
    if sample_fn is not None:
        n = int(num or defaults.IMAGE_SAMPLES.get(ref.name, defaults.SCORE_SAMPLES))
        samples = sample_fn(n, seed)
    if ref.kind == "images":
        return _inception_only(samples, classifier, splits)
    return _evaluate_digits(samples, ref.name, chosen, seed, classifier, third_party, splits, image_options)


# -------------------------------------------------------------------------------------------- vectors
def _evaluate_vectors(samples, ref: Reference, chosen, num, runs, seed) -> dict:
    from eval.mixture import evaluate_mixture, summarize

    sample_fn = _sampler(samples)
    if sample_fn is None:
        x = _check_vectors(samples, ref)
        runs = runs or 1
        if len(x) % runs:
            raise EvaluationError(f"{len(x)} samples do not split into {runs} equal runs")
        n = len(x) // runs
        chunks = {seed + i: x[i * n:(i + 1) * n] for i in range(runs)}

        def sample_fn(count, s):
            return chunks[s]
    else:
        runs = runs or defaults.MIXTURE_RUNS
        n = int(num or defaults.MIXTURE_SAMPLES)
        draw = sample_fn

        def sample_fn(count, s):
            return _check_vectors(draw(count, s), ref)
    if n < 2:
        raise EvaluationError(f"need at least 2 samples per run, got {n}")
    if n > defaults.MAX_MIXTURE_SAMPLES and "emd" in chosen:
        raise EvaluationError(f"{n:,} samples per run: the exact EMD is limited to {defaults.MAX_MIXTURE_SAMPLES:,} "
                              f"(an N x N cost matrix); use more runs or drop 'emd'")
    seeds = tuple(range(seed, seed + runs))
    if ref.kind == "mixture":
        result = evaluate_mixture(sample_fn, ref.mixture, n=n, seeds=seeds, emd_samples=None,
                                  with_emd="emd" in chosen)
        result["dataset"] = ref.name
    else:
        from eval.emd import emd

        per_run = []
        for s in seeds:
            fake = np.asarray(sample_fn(n, s))
            real_a, real_b = ref.real(n, 10_000 + s), ref.real(n, 20_000 + s)
            per_run.append({"n": n, "emd": emd(fake, real_a), "emd_floor": emd(real_b, real_a)})
        result = {"dataset": ref.name, "n": n, "seeds": list(seeds), "summary": summarize(per_run), "runs": per_run}
    return _select_vector_metrics(result, chosen, ref.kind)


def _select_vector_metrics(result: dict, chosen, kind: str) -> dict:
    if set(chosen) == set(METRICS[kind]):
        return result
    drop = {m for m in METRICS[kind] if m not in chosen}
    if "emd" in drop:
        drop.add("emd_floor")
    if "modes" in drop:
        drop.update({"counts"})
    for run in result["runs"]:
        for key in drop:
            run.pop(key, None)
    for key in drop:
        result["summary"].pop(key, None)
    return result


def _check_vectors(samples, ref: Reference) -> np.ndarray:
    x = np.asarray(samples)
    if x.dtype.kind not in "fiu" or x.ndim != 2 or x.shape[1] != ref.dim:
        raise EvaluationError(f"samples for {ref.name!r} must be numeric vectors [N, {ref.dim}], got "
                              f"{x.dtype} {list(x.shape)}")
    if not np.all(np.isfinite(x)):
        raise EvaluationError("samples contain NaN or infinite values")
    return x


# --------------------------------------------------------------------------------------------- images
def _scorer(classifier):
    from eval.digits import as_scorer

    return as_scorer(classifier)


def _inception_only(samples, classifier, splits) -> dict:
    from eval.samples import check_images
    from eval.scores import inception_score

    x = check_images(samples, "any", min_n=max(2, splits))
    if classifier == "inception":
        from eval.inception import InceptionScorer

        classifier = InceptionScorer()
    mean, std = inception_score(classifier.probs(x), splits=splits)
    return {"dataset": "images", "classifier": getattr(classifier, "name", type(classifier).__name__),
            "inception_score": {"mean": mean, "std": std, "n": len(x), "splits": splits}, "n": len(x)}


def _evaluate_digits(samples, dataset, chosen, seed, classifier, third_party, splits, options) -> dict:
    from eval.samples import check_images

    x = check_images(samples, dataset, min_n=max(2, splits) if "inception_score" in chosen else 2)
    scorer = _scorer(classifier)
    if set(chosen) <= _PROBABILITY_METRICS:
        return _probability_scores(x, dataset, scorer, chosen, splits)
    from eval.image_metrics import evaluate_images

    result = _select_digit_metrics(evaluate_images(x, dataset, classifier=scorer, seed=seed, splits=splits,
                                                   **options), chosen, dataset)
    mine, real = _headline(result), (_headline(result["floor"]) if "floor" in result else {})
    scalars = {k: f"{v:.4g}" + (f" (real: {real[k]:.4g})" if k in real else "") for k, v in mine.items()}
    if "third_party" in chosen:
        _third_party(result, scalars, x, dataset, seed, third_party or {})
    result["scalars"] = scalars
    return result


def _probability_scores(x, dataset, scorer, chosen, splits) -> dict:
    """The digit metrics that need only class probabilities: no features, no real reference set."""
    from eval import scores
    from eval.digits import classify

    out = classify(scorer, x, dataset)
    result = {"dataset": dataset, "classifier": getattr(scorer, "name", type(scorer).__name__), "n": len(x)}
    if "digits" in chosen:
        balance = scores.class_balance(np.asarray(out["digits"]).ravel(), 10)
        result.update(digits_covered=balance["covered"], class_histogram=balance["histogram"],
                      class_kl=balance["kl_to_uniform"])
    if "inception_score" in chosen:
        mean, std = scores.inception_score(out["probs"], splits=splits)
        result["inception_score"] = {"mean": mean, "std": std, "n": len(x), "splits": splits}
    if "mode_score" in chosen:
        from eval.reference import train_marginal

        result["mode_score"] = scores.mode_score(out["probs"], train_marginal(dataset))
    if "modes" in chosen:
        stacked = scores.stacked_modes(out["digits"])
        result.update(modes=stacked["modes"], modes_kl=stacked["kl"])
    result["scalars"] = {k: f"{v:.4g}" for k, v in _headline(result).items()}
    return result


# The headline numbers of ``scalars`` besides the Inception score and FID, when the result has them.
_HEADLINE_KEYS = ("digits_covered", "class_kl", "mode_score", "precision", "recall", "density", "coverage",
                  "modes", "modes_kl")


def _headline(result: dict) -> dict:
    """The scalars of a digit result that tables show (those it has)."""
    head = {}
    if "inception_score" in result:
        head["inception_score"] = result["inception_score"]["mean"]
    if "fid" in result:
        head["fid"] = result["fid"]["fid"]
    return {**head, **{k: result[k] for k in _HEADLINE_KEYS if k in result}}


def _third_party(result, scalars, fake, dataset, seed, options) -> None:
    """Add the third-party-discriminator count (Che et al. 2017): D* trained between N training images and
    the N samples, applied to the test split (MNIST: each test image once; stacked: 10,000 test images)."""
    from eval.reference import real_images
    from eval.third_party import third_party_missing_modes
    from zoo.stacked_mnist import mnist_digits

    options = dict(options)
    options.setdefault("seed", seed)
    n = len(fake)
    test_n = len(mnist_digits("test")[1]) if dataset == "mnist" else defaults.THIRD_PARTY_STACKED_TEST_SIZE
    result["third_party"] = third_party_missing_modes(
        real_images(dataset, "train", n, seed)[0], fake, real_images(dataset, "test", test_n, seed + 1)[0], **options)
    for r in result["third_party"]["results"]:
        counts = " / ".join(f"{c}" for c in r["counts"].values())
        scalars[f"missing (σ={r['sigma']:g}; t={'/'.join(r['counts'])})"] = \
            f"{counts} of {result['third_party']['n_test']} test images"


def _select_digit_metrics(result: dict, chosen, dataset: str) -> dict:
    """``result`` without the keys of the metrics not chosen (in its floor too)."""
    for metric in METRICS["digits"]:
        if metric not in chosen and metric != "third_party":
            for key in _DIGIT_KEYS[metric]:
                result.pop(key, None)
                if isinstance(result.get("floor"), dict):
                    result["floor"] = {k: v for k, v in result["floor"].items() if k != key}
    return result
