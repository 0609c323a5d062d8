"""Pure metric functions (numpy/scipy) for generated samples; definitions in docs/evaluation.md.

Inputs are arrays already produced by a classifier (probabilities, labels, features); nothing here runs a
network. All logarithms are natural. Every function cites the paper and equation it implements.

* :func:`inception_score` — Salimans et al. 2016, arXiv:1606.03498, Sec. 4.
* :func:`mode_score` — Che et al. 2017 (MRGAN), arXiv:1612.02136 (docs/evaluation.md#mode-score).
* :func:`class_balance`, :func:`stacked_modes` — digit coverage / KL to uniform (VEEGAN, Srivastava et
  al. 2017, arXiv:1705.07761; PacGAN, Lin et al. 2018, arXiv:1712.04086; docs/evaluation.md#stacked-mnist).
* :func:`frechet_distance` — Heusel et al. 2017, arXiv:1706.08500, Eq. 6 (FID).
* :func:`kernel_inception_distance` — Bińkowski et al. 2018, arXiv:1801.01401, Eq. 4 / Sec. 3 (KID).
* :func:`precision_recall` — Kynkäänniemi et al. 2019, arXiv:1904.06991, Eqs. 1–3.
* :func:`density_coverage` — Naeem et al. 2020, arXiv:2002.09797, Eqs. 5 and 7.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np
from scipy import linalg
from scipy.special import rel_entr

from eval import distances

__all__ = [
    "class_balance", "class_marginal", "density_coverage", "frechet_distance", "gaussian_stats", "inception_score",
    "kernel_inception_distance", "kid_reference_terms", "kth_nn_radii", "mode_score", "prdc", "precision_recall",
    "stacked_codes", "stacked_modes"
]


def _as_probs(probs, name="probs") -> np.ndarray:
    p = np.asarray(probs, np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"{name} must be a non-empty [N, K] array, got shape {p.shape}")
    lowest = p.min()
    if lowest < -1e-6 or not np.allclose(p.sum(1), 1.0, atol=1e-3):
        raise ValueError(f"{name} rows must be probability vectors (softmax outputs, not logits)")
    # Softmax outputs are never negative: no clipped copy then (26,000 stacked-MNIST rows are 208 MB).
    return np.clip(p, 0.0, None) if lowest < 0 else p


# Rows of one KL block: the elementwise terms of [N, 1000] stacked-MNIST probabilities are summed block
# by block in one reused buffer instead of a fresh 208 MB array per call.
_KL_ROWS = 1024


def _kl_rows(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p_i ‖ q) for each row p_i, natural log, with 0·log 0 = 0 (``scipy.special.rel_entr``)."""
    if p.ndim < 2 or len(p) <= _KL_ROWS:
        return rel_entr(p, q).sum(axis=-1)
    out = np.empty(len(p))
    buf = np.empty((_KL_ROWS, *np.broadcast_shapes(p.shape[1:], np.shape(q)[-1:])))
    for s in range(0, len(p), _KL_ROWS):
        block = buf[:len(p[s:s + _KL_ROWS])]
        # The same terms and the same per-row sums as rel_entr(p, q).sum(-1), bit for bit.
        out[s:s + len(block)] = rel_entr(p[s:s + _KL_ROWS], q, out=block).sum(axis=-1)
    return out


def inception_score(probs, splits: int = 10) -> tuple[float, float]:
    """Inception score IS = exp(E_x KL(p(y|x) ‖ p(y))) (Salimans et al. 2016, Sec. 4).

    Follows the reference code (openai/improved-gan ``inception_score.py``; docs/evaluation.md#inception-score):
    the N rows are cut into ``splits`` contiguous parts, each with **its own** marginal p(y) (the mean of
    its rows); the score is exp of the mean row KL in each part, and the result is the mean ± std (numpy
    ``std``, ddof 0, as in the reference) over parts. Natural log, softmax probabilities.

    Args:
        probs: ``[N, K]`` class probabilities p(y|x).
        splits: number of parts (10 in the reference code; must be ≤ N).

    Returns:
        ``(mean, std)``. A one-hot table with every class equally often in each part gives K; identical
        rows give 1.
    """
    p = _as_probs(probs)
    if not 1 <= splits <= len(p):
        raise ValueError(f"splits must be in [1, N={len(p)}], got {splits}")
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        scores.append(np.exp(_kl_rows(part, marginal).mean()))
    return float(np.mean(scores)), float(np.std(scores))


