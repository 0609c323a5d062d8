"""Exact k-nearest-neighbour radii and ball memberships of large feature sets (docs/evaluation.md#speed).

Precision/recall (Kynkäänniemi et al. 2019, arXiv:1904.06991) and density/coverage (Naeem et al. 2020,
arXiv:2002.09797) compare every generated feature vector with every real one: at the protocol's
N = 26,000 stacked-MNIST samples that is 2 × 676 million squared distances in 384 dimensions.

**What is computed.** The squared distance of two feature vectors is defined as

    d(a, b) = Σ_k (a_k − b_k)²   in float64,

summed by numpy over the feature axis (:func:`sq_dist_pairs`; :func:`sq_dist_matrix` gives the same
bits for a whole matrix). The k-NN radius of a point is √ of the k-th smallest d to the other points of
its set; a point lies in a closed ball when d ≤ r² (r² the float64 square of the radius). Every radius
and every count below is exactly what evaluating d for **all** pairs gives.

**How it is computed fast.** All pairs are first screened in float32 with TensorFlow: one matrix
product per block of rows, d₃₂ = ‖a‖² + ‖b‖² − 2 aᵀb (several times faster than float64 on CPU, and
the comparisons run in the same traced graph on every core). A float32 value can be off, but by a
bounded amount: with u = 2⁻²⁴ and D features, |d₃₂ − d| ≤ (D + 7) u (‖a‖² + ‖b‖²) for any summation
order of the product (the standard γ_D bound of a dot product, the float32 rounding of the inputs and
norms and the two additions; inputs are first scaled by a power of two, which is exact, so nothing
overflows and float32 underflow costs at most an absolute (D + 2) 2⁻¹²²). :func:`error_bound` uses
twice that. A comparison of d₃₂ with a threshold t that is decided by more than the bound is the
comparison of d with t; the few pairs within the bound of a threshold (a handful among hundreds of
millions) are recomputed with :func:`sq_dist_pairs` and decided exactly.

For the k-NN radius of a point, the float32 row is cut into chunks of 16 columns; the (k+1)-th
smallest chunk minimum w is an upper bound of the (k+1)-th smallest float32 distance (k+1 chunks each
hold a value ≤ w), so every point whose exact d can be among the k+1 smallest has d₃₂ ≤ w + 2·bound.
Those candidates (typically k+1 to 2k+2 of them, read from the few chunks with the smallest minima)
are recomputed exactly and sorted; a row whose candidates could lie in more chunks than were read is
recomputed whole. Small problems skip the screening and compute every d directly.
"""
from __future__ import annotations

import numpy as np

__all__ = ["ball_memberships", "error_bound", "kth_nn_radii", "sq_dist_matrix", "sq_dist_pairs"]

# Pairs (n·m) below which every d is computed directly in float64 (no TensorFlow, no screening).
_DIRECT_PAIRS = 1 << 21
# float64 entries of one [rows, cols, D] difference block of the direct computation (64 MB).
_DIRECT_ENTRIES = 1 << 23
_ROWS = 512       # rows of one screened block: [512, N] float32 is 53 MB at N = 26,000
_CHUNK = 16       # columns per chunk of the k-NN screening
_EXTRA_CHUNKS = 6  # chunks read beyond the k+1 with the smallest minima
_PAIRS_AT_ONCE = 1 << 14  # pairs per exact recomputation (a [pairs, D] float64 temporary)
_U32 = 2.0 ** -24


# ------------------------------------------------------------------------------------ exact values
def sq_dist_pairs(a, b) -> np.ndarray:
    """d(a_i, b_i) = Σ_k (a_ik − b_ik)² in float64 for paired rows of ``a`` and ``b`` ([P, D] each).

    This is the definition every radius and count of this module reproduces: the difference, its
    square, and numpy's sum over the contiguous feature axis (pairwise summation, whose order depends
    only on D), so a pair gets the same bits however many other pairs are computed with it.
    """
    diff = np.subtract(np.asarray(a, np.float64), np.asarray(b, np.float64))
    np.multiply(diff, diff, out=diff)
    return diff.sum(axis=-1)


