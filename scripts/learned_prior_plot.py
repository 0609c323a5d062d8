"""Goerttler & Kloft Fig. 3: the learned prior, i.e. the score s(z) = D(G(z)) over the 2-D z-plane.

    python -m scripts.learned_prior_plot --checkpoint weighted_prior_ring8 masked_prior_ring8 \
        --out results/goerttler_learned_prior.png

For every checkpoint (a model with a 2-D uniform prior) two panels are drawn:

* top: s(z) = σ(D(G(z))) (centred, σ(f − f̄), for Wasserstein critics) on a 200×200 grid over
  U(-1, 1)², with the mask boundary of rate r (the (1 − r) quantile of s under p_z, Def. 1) as a contour;
* bottom: the z-plane coloured by the mode that G(z) lands in (high-quality samples only, within 3 std;
  grey otherwise).

The paper's claim is that the masked region splits into one island per mode. The script counts the
islands (connected components of the masked region, ``scipy.ndimage.label``, ignoring specks below
0.2 % of the plane) and the distinct modes reached from inside the mask, and prints/writes them.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from scripts.common import RESULTS, write_json

__all__ = ["prior_grid", "count_islands", "plot_learned_prior", "main"]


def prior_grid(model, size: int = 200):
    """Scores s(z) and mode labels of G(z) on a ``size``×``size`` grid over the prior's 2-D support."""
    from eval.mixture import std_distances
    from zoo import data
    from zoo.methods.goerttler_kloft import centered_scores, prior_scores

    if model.prior.kind != "uniform" or model.prior.dim != 2:
        raise ValueError("the learned-prior plot needs a 2-D uniform prior (Goerttler & Kloft 2019, Fig. 3)")
    axis = np.linspace(model.prior.low, model.prior.high, size, dtype=np.float32)
    zz = np.stack(np.meshgrid(axis, axis, indexing="xy"), -1).reshape(-1, 2)
    # Centred for Wasserstein critics (zoo.methods.goerttler_kloft): the grid is uniform on p_z's support,
    # so its mean critic value is the p_z mean the model centres on.
    scores = prior_scores(model, zz, "mean" if centered_scores(model) else None).numpy().reshape(size, size)
    x = model.generator.predict(zz, batch_size=8192, verbose=0)
    dist = std_distances(x, data.mixture(model.dataset))
    label = dist.argmin(1)
    label[dist.min(1) >= 3.0] = -1
    return axis, scores, label.reshape(size, size)


def count_islands(mask: np.ndarray, min_fraction: float = 0.002) -> int:
    """Connected components of a boolean mask (4-connectivity) larger than ``min_fraction`` of it."""
    from scipy import ndimage

    labels, n = ndimage.label(mask)
    sizes = np.bincount(labels.ravel())[1:]
    return int((sizes >= min_fraction * mask.size).sum())


def plot_learned_prior(models, titles, path, rate: float = 0.5) -> list[dict]:
    """Draw the Fig. 3 panels for ``models`` into ``path``; return islands/modes per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from eval.plots import save_figure

    fig, axes = plt.subplots(2, len(models), figsize=(5 * len(models), 8.5), squeeze=False,
                             layout="constrained")
    stats = []
    for col, (model, title) in enumerate(zip(models, titles)):
        axis, scores, label = prior_grid(model)
        # The grid is uniform over the prior's support, so its score quantile is p_z's (Def. 1).
        threshold = np.quantile(scores, 1.0 - rate)
        mask = scores > threshold
        modes_in_mask = sorted(set(label[mask & (label >= 0)].tolist()))
        stats.append({"model": title, "islands": count_islands(mask), "modes_from_mask": len(modes_in_mask),
                      "score_min": float(scores.min()), "score_max": float(scores.max())})
        ext = (axis[0], axis[-1], axis[0], axis[-1])
        ax = axes[0, col]
        im = ax.imshow(scores, origin="lower", extent=ext, cmap="viridis")
        ax.contour(axis, axis, mask.astype(float), levels=[0.5], colors="white", linewidths=1)
        ax.set(title=f"{title}\ns(z), mask r={rate}: {stats[-1]['islands']} islands", xlabel="z1", ylabel="z2")
        fig.colorbar(im, ax=ax, fraction=0.046)
        ax = axes[1, col]
        k = int(label.max()) + 1 if label.max() >= 0 else 1
        rgb = plt.get_cmap("tab10" if k <= 10 else "tab20")(np.where(label >= 0, label, 0) % 20)
        rgb[label < 0] = (0.85, 0.85, 0.85, 1.0)
        ax.imshow(rgb, origin="lower", extent=ext)
        ax.contour(axis, axis, mask.astype(float), levels=[0.5], colors="black", linewidths=1)
        ax.set(title=f"mode of G(z) (grey: not within 3σ)\n{len(modes_in_mask)} modes reached from the mask",
               xlabel="z1", ylabel="z2")
    save_figure(fig, path)
    return stats


def main(argv=None) -> int:
    """CLI: plot the learned prior of one or more checkpoints (zoo names or folders)."""
    p = argparse.ArgumentParser(prog="python -m scripts.learned_prior_plot", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines (hidden by default)")
    p.add_argument("--checkpoint", nargs="+", required=True, help="zoo names or checkpoint folders")
    p.add_argument("--rate", type=float, default=0.5, help="masking rate of the drawn mask boundary")
    p.add_argument("--out", default=str(RESULTS / "goerttler_learned_prior.png"),
                   help="PNG path; the islands/modes counts go beside it as .json")
    args = p.parse_args(argv)
    import zoo

    models = [zoo.load(c) for c in args.checkpoint]
    stats = plot_learned_prior(models, args.checkpoint, args.out, args.rate)
    write_json(str(args.out).rsplit(".", 1)[0] + ".json", stats)
    for s in stats:
        print(f"{s['model']}: {s['islands']} islands, {s['modes_from_mask']} modes reached from the mask")
    return 0


if __name__ == "__main__":
    sys.exit(main())