def mode_score(probs, train_marginal) -> float:
    """MODE score exp(E_x KL(p(y|x) ‖ p*(y)) − KL(p*(y) ‖ p_train(y))) (Che et al. 2017, arXiv:1612.02136).

    p*(y) is the label marginal of the **generated** samples (mean of ``probs``) and p_train(y) the label
    distribution of the training data (docs/evaluation.md#mode-score; same form as xuqiantong
    ``metric.py: mode_score`` with the generated samples first). Natural log; no splits (one marginal
    over all N). The value depends on N, so report N and the real-data floor beside it.

    Args:
        probs: ``[N, K]`` class probabilities of the generated samples.
        train_marginal: ``[K]`` training label distribution (normalised here).

    Returns:
        The score (``0.0`` when p* puts mass on a class absent from the training data: KL = ∞).
    """
    p = _as_probs(probs)
    q = np.asarray(train_marginal, np.float64).ravel()
    if q.shape != (p.shape[1],) or np.any(q < 0) or q.sum() <= 0:
        raise ValueError(f"train_marginal must be a non-negative [K={p.shape[1]}] vector, got {q.shape}")
    q = q / q.sum()
    p_star = p.mean(axis=0)
    return float(np.exp(_kl_rows(p, p_star).mean() - _kl_rows(p_star, q)))


def class_marginal(labels, num_classes: int) -> np.ndarray:
    """Empirical label distribution ``[num_classes]`` of integer ``labels``."""
    counts = np.bincount(np.asarray(labels, np.int64).ravel(), minlength=num_classes)
    return counts / max(counts.sum(), 1)


def class_balance(labels, num_classes: int = 10) -> dict:
    """Class histogram, number of classes covered, and KL(p_gen ‖ uniform) over ``num_classes``.

    KL = Σ_{observed i} p_i ln(p_i · K) (natural log); 0 for a perfectly balanced set, ln K for one
    class. This is the stacked-MNIST KL of VEEGAN/PacGAN applied to any label set
    (docs/evaluation.md#stacked-mnist).

    Returns:
        ``{"histogram": [K] int list, "covered": int, "kl_to_uniform": float, "n": int}``.
    """
    y = np.asarray(labels, np.int64).ravel()
    if len(y) == 0:
        raise ValueError("labels is empty")
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(f"labels must lie in [0, {num_classes}), got range [{y.min()}, {y.max()}]")
    counts = np.bincount(y, minlength=num_classes)
    p = counts / counts.sum()
    kl = float(rel_entr(p, np.full(num_classes, 1.0 / num_classes)).sum())
    return {"histogram": counts.tolist(), "covered": int((counts > 0).sum()), "kl_to_uniform": kl,
            "n": len(y)}


def stacked_codes(digit_triples) -> np.ndarray:
    """Mode index d0·100 + d1·10 + d2 ∈ [0, 1000) of each ``[N, 3]`` digit triple."""
    t = np.asarray(digit_triples, np.int64)
    if t.ndim != 2 or t.shape[1] != 3:
        raise ValueError(f"digit triples must have shape [N, 3], got {t.shape}")
    if t.size and (t.min() < 0 or t.max() > 9):
        raise ValueError("digits must be in 0..9")
    return t @ np.array([100, 10, 1])


def stacked_modes(digit_triples) -> dict:
    """Stacked-MNIST mode count and KL (VEEGAN, arXiv:1705.07761; PacGAN, arXiv:1712.04086).

    A mode is a (d0, d1, d2) digit triple (1000 in all). ``modes`` = number of distinct triples among
    the N samples; ``kl`` = Σ_observed p_i ln(p_i / 0.001) = KL(p_gen ‖ U_1000), natural log (one mode
    -> ln 1000 ≈ 6.91; perfectly uniform -> 0). Report N beside it: even real data has KL > 0 at
    finite N (≈ 999 / (2N) for uniform sampling).

    Returns:
        ``{"modes": int, "kl": float, "n": int}``.
    """
    bal = class_balance(stacked_codes(digit_triples), 1000)
    return {"modes": bal["covered"], "kl": bal["kl_to_uniform"], "n": bal["n"]}


def _openblas_thread_setters() -> list:
    """``(set, get)`` ctypes function pairs of every OpenBLAS loaded in this process (numpy and scipy
    each bring their own), found through ``/proc/self/maps``; empty where that is not possible."""
    import ctypes

    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line})
    except OSError:
        return []
    found = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for suffix in ("64_", ""):
            for prefix in ("scipy_openblas", "openblas"):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    found.append((setter, getter))
                    break
            else:
                continue
            break
    return found


