"""LOGAN's toy figures (Sharma & Namboodiri 2018): discriminator contours (Fig. 3) and the 3-D (x, z)
view of a BiGAN with 1-D z (Fig. 4).

* ``fig3``: filled contours of D's **logit** ("pre-activation outputs", Fig. 3 caption) over the data
  plane, with real (orange) and generated (green) points. For a plain GAN the map is D(x); for a BiGAN
  it is D(x, E(x)), the plane the paper draws under Fig. 4. ``--train-dcgan`` first trains the paper's
  Fig. 3 models (the DCGAN-style toy GAN: 3×512 lrelu MLPs, 2-D z, vanilla without penalty, Wasserstein
  and lol1/lol2 with the WGAN-GP penalty, λ = 0.1: the entries ``logan_fig3_<loss>_<dataset>`` of
  ``zoo/methods/logan.py``) with ``scripts.common.train_run`` into ``--runs-dir``.
* ``fig4``: (x, E(x)) in orange and (G(z), z) in green in 3-D, over the contour of D(x, E(x)) drawn at
  the bottom of the box (the authors' ``visual_models.py`` plots the same three things).

    python -m scripts.logan_figures fig4 --checkpoints bigan_ring8 logan_bigan_ring8 \
        --out results/figures/logan_fig4_ring8.png
    python -m scripts.logan_figures fig3 --train-dcgan --dataset ring8 --steps 3000
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from scripts.common import REPO, train_run

FIG3_LOSSES = (("vanilla", "none"), ("wasserstein", "gp"), ("lol1", "gp"), ("lol2", "gp"))  # (loss, penalty)
FIG3_DATASETS = ("ring8", "grid25")  # the data sets with logan_fig3_* entries


def _load(name_or_path):
    import zoo

    return zoo.load(str(name_or_path))


def _title(model, label):
    return label or f"{model.loss_name}, {getattr(model, 'penalty_name', 'gp' if model.gp_weight else 'none')}"


def critic_map(model, extent, points: int = 128):
    """D's logits on a ``points × points`` grid over [-extent, extent]²; D(x, E(x)) for a BiGAN."""
    import tensorflow as tf

    axis = np.linspace(-extent, extent, points, dtype=np.float32)
    grid = tf.constant(np.stack(np.meshgrid(axis, axis, indexing="xy"), -1).reshape(-1, 2))
    if hasattr(model, "encoder"):
        logits = model.discriminator([grid, model.encoder(grid, training=False)], training=False)
    else:
        logits = model.discriminator(grid, training=False)
    return axis, np.asarray(logits).reshape(points, points)


def _extent(mixture):
    return float(np.abs(mixture.means).max()) * 1.3 + 0.3


def fig3(models, labels, path, n: int = 1000):
    """Paper Fig. 3: one panel per model, D's logit contours with real and generated points."""
    import matplotlib.pyplot as plt

    from eval.plots import save_figure
    from zoo import data

    fig, axes = plt.subplots(1, len(models), figsize=(4.8 * len(models), 4.2), squeeze=False,
                             layout="constrained")
    for ax, model, label in zip(axes[0], models, labels):
        mixture = data.mixture(model.dataset)
        axis, logits = critic_map(model, _extent(mixture))
        cs = ax.contourf(axis, axis, logits, 20, cmap="Blues")
        fig.colorbar(cs, ax=ax, fraction=0.046)
        real = mixture.sample(n, seed=1)
        fake = model.sample(n, seed=0)
        ax.scatter(real[:, 0], real[:, 1], s=2, c="orange", label="real")
        ax.scatter(fake[:, 0], fake[:, 1], s=2, c="green", label="G(z)")
        ax.set(aspect="equal", title=_title(model, label))
    axes[0][0].legend(loc="upper right", fontsize=7)
    return save_figure(fig, path)


