"""Mode metrics on the Gaussian-mixture benchmarks (docs/evaluation.md#mixture-benchmarks).

* Each sample is assigned to the mode at the smallest distance in **std units** of that mode (PacGAN,
  Lin et al. 2018, arXiv:1712.04086, ``MetricLogger``: √Σ((x-μ)²/σ²)); for the anisotropic grid this
  generalises to the Mahalanobis distance under the mode's covariance, which equals PacGAN's for
  isotropic modes.
* A sample is **high quality** (HQ) when that distance is below 3 (VEEGAN, Srivastava et al. 2017,
  arXiv:1705.07761; 3σ; docs/evaluation.md#modes-and-high-quality-samples).
* **Modes captured** = number of components nearest to at least one HQ sample.
* **Reverse KL** = KL(p ‖ w) and **JSD** = JSD(p, w) of the normalised HQ counts p against the true
  mode weights w (``Mixture.probs``; uniform for the built-in benchmarks), natural log, 0·log 0 = 0
  (PacGAN Table 1 and its logged JSD; docs/evaluation.md#histogram-divergences).
* **Canonical-unit JSD** (``jsd_canonical``, the Dual Importance Weight GAN's Table 1): every sample,
  high quality or not, is assigned to the Voronoi cell of its nearest mode mean (Euclidean), and the
  JSD of those counts against w is taken, natural log.
* **EMD** = exact W1 against a fresh data sample of the same size, with the EMD between two real samples
  of that size as the sampling floor (docs/evaluation.md#emd).
"""
from __future__ import annotations

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy

from eval.defaults import HQ_THRESHOLD, MIXTURE_RUNS, MIXTURE_SAMPLES
from eval.emd import emd
from zoo.data import Mixture

__all__ = ["evaluate_mixture", "mixture_metrics", "std_distances", "summarize"]


def std_distances(samples, mixture: Mixture) -> np.ndarray:
    """``[N, K]`` distances of each sample to each mode in that mode's std units (Mahalanobis)."""
    x = np.asarray(samples, np.float64)
    inv_chol = np.linalg.inv(np.linalg.cholesky(mixture.covs))  # [K, D, D]
    diff = x[:, None, :] - mixture.means[None]  # [N, K, D]
    return np.linalg.norm(np.einsum("kij,nkj->nki", inv_chol, diff), axis=-1)


def mixture_metrics(samples, mixture: Mixture, threshold: float = HQ_THRESHOLD) -> dict:
    """Modes captured, HQ fraction, reverse KL and JSD of the HQ histogram for one sample set.

    ``kl`` and ``jsd`` are ``None`` when no sample is high quality (the histogram is undefined).
    """
    samples = np.asarray(samples)
    if samples.ndim != 2 or samples.shape[1] != mixture.dim:
        raise ValueError(f"samples must have shape [N, {mixture.dim}] for {mixture.name}, got {samples.shape}")
    dist = std_distances(samples, mixture)
    nearest = dist.argmin(axis=1)
    hq = dist[np.arange(len(samples)), nearest] < threshold
    counts = np.bincount(nearest[hq], minlength=mixture.num_modes)
    weights = mixture.probs
    cells = np.linalg.norm(samples[:, None, :] - mixture.means[None], axis=-1).argmin(axis=1)
    canonical = np.bincount(cells, minlength=mixture.num_modes)
    result = {
        "n": len(samples),
        "modes": int((counts > 0).sum()),
        "num_modes": mixture.num_modes,
        "hq_fraction": float(hq.mean()) if len(samples) else 0.0,
        "kl": None, "jsd": None,
        "jsd_canonical": float(jensenshannon(canonical / canonical.sum(), weights) ** 2) if len(samples) else None,
        "counts": counts.tolist(),
    }
    if counts.sum():
        p = counts / counts.sum()
        result["kl"] = float(entropy(p, weights))  # scipy: Σ p log(p/w), natural log, 0 log 0 = 0
        result["jsd"] = float(jensenshannon(p, weights) ** 2)  # scipy returns the JS *distance*
    return result


def summarize(runs: list[dict]) -> dict:
    """Mean and std over runs of every scalar metric (``None`` values are skipped)."""
    out = {}
    for key in runs[0]:
        values = [r[key] for r in runs if isinstance(r.get(key), (int, float)) and r[key] is not None]
        if values and not isinstance(runs[0][key], list):
            out[key] = {"mean": float(np.mean(values)), "std": float(np.std(values)), "runs": len(values)}
    return out


def evaluate_mixture(sample_fn, mixture: Mixture, n: int = MIXTURE_SAMPLES, seeds=tuple(range(MIXTURE_RUNS)),
                     emd_samples: int | None = None, with_emd: bool = True) -> dict:
    """Metrics of ``sample_fn(n, seed)`` over several sampling seeds, with the EMD and its real floor.

    For each seed: ``n`` generated points, ``n`` fresh data points (seed offset 10_000) for the EMD,
    and a second independent data sample (offset 20_000) for the floor EMD(real, real) (``with_emd``).
    """
    m = emd_samples or n
    runs = []
    for seed in seeds:
        fake = np.asarray(sample_fn(n, seed))
        run = mixture_metrics(fake, mixture)
        if with_emd:
            real_a = mixture.sample(m, seed=10_000 + seed)
            real_b = mixture.sample(m, seed=20_000 + seed)
            run["emd"] = emd(fake[:m], real_a)
            run["emd_floor"] = emd(real_b, real_a)
        runs.append(run)
    return {"dataset": mixture.name, "n": n, "seeds": list(seeds), "summary": summarize(runs), "runs": runs}