@contextlib.contextmanager
def _one_blas_thread():
    """Run the block with OpenBLAS on one thread (restored afterwards).

    ``scipy.linalg.sqrtm`` of a few-hundred-square matrix is a Schur decomposition of small,
    latency-bound LAPACK steps: with two OpenBLAS threads on a busy two-core machine the threads
    spin-wait on each other and a 384 × 384 root took 10 s instead of 0.1 s. One thread computes the
    same blocked algorithm; the large products elsewhere keep every thread.
    """
    pairs = _openblas_thread_setters()
    saved = [get() for _, get in pairs]
    try:
        for set_threads, _ in pairs:
            set_threads(1)
        yield
    finally:
        for (set_threads, _), n in zip(pairs, saved):
            set_threads(n)


def _as_features(x, name) -> np.ndarray:
    f = np.asarray(x, np.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"{name} must be [N, D] with N ≥ 2, got shape {f.shape}")
    return f


def gaussian_stats(feats) -> dict:
    """``{"mean": [D], "cov": [D, D]}`` of a feature set, exactly as :func:`frechet_distance` fits them (a
    fixed reference set's are computed once and passed back as its ``stats_b``)."""
    f = _as_features(feats, "feats")
    return {"mean": f.mean(0), "cov": np.atleast_2d(np.cov(f, rowvar=False))}


def frechet_distance(feat_a, feat_b, eps: float = 1e-6, imag_tol: float = 1e-3, *, stats_b: dict | None = None) -> dict:
    """Fréchet distance of Gaussians fitted to two feature sets (FID; Heusel et al. 2017, arXiv:1706.08500).

    d² = ‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^{1/2}).

    The matrix square root is ``scipy.linalg.sqrtm``. When it is not finite or has a non-negligible
    imaginary part, or scipy reports the product singular (a collapsed generator gives a singular
    covariance; docs/evaluation.md#fid-and-feature-metrics), ε·I is added to both covariances, with
    ε = ``eps`` × the mean feature variance (scale-free), and the root recomputed; the real part is
    kept. The result says whether that was needed instead of returning NaN.

    ``stats_b`` (:func:`gaussian_stats` of ``feat_b``, e.g. of a cached reference set) skips refitting
    ``feat_b``; the result is bit for bit the same.

    Returns:
        ``{"fid": float, "eps_added": the ε used (0.0 if not needed), "max_imag_discarded": float}``.
    """
    a = _as_features(feat_a, "feat_a")
    fitted_a = gaussian_stats(a)
    fitted_b = gaussian_stats(feat_b) if stats_b is None else stats_b
    mu_a, cov_a = fitted_a["mean"], fitted_a["cov"]
    mu_b, cov_b = np.asarray(fitted_b["mean"]), np.asarray(fitted_b["cov"])
    if len(mu_a) != len(mu_b) or cov_b.shape != cov_a.shape:
        raise ValueError(f"feature dimensions differ: {len(mu_a)} vs {len(mu_b)}")

    scale = max(np.abs(np.trace(cov_a)), np.abs(np.trace(cov_b)), 1e-12)

    def root(s1, s2):
        """sqrtm(s1 s2) and whether it is unusable (singular warning, non-finite, or clearly complex)."""
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"), _one_blas_thread():
            warnings.simplefilter("always", linalg.LinAlgWarning)
            r = np.asarray(linalg.sqrtm(s1 @ s2))
        singular = any(issubclass(w.category, linalg.LinAlgWarning) for w in caught)
        complex_part = np.iscomplexobj(r) and np.abs(r.imag).max() > imag_tol * scale
        return r, singular or complex_part or not np.all(np.isfinite(r))

    covmean, bad = root(cov_a, cov_b)
    added = 0.0
    if bad:
        added = float(eps * scale / len(cov_a))  # eps relative to the mean variance, so it is scale-free
        offset = added * np.eye(len(cov_a))
        covmean, _ = root(cov_a + offset, cov_b + offset)
        if not np.all(np.isfinite(covmean)):
            raise FloatingPointError("FID: sqrtm is not finite even after adding eps·I; increase eps")
    max_imag = float(np.abs(covmean.imag).max()) if np.iscomplexobj(covmean) else 0.0
    covmean = covmean.real
    fid = float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(covmean))
    return {"fid": fid, "eps_added": added, "max_imag_discarded": max_imag}