def sq_dist_matrix(x, y) -> np.ndarray:
    """``[len(x), len(y)]`` matrix of :func:`sq_dist_pairs` values (the same bits), in bounded blocks.

    Costs N·M·D float64 operations without a matrix product: the reference computation, used for
    small sets and to check the screened one.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    out = np.empty((len(x), len(y)))
    d = max(x.shape[1], 1)
    cols = max(1, min(len(y), _DIRECT_ENTRIES // d))
    rows = max(1, _DIRECT_ENTRIES // (cols * d))
    for i in range(0, len(x), rows):
        for j in range(0, len(y), cols):
            diff = x[i:i + rows, None, :] - y[None, j:j + cols, :]  # [rows, cols, D], D contiguous
            np.multiply(diff, diff, out=diff)
            out[i:i + rows, j:j + cols] = diff.sum(axis=-1)
    return out


def _pairs_exact(x, y, rows, cols) -> np.ndarray:
    """:func:`sq_dist_pairs` of ``x[rows]`` and ``y[cols]``, in bounded pieces."""
    out = np.empty(len(rows))
    for s in range(0, len(rows), _PAIRS_AT_ONCE):
        out[s:s + _PAIRS_AT_ONCE] = sq_dist_pairs(x[rows[s:s + _PAIRS_AT_ONCE]], y[cols[s:s + _PAIRS_AT_ONCE]])
    return out


# ------------------------------------------------------------------------------- float32 screening
def error_bound(dim: int, norms_a, norms_b) -> np.ndarray:
    """A bound on |d₃₂ − d| for squared norms (of the power-of-two-scaled vectors) ``norms_a`` and
    ``norms_b`` (broadcast): 2 (D + 8) u (‖a‖² + ‖b‖²) plus (D + 2) 2⁻¹²² for float32 underflow (values
    below 2⁻¹²⁶ may be flushed to zero). The factor 2 over the derivation in the module docstring covers
    the higher-order terms, the float64 rounding of d itself (≤ (D + 2) 2⁻⁵³ d) and of the widened
    thresholds with room to spare."""
    return 2.0 * (dim + 8) * _U32 * (np.asarray(norms_a) + np.asarray(norms_b)) + (dim + 2) * 2.0 ** -122


def _round_down32(v) -> np.ndarray:
    """The largest float32 ≤ each float64 of ``v`` (so ``x ≤ result`` in float32 implies ``x ≤ v``)."""
    v = np.asarray(v, np.float64)
    r = v.astype(np.float32)
    over = r.astype(np.float64) > v
    r[over] = np.nextafter(r[over], np.float32(-np.inf))
    return r


def _round_up32(v) -> np.ndarray:
    """The smallest float32 ≥ each float64 of ``v``."""
    v = np.asarray(v, np.float64)
    r = v.astype(np.float32)
    under = r.astype(np.float64) < v
    r[under] = np.nextafter(r[under], np.float32(np.inf))
    return r


class _Scaled:
    """The feature sets as the screening sees them: only the features that are non-zero somewhere (a
    feature that is 0 in every vector adds exactly 0 to every d; 58 of the 384 ReLU features of
    stacked MNIST are), scaled by one power of two 2^-e (exact in float64) so that every |value| < 1;
    float32 copies, float64 squared norms, ``dim`` (the features kept) and the scale of d."""

    def __init__(self, *sets):
        live = np.zeros(sets[0].shape[1], bool)
        for s in sets:
            live |= np.any(s != 0, axis=0)
        self.dim = int(live.sum())
        sets = [s[:, live] if self.dim < len(live) else s for s in sets]
        peak = max(float(np.max(np.abs(s))) if s.size else 0.0 for s in sets)
        e = int(np.frexp(peak)[1]) if peak > 0 else 0  # peak < 2^e
        self.sq_scale = np.ldexp(1.0, -2 * e)  # d of the scaled vectors = d · 4^-e, exactly
        self.f32, self.norms = [], []
        for s in sets:
            scaled = np.ldexp(s, -e)
            self.f32.append(scaled.astype(np.float32))
            self.norms.append(np.einsum("ij,ij->i", scaled, scaled))


def _tf_functions():
    """The traced screening graphs (built once per process; TensorFlow imported only here)."""
    global _TF
    if _TF is None:
        import tensorflow as tf

        def dists(a, b, na, nb):
            # ‖a‖² + ‖b‖² − 2 aᵀb; the norms are float64 values rounded to float32 (in the bound).
            return (na[:, None] + nb[None, :]) - 2.0 * tf.matmul(a, b, transpose_b=True)

        def knn(a, b, na, nb, keep):
            d = dists(a, b, na, nb)  # [rows, cols]; cols is a multiple of _CHUNK (padding: +inf)
            chunks = tf.reshape(d, [tf.shape(d)[0], -1, _CHUNK])
            neg_min, idx = tf.math.top_k(-tf.reduce_min(chunks, axis=2), keep)
            return -neg_min, idx, tf.gather(chunks, idx, batch_dims=1)

        def balls(a, b, na, nb, lo_pr, hi_pr, lo_dc, hi_dc, lo_a, hi_a):
            d = dists(a, b, na, nb)  # a: fake rows, b: real columns
            in_pr, in_dc, in_a = d <= lo_pr[None, :], d <= lo_dc[None, :], d <= lo_a[:, None]
            # Undecided: inside the threshold + bound but not inside threshold - bound.
            amb = ((d <= hi_pr[None, :]) != in_pr) | ((d <= hi_dc[None, :]) != in_dc) | ((d <= hi_a[:, None]) != in_a)
            counted = tf.reduce_sum(tf.cast(in_dc & ~amb, tf.int32), axis=1)
            return (tf.reduce_any(in_pr, axis=1), tf.reduce_any(in_dc, axis=0), counted, tf.reduce_any(in_a, axis=0),
                    tf.reduce_any(amb, axis=1), amb)

        _TF = {"knn": _Graph(knn, tf), "balls": _Graph(balls, tf), "tf": tf}
    return _TF


_TF = None


class _Graph:
    """A screening function traced once: compiled by XLA, which fuses the comparisons and reductions into
    one pass over each block (1.4x faster than separate TensorFlow ops here; ~0.2 s to compile per
    shape), or as a plain graph where XLA is not available (the same values: XLA changes only the
    order of the three-term sum of d₃₂, which the error bound allows for)."""

    def __init__(self, fn, tf):
        # No autograph: plain tensor code (autograph would re-read the source at trace time).
        self._jit = tf.function(fn, autograph=False, jit_compile=True)
        self._plain = tf.function(fn, autograph=False)
        self._use_jit = True

    def __call__(self, *args):
        if self._use_jit:
            try:
                return self._jit(*args)
            except Exception:  # noqa: BLE001 - no XLA in this TensorFlow build: a real error recurs below
                self._use_jit = False
        return self._plain(*args)


def _row_blocks(n: int):
    for start in range(0, n, _ROWS):
        yield start, min(n, start + _ROWS)


def _pad_rows(a, rows, fill=0.0):
    """``a`` padded with ``fill`` to ``rows`` rows (every block has one shape: one traced graph)."""
    if len(a) == rows:
        return a
    pad = np.full((rows - len(a), *a.shape[1:]), fill, a.dtype)
    return np.concatenate([a, pad])


# ------------------------------------------------------------------------------------ k-NN radii
def _check_ks(n, k):
    ks = [int(k)] if np.isscalar(k) else sorted({int(v) for v in k})
    if not ks or ks[0] < 1 or ks[-1] >= n:
        raise ValueError(f"k must be in [1, N-1={n - 1}], got {k}")
    return ks


def kth_nn_radii(x, k) -> np.ndarray | dict:
    """Distance from each row of ``x`` to its k-th nearest *other* row: √ of the k-th smallest d.

    The row itself (d = 0) is the smallest entry, so the k-th neighbour is at sorted index k. ``k`` is an
    int (returns ``[N]``) or a sequence of ints (returns ``{k: [N]}`` from one pass).
    """
    x = np.asarray(x, np.float64)
    ks = _check_ks(len(x), k)
    if not np.all(np.isfinite(x)):
        raise ValueError("features must be finite")
    keep = ks[-1] + 1
    if len(x) * len(x) < _DIRECT_PAIRS:
        d = sq_dist_matrix(x, x)
        d.partition(keep - 1, axis=1)
        smallest = np.sort(d[:, :keep], axis=1)
    else:
        smallest = _smallest_screened(x, keep)
    radii = {kk: np.sqrt(smallest[:, kk]) for kk in ks}
    return radii[ks[0]] if np.isscalar(k) else radii


def _smallest_screened(x, keep: int) -> np.ndarray:
    """``[N, keep]``: each row's ``keep`` smallest exact d (itself included), sorted, via the screening."""
    fns = _tf_functions()
    tf = fns["tf"]
    n = len(x)
    sc = _Scaled(x)
    x32, norms, dim = sc.f32[0], sc.norms[0], sc.dim
    n_cols = -(-n // _CHUNK) * _CHUNK
    n_chunks = n_cols // _CHUNK
    read = min(n_chunks, keep + _EXTRA_CHUNKS)
    cols = tf.constant(_pad_rows(x32, n_cols))
    col_norms = tf.constant(_pad_rows(norms.astype(np.float32), n_cols, np.inf))  # padding: d = +inf
    bound = error_bound(dim, norms, norms.max())  # per row, valid for every column of the row
    rows_all, cols_all = [], []
    redo = []
    for start, stop in _row_blocks(n):
        a = tf.constant(_pad_rows(x32[start:stop], _ROWS))
        na = tf.constant(_pad_rows(norms[start:stop].astype(np.float32), _ROWS))
        mins, idx, members = (t.numpy() for t in fns["knn"](a, cols, na, col_norms, read))
        m = stop - start
        mins, idx, members = mins[:m], idx[:m], members[:m]
        # w: the keep-th smallest chunk minimum (an upper bound of the keep-th smallest float32 d);
        # candidates: float32 d ≤ w + 2·bound, read from the chunks whose minimum is that small.
        if read == n_chunks:  # a small set: every column was read, all of them are candidates
            limit, complete = np.full(m, np.inf), np.ones(m, bool)
        else:
            limit = mins[:, keep - 1].astype(np.float64) + 2.0 * bound[start:stop]
            complete = mins[:, -1].astype(np.float64) > limit
        redo.extend(start + np.flatnonzero(~complete))
        cand = (members.astype(np.float64) <= limit[:, None, None]) & complete[:, None, None]
        r, c_chunk, c_in = np.nonzero(cand)
        col = idx[r, c_chunk].astype(np.int64) * _CHUNK + c_in
        ok = col < n  # padding columns (+inf) are candidates only when every column is
        rows_all.append(start + r[ok])
        cols_all.append(col[ok])
    rows = np.concatenate(rows_all)
    cols_idx = np.concatenate(cols_all)
    exact = _pairs_exact(x, x, rows, cols_idx)
    smallest = np.full((n, keep), np.inf)
    # Per row, the keep smallest exact values among its candidates (rows are in ascending order).
    order = np.lexsort((exact, rows))
    rows_sorted, exact_sorted = rows[order], exact[order]
    first = np.searchsorted(rows_sorted, np.arange(n))
    rank = np.arange(len(rows_sorted)) - first[rows_sorted]
    take = rank < keep
    smallest[rows_sorted[take], rank[take]] = exact_sorted[take]
    for row in redo:  # rows whose candidates were not all read: computed whole (rare)
        d = sq_dist_pairs(np.broadcast_to(x[row], x.shape), x)
        smallest[row] = np.sort(np.partition(d, keep - 1)[:keep])
    if not np.all(np.isfinite(smallest)):
        raise AssertionError("k-NN screening found fewer candidates than neighbours")  # cannot happen
    return smallest


# ------------------------------------------------------------------------------ ball memberships
def ball_memberships(real, fake, sq_real_a, sq_real_b, sq_fake) -> dict:
    """Which points lie in which closed balls, exactly (d ≤ squared radius), for precision/recall and
    density/coverage.

    Args:
        real: ``[N, D]`` real features; fake: ``[M, D]`` generated features.
        sq_real_a, sq_real_b: ``[N]`` squared radii of two ball sets around the real points (k_pr, k_dc).
        sq_fake: ``[M]`` squared radii of the balls around the fake points.

    Returns:
        ``{"fake_in_real_a": [M] bool (fake j in some real ball a), "count_in_real_b": int (Σ_j number of
        real b-balls holding fake j), "real_b_hit": [N] bool (real b-ball i holds some fake),
        "real_in_fake": [N] bool (real i in some fake ball)}``.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if not (np.all(np.isfinite(real)) and np.all(np.isfinite(fake))):
        raise ValueError("features must be finite")
    t_a, t_b, t_f = (np.asarray(t, np.float64) for t in (sq_real_a, sq_real_b, sq_fake))
    if len(real) * len(fake) < _DIRECT_PAIRS:
        return _memberships_direct(real, fake, t_a, t_b, t_f)
    return _memberships_screened(real, fake, t_a, t_b, t_f)


def _memberships_direct(real, fake, t_a, t_b, t_f) -> dict:
    d = sq_dist_matrix(fake, real)  # d[j, i]
    in_b = d <= t_b[None, :]
    return {"fake_in_real_a": (d <= t_a[None, :]).any(1), "count_in_real_b": int(np.count_nonzero(in_b)),
            "real_b_hit": in_b.any(0), "real_in_fake": (d <= t_f[:, None]).any(0)}


def _memberships_screened(real, fake, t_a, t_b, t_f) -> dict:
    fns = _tf_functions()
    tf = fns["tf"]
    sc = _Scaled(real, fake)
    (r32, f32), (nr, nf), dim = sc.f32, sc.norms, sc.dim
    # Thresholds in scaled units (exact: a power of four), widened by the error bound of the pair. The
    # bound of pair (j, i) is at most that of (row norm, largest column norm) and of (largest row norm,
    # column norm), so one widened threshold per column / per row holds for every pair.
    col_bound = error_bound(dim, nr, nf.max())
    row_bound = error_bound(dim, nf, nr.max())

    def widen(t, bound):
        t = t * sc.sq_scale
        return _round_down32(t - bound), _round_up32(t + bound)

    lo_a, hi_a = widen(t_a, col_bound)
    lo_b, hi_b = widen(t_b, col_bound)
    lo_f, hi_f = widen(t_f, row_bound)
    # Padding rows of the last block: +inf norms and -inf thresholds, so they are in nothing.
    cols, n_cols = tf.constant(r32), tf.constant(nr.astype(np.float32))
    lo_a, hi_a, lo_b, hi_b = (tf.constant(v) for v in (lo_a, hi_a, lo_b, hi_b))
    m = len(fake)
    fake_in_a = np.zeros(m, bool)
    real_b_hit = np.zeros(len(real), bool)
    real_in_fake = np.zeros(len(real), bool)
    count = 0
    amb_rows, amb_cols = [], []
    for start, stop in _row_blocks(m):
        rows = stop - start
        out = fns["balls"](tf.constant(_pad_rows(f32[start:stop], _ROWS)), cols,
                           tf.constant(_pad_rows(nf[start:stop].astype(np.float32), _ROWS, np.inf)), n_cols,
                           lo_a, hi_a, lo_b, hi_b,
                           tf.constant(_pad_rows(lo_f[start:stop], _ROWS, -np.inf)),
                           tf.constant(_pad_rows(hi_f[start:stop], _ROWS, -np.inf)))
        row_a, col_b, counted, col_f, row_amb, amb = out
        fake_in_a[start:stop] = row_a.numpy()[:rows]
        real_b_hit |= col_b.numpy()
        real_in_fake |= col_f.numpy()
        count += int(counted.numpy()[:rows].sum())
        undecided = np.flatnonzero(row_amb.numpy()[:rows])
        if len(undecided):
            r, c = np.nonzero(tf.gather(amb, undecided).numpy())
            amb_rows.append(start + undecided[r])
            amb_cols.append(c)
    if amb_rows:  # the undecided pairs, decided on their exact d
        rows, cols_idx = np.concatenate(amb_rows), np.concatenate(amb_cols)
        d = _pairs_exact(fake, real, rows, cols_idx)
        fake_in_a[rows[d <= t_a[cols_idx]]] = True
        in_b = d <= t_b[cols_idx]
        count += int(np.count_nonzero(in_b))
        real_b_hit[cols_idx[in_b]] = True
        real_in_fake[cols_idx[d <= t_f[rows]]] = True
    return {"fake_in_real_a": fake_in_a, "count_in_real_b": count, "real_b_hit": real_b_hit,
            "real_in_fake": real_in_fake}
