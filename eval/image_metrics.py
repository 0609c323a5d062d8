"""The bundle of image metrics for MNIST / stacked-MNIST samples, with the real-data floor beside it.

:func:`evaluate_images` turns generated samples in [-1, 1] into every number the papers report, always
with N beside it and with the same metrics on **real test data of the same N** as the floor
(docs/evaluation.md#fid-and-feature-metrics):

* digit coverage and KL of the class histogram to uniform; for stacked MNIST the 1000-mode count and
  KL (VEEGAN, Srivastava et al. 2017, arXiv:1705.07761; PacGAN, Lin et al. 2018, arXiv:1712.04086);
* Inception score (Salimans et al. 2016, arXiv:1606.03498) and MODE score (Che et al. 2017,
  arXiv:1612.02136) from the classifier's probabilities;
* FID (Heusel et al. 2017, arXiv:1706.08500), KID (Bińkowski et al. 2018, arXiv:1801.01401),
  precision/recall (Kynkäänniemi et al. 2019, arXiv:1904.06991) and density/coverage (Naeem et al.
  2020, arXiv:2002.09797) on the classifier's features.

The **reference** real set for FID/KID/precision-recall/density-coverage is N images from the training
split (drawn with ``seed``) unless ``real`` is given; the **floor** is N images from the test split
scored against that same reference. The formulas are in :mod:`eval.scores`.

The default reference (its features and k-NN radii) and the floor metrics depend only on the
classifier, the MNIST data, N, the seed and the metric arguments, so they are cached in memory and on
disk (:func:`eval.reference.cached_stats`; folder ``$MODE_ZOO_CACHE`` or ``~/.cache/mode-zoo``): only
the samples are classified and compared once the cache is filled (docs/evaluation.md#speed).
"""
from __future__ import annotations

import numpy as np

from eval import reference as real_sets
from eval import scores
from eval.digits import as_scorer, classify
from eval.reference import classified_real, train_marginal
from eval.samples import check_images, infer_dataset

__all__ = ["RADII_K", "evaluate_images", "image_metrics", "reference_stats"]

#: The k of the k-NN radii of a reference set: precision/recall (3) and density/coverage (5).
RADII_K = (3, 5)


def reference_stats(scorer, dataset: str, n: int, seed: int) -> dict:
    """``{"features", "radii", "fid_stats"}`` of the default reference: ``n`` training images drawn with
    ``seed``, classified by ``scorer``, their k-NN radii and FID mean/covariance (cached in memory and on
    disk, see :func:`eval.reference.cached_stats`)."""
    params = {"dataset": dataset, "split": "train", "n": int(n), "seed": int(seed),
              "data": real_sets.data_fingerprint("train"), "radii_k": list(RADII_K)}

    def build():
        features = classified_real(scorer, dataset, "train", n, seed)["features"]
        radii = scores.kth_nn_radii(features, list(RADII_K))
        fid = scores.gaussian_stats(features)
        return {"features": features, **{f"radii_{k}": radii[k] for k in RADII_K},
                "fid_mean": fid["mean"], "fid_cov": fid["cov"]}

    entry = real_sets.cached_stats(scorer, "reference", params, build)
    out = {"features": entry["features"], "radii": {k: entry[f"radii_{k}"] for k in RADII_K}}
    if "fid_mean" in entry:  # (an entry written before the FID statistics were cached has none)
        out["fid_stats"] = {"mean": entry["fid_mean"], "cov": entry["fid_cov"]}
    return out


def image_metrics(out: dict, reference: dict, dataset: str, *, splits: int = 10, kid_subsets: int = 100,
                  kid_subset_size: int = 1000, seed: int = 0) -> dict:
    """All scores for one classified set ``out`` against a classified reference set
    (both from :func:`eval.digits.classify`).

    ``reference`` may carry ``"radii"`` (k-NN radii of its features, reused across calls), ``"fid_stats"``
    (:func:`eval.scores.gaussian_stats` of its features) and ``"kid_terms"`` ({(N, kid_subsets,
    kid_subset_size, seed): :func:`eval.scores.kid_reference_terms`}).
    """
    n = len(out["probs"])
    # The reference's own KID kernel terms, when computed for exactly these KID arguments and this N.
    kid_terms = reference.get("kid_terms", {}).get((n, kid_subsets, kid_subset_size, seed))
    digits = np.asarray(out["digits"])
    balance = scores.class_balance(digits.ravel(), 10)
    is_mean, is_std = scores.inception_score(out["probs"], splits=min(splits, n))
    result = {
        "n": n,
        "digits_covered": balance["covered"],
        "class_histogram": balance["histogram"],
        "class_kl": balance["kl_to_uniform"],
        "inception_score": {"mean": is_mean, "std": is_std, "n": n, "splits": min(splits, n)},
        "mode_score": scores.mode_score(out["probs"], train_marginal(dataset)),
        "fid": scores.frechet_distance(out["features"], reference["features"], stats_b=reference.get("fid_stats")),
        "kid": scores.kernel_inception_distance(out["features"], reference["features"], kid_subsets,
                                                kid_subset_size, seed=seed, reference_terms=kid_terms),
    }
    if "radii" not in reference:
        reference["radii"] = scores.kth_nn_radii(reference["features"], [3, 5])
    result.update(scores.prdc(reference["features"], out["features"], 3, 5, real_radii=reference["radii"]))
    if dataset == "stacked_mnist":
        stacked = scores.stacked_modes(digits)
        result.update({"modes": stacked["modes"], "modes_kl": stacked["kl"]})
    return result