def _cubic_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """k(x_i, y_j) = (x_iᵀy_j / d + 1)³ for all pairs: ``(x @ y.T / d + 1.0) ** 3`` computed in place (the
    same operations, so the same bits, without three more m × m temporaries per KID subset)."""
    k = x @ y.T
    k /= x.shape[1]
    k += 1.0
    return np.power(k, 3, out=k)


def _kernel_within(x: np.ndarray) -> float:
    """The within-set term of the unbiased MMD²: Σ_{i≠j} k(x_i, x_j) / (m(m−1)), k(x, y) = (xᵀy / d + 1)³."""
    m = len(x)
    k = _cubic_kernel(x, x)
    return (k.sum() - np.trace(k)) / (m * (m - 1))


def _polynomial_mmd2(x: np.ndarray, y: np.ndarray, within_y: float | None = None) -> float:
    """Unbiased MMD² with the cubic kernel k(x, y) = (xᵀy / d + 1)³ (Bińkowski et al. 2018, Eq. 4).

    ``within_y`` is y's within-set term when already known (:func:`kid_reference_terms`).
    """
    # Unbiased: drop the diagonal of K_xx and K_yy (U-statistic); the cross term uses all m² pairs.
    k_xy = _cubic_kernel(x, y)
    within_y = _kernel_within(y) if within_y is None else within_y
    return float(_kernel_within(x) + within_y - 2.0 * k_xy.mean())


def _kid_subsets(n_a: int, n_b: int, subsets: int, m: int, seed: int):
    """The (rows of a, rows of b) of each KID subset, in the order the seeded generator draws them."""
    rng = np.random.default_rng(seed)
    for _ in range(int(subsets)):
        yield rng.choice(n_a, m, replace=False), rng.choice(n_b, m, replace=False)