def fig4(models, labels, path, n: int = 500):
    """Paper Fig. 4: (x, E(x)) orange and (G(z), z) green in (x1, x2, z) space over D(x, E(x))'s contours."""
    import matplotlib.pyplot as plt

    from eval.plots import save_figure
    from zoo import data

    fig = plt.figure(figsize=(5 * len(models), 5))
    for i, (model, label) in enumerate(zip(models, labels)):
        if model.prior.event_dim != 1:
            raise ValueError(f"Fig. 4 needs a BiGAN with 1-D z; {label or model.name} has z_dim "
                             f"{model.prior.event_dim}")
        mixture = data.mixture(model.dataset)
        x = mixture.sample(n, seed=1)
        code = model.encode(x)[:, 0]
        z = np.linspace(-1, 1, n, dtype=np.float32)[:, None]
        gen = model.generator(z, training=False).numpy()
        axis, logits = critic_map(model, _extent(mixture))
        bottom = min(-1.0, float(code.min())) - 0.5
        ax = fig.add_subplot(1, len(models), i + 1, projection="3d")
        ax.contourf(axis, axis, logits, 20, zdir="z", offset=bottom, cmap="Blues")
        ax.scatter(gen[:, 0], gen[:, 1], z[:, 0], c="green", s=3, label="(G(z), z)")
        ax.scatter(x[:, 0], x[:, 1], code, c="orange", s=3, label="(x, E(x))")
        ext = _extent(mixture)
        ax.set(xlim=(-ext, ext), ylim=(-ext, ext), zlim=(bottom, max(1.0, float(code.max())) + 0.2),
               xlabel="x1", ylabel="x2", zlabel="z", title=_title(model, label))
        ax.legend(loc="upper left", fontsize=7)
    return save_figure(fig, path)


def fig3_config(loss, dataset, steps, seed) -> dict:
    """The Fig. 3 entry ``logan_fig3_<loss>_<dataset>`` with ``steps`` and ``seed``."""
    from zoo import configs

    return configs.resolve(f"logan_fig3_{loss}_{dataset}", overrides={"steps": steps, "seed": seed})


def train_fig3_models(dataset, steps, seed, runs_dir) -> list:
    """Train the Fig. 3 toy GANs (paper Sec. 4.1 / supplementary §1.1) unless finished; return the models."""
    models = []
    for loss, penalty in FIG3_LOSSES:
        config = fig3_config(loss, dataset, steps, seed)
        models.append(train_run(config, Path(runs_dir) / f"fig3_{dataset}_{loss}_{penalty}_s{seed}"))
    return models


def main(argv=None) -> int:
    """Entry point."""
    p = argparse.ArgumentParser(prog="python -m scripts.logan_figures", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines (hidden by default)")
    p.add_argument("figure", choices=["fig3", "fig4"])
    p.add_argument("--checkpoints", nargs="*", default=[], help="zoo names or checkpoint folders, one panel each")
    p.add_argument("--labels", nargs="*", help="panel titles (default: loss and penalty)")
    p.add_argument("--train-dcgan", action="store_true", help="fig3: train the paper's toy GANs first")
    p.add_argument("--dataset", default="ring8", help="data set of --train-dcgan (ring8 or grid25) and of the "
                   "default file name")
    p.add_argument("--steps", type=int, default=3000, help="fig3 --train-dcgan: generator steps")
    p.add_argument("--seed", type=int, default=0, help="fig3 --train-dcgan: training seed")
    p.add_argument("--runs-dir", default=str(REPO / "runs" / "logan_figures"), help="trained models (reused)")
    p.add_argument("--out", help="PNG path (default results/figures/logan_<figure>_<dataset>.png)")
    args = p.parse_args(argv)
    if not args.checkpoints and not args.train_dcgan:
        p.error("give --checkpoints (or --train-dcgan for fig3)")
    if args.train_dcgan and args.dataset not in FIG3_DATASETS:
        p.error(f"--train-dcgan needs --dataset {' or '.join(FIG3_DATASETS)}, got {args.dataset!r}")
    models = [_load(c) for c in args.checkpoints]
    if args.train_dcgan:
        models += train_fig3_models(args.dataset, args.steps, args.seed, args.runs_dir)
    labels = args.labels or [None] * len(models)
    out = Path(args.out or REPO / "results" / "figures" / f"logan_{args.figure}_{args.dataset}.png")
    (fig3 if args.figure == "fig3" else fig4)(models, labels, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