def evaluate_images(samples, dataset: str | None = None, *, classifier=None, seed: int = 0, real=None,
                    floor: bool = True, splits: int = 10, kid_subsets: int = 100,
                    kid_subset_size: int = 1000) -> dict:
    """Every sample-quality and mode-coverage score for MNIST / stacked-MNIST samples in [-1, 1].

    Args:
        samples: ``[N, 28, 28, 1]`` or ``[N, 28, 28, 3]`` generator outputs in [-1, 1].
        dataset: ``"mnist"`` or ``"stacked_mnist"`` (inferred from the channel count if ``None``).
        classifier: ``None`` (the trained checkpoint, :func:`eval.classifier.load_classifier`), a Keras
            model, or any :class:`eval.inception.Scorer`.
        seed: seeds the real reference/floor draws and KID's subsets.
        real: optional real reference images in [-1, 1]; default N training images.
        floor: also score N real **test** images against the same reference
            (docs/evaluation.md#fid-and-feature-metrics).
        splits, kid_subsets, kid_subset_size: Inception-score splits (10) and KID subsets (100 × 1000).

    Returns:
        A JSON-serialisable dict: ``n``, ``digits_covered``, ``class_histogram``, ``class_kl``,
        ``inception_score`` {mean, std, n, splits}, ``mode_score``, ``fid`` {fid, eps_added, ...},
        ``kid`` {kid, kid_std, ...}, ``precision``, ``recall``, ``density``, ``coverage`` (k 3 / 5),
        for stacked MNIST ``modes`` and ``modes_kl``; ``reference`` (what FID etc. compare with) and
        ``floor`` (the same metrics on real test data of the same N, plus how accurately the classifier
        labels it: ``digit_accuracy``).
    """
    x = check_images(samples, dataset, min_n=max(2, splits))
    dataset = dataset or infer_dataset(x)
    scorer = as_scorer(classifier)
    n = len(x)
    if real is None:
        reference = reference_stats(scorer, dataset, n, seed)
        # KID's within-reference kernel terms are the same for every evaluation of N samples against
        # this reference (a third of KID's cost): cached like the reference itself.
        kid_key = (n, kid_subsets, kid_subset_size, seed)
        kid_params = {"dataset": dataset, "n": int(n), "seed": int(seed), "data": real_sets.data_fingerprint("train"),
                      "kid_subsets": int(kid_subsets), "kid_subset_size": int(kid_subset_size)}
        build_terms = lambda: {"terms": scores.kid_reference_terms(  # noqa: E731
            reference["features"], n, kid_subsets, kid_subset_size, seed)}
        terms = real_sets.cached_stats(scorer, "kid-reference", kid_params, build_terms)["terms"]
        reference["kid_terms"] = {kid_key: terms}
        ref_info = {"source": f"{dataset} train split", "n": n, "seed": seed}
    else:
        ref_images = check_images(real, dataset, min_n=6)
        reference = classify(scorer, ref_images, dataset)
        ref_info = {"source": "given", "n": len(ref_images)}
    kwargs = {"splits": splits, "kid_subsets": kid_subsets, "kid_subset_size": kid_subset_size, "seed": seed}
    result = {"dataset": dataset, "classifier": getattr(scorer, "name", type(scorer).__name__)}
    result.update(image_metrics(classify(scorer, x, dataset), reference, dataset, **kwargs))
    result["reference"] = ref_info
    if floor:
        def build_floor():
            # A different seed from the reference draw, so the floor never shares images with it by design.
            test = classified_real(scorer, dataset, "test", n, seed + 1)
            metrics = image_metrics(test, reference, dataset, **kwargs)
            metrics["digit_accuracy"] = float(np.mean(np.asarray(test["digits"]) == test["true_digits"]))
            metrics["source"] = f"{dataset} test split"
            return metrics

        if real is None:  # the default reference is cached too, so the floor is reusable
            params = {"dataset": dataset, "n": int(n), "seed": int(seed) + 1, "metrics": kwargs,
                      "data_train": real_sets.data_fingerprint("train"),
                      "data_test": real_sets.data_fingerprint("test"), "reference_seed": int(seed),
                      "radii_k": list(RADII_K)}
            result["floor"] = real_sets.cached_stats(scorer, "floor", params, build_floor)
        else:
            result["floor"] = build_floor()
    return result