def kid_reference_terms(feat_b, n_a: int, subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> np.ndarray:
    """The within-set kernel terms of the reference ``feat_b`` for each KID subset that
    :func:`kernel_inception_distance` draws against a set of ``n_a`` points with the same arguments.

    They depend on the reference only, so an evaluation against a fixed reference computes them once
    (a third of KID's cost) and passes them back as ``reference_terms``; the result is bit for bit the same.
    """
    b = _as_features(feat_b, "feat_b")
    m = int(min(subset_size, n_a, len(b)))
    return np.array([_kernel_within(b[ib]) for _, ib in _kid_subsets(n_a, len(b), subsets, m, seed)])


def kernel_inception_distance(feat_a, feat_b, subsets: int = 100, subset_size: int = 1000,
                              seed: int = 0, reference_terms=None) -> dict:
    """Kernel Inception Distance (Bińkowski et al. 2018, arXiv:1801.01401, Sec. 3 "KID").

    The unbiased MMD² estimate with the cubic polynomial kernel k(x, y) = (xᵀy/d + 1)³ is averaged over
    ``subsets`` random subsets of ``subset_size`` points drawn without replacement from each set (as in
    the authors' ``polynomial_mmd_averages``: 100 subsets of 1000). The size is capped at the smaller set.
    Unbiased, so it can be slightly negative for matching distributions. ``reference_terms`` (from
    :func:`kid_reference_terms` with the same arguments) skips recomputing ``feat_b``'s within-set terms.

    Returns:
        ``{"kid": mean, "kid_std": std over subsets, "subsets": int, "subset_size": int}``.
    """
    a, b = _as_features(feat_a, "feat_a"), _as_features(feat_b, "feat_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature dimensions differ: {a.shape[1]} vs {b.shape[1]}")
    m = int(min(subset_size, len(a), len(b)))
    if reference_terms is not None and len(reference_terms) != int(subsets):
        raise ValueError(f"reference_terms has {len(reference_terms)} entries for {subsets} subsets")
    values = [_polynomial_mmd2(a[ia], b[ib], None if reference_terms is None else float(reference_terms[i]))
              for i, (ia, ib) in enumerate(_kid_subsets(len(a), len(b), subsets, m, seed))]
    return {"kid": float(np.mean(values)), "kid_std": float(np.std(values)), "subsets": int(subsets),
            "subset_size": m}


def kth_nn_radii(x, k) -> np.ndarray | dict:
    """Distance from each row of ``x`` to its k-th nearest *other* row (the k-NN ball radius).

    The self-distance (0) is the smallest entry of each row, so the k-th neighbour is at sorted index k.
    ``k`` may be an int (returns ``[N]``) or a sequence of ints (returns ``{k: [N]}`` from one pass over
    the distances, which is what dominates the cost).

    Distances are ‖a − b‖ with the squared distance Σ (a_k − b_k)² in float64 (:mod:`eval.distances`,
    which finds the neighbours of large sets with a float32 screening and recomputes every candidate
    exactly: the radii are those of the full float64 distance matrix, bit for bit).
    """
    return distances.kth_nn_radii(_as_features(x, "x"), k)


def prdc(real_feats, fake_feats, k_pr: int = 3, k_dc: int = 5, real_radii: dict | None = None) -> dict:
    """Precision, recall (Kynkäänniemi et al. 2019) and density, coverage (Naeem et al. 2020) in one pass.

    Kynkäänniemi et al. 2019, arXiv:1904.06991; Naeem et al. 2020, arXiv:2002.09797.

    Definitions (balls are closed, ‖p − c‖ ≤ r; the radius of a point is the distance to its k-th
    nearest neighbour within its own set):

    * precision = fraction of fake points inside ∪ real balls (k = ``k_pr``; Kynkäänniemi Eqs. 1–2);
    * recall    = fraction of real points inside ∪ fake balls (k = ``k_pr``; Eq. 3);
    * density   = 1/(k M) Σ_j Σ_i 1[Y_j ∈ B(X_i, NND_k(X_i))], k = ``k_dc`` (Naeem Eq. 5; can exceed 1);
    * coverage  = 1/N Σ_i 1[∃ j: Y_j ∈ B(X_i, NND_k(X_i))] (Naeem Eq. 7),

    with X the N real and Y the M fake features. Closed balls follow Kynkäänniemi's reference code (the
    ``prdc`` package uses strict ``<``; they differ only on exact ties): a point is inside when its
    squared distance (Σ (a_k − b_k)² in float64) is ≤ the float64 square of the radius. All four come
    from one pass over the fake×real distances plus one pass per set for the radii
    (:func:`eval.distances.ball_memberships`: float32 screening, the undecided pairs recomputed
    exactly, so every count is that of the full float64 computation); ``real_radii`` (from
    :func:`kth_nn_radii` with ``[k_pr, k_dc]``) can be passed to reuse a fixed reference set.

    Returns:
        ``{"precision", "recall", "density", "coverage", "k_pr", "k_dc"}``.
    """
    real, fake = _as_features(real_feats, "real_feats"), _as_features(fake_feats, "fake_feats")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"feature dimensions differ: {real.shape[1]} vs {fake.shape[1]}")
    r_real = real_radii if real_radii is not None else kth_nn_radii(real, [k_pr, k_dc])
    r_fake = kth_nn_radii(fake, k_pr)
    balls = distances.ball_memberships(real, fake, np.asarray(r_real[k_pr]) ** 2, np.asarray(r_real[k_dc]) ** 2,
                                       np.asarray(r_fake) ** 2)
    return {"precision": float(balls["fake_in_real_a"].mean()), "recall": float(balls["real_in_fake"].mean()),
            "density": float(balls["count_in_real_b"] / (k_dc * len(fake))),
            "coverage": float(balls["real_b_hit"].mean()), "k_pr": int(k_pr), "k_dc": int(k_dc)}


def precision_recall(real_feats, fake_feats, k: int = 3) -> dict:
    """Improved precision and recall (Kynkäänniemi et al. 2019, Eqs. 1–3); see :func:`prdc`.

    Each set's manifold is the union of closed balls around its points with radius = distance to the
    k-th nearest neighbour in the same set (k = 3 in the paper). Precision = fraction of fake points
    inside the real manifold; recall = fraction of real points inside the fake manifold.

    Returns:
        ``{"precision": float, "recall": float, "k": int}``.
    """
    r = prdc(real_feats, fake_feats, k_pr=k, k_dc=k)
    return {"precision": r["precision"], "recall": r["recall"], "k": int(k)}


def density_coverage(real_feats, fake_feats, k: int = 5) -> dict:
    """Density and coverage (Naeem et al. 2020, Eqs. 5 and 7) over real k-NN balls (k = 5 in the paper).

    density = 1/(kM) Σ_j Σ_i 1[Y_j ∈ B(X_i, NND_k(X_i))] (can exceed 1);
    coverage = 1/N Σ_i 1[∃ j: Y_j ∈ B(X_i, NND_k(X_i))]; see :func:`prdc`.

    Returns:
        ``{"density": float, "coverage": float, "k": int}``.
    """
    r = prdc(real_feats, fake_feats, k_pr=k, k_dc=k)
    return {"density": r["density"], "coverage": r["coverage"], "k": int(k)}
