"""Lopez-Paz & Oquab Fig. 1: the 2×2 ablation of covering initialization × multimodal noise.

    python -m scripts.lopez_paz_fig1                          # 3 seeds, the multimodal_covering_ring8 entry
    python -m scripts.lopez_paz_fig1 --seeds 0 1 2 3 4 --steps 4000

Four GANs per seed on the 8-Gaussian ring, identical except for the two factors:

| init \\ noise | unimodal z = a            | multimodal z = [a, one-hot b], c = 8 |
|---|---|---|
| normal        | plain GAN                  | multimodal noise only                |
| covering      | covering init only         | the paper's method (Fig. 1e)         |

Everything else is the ``multimodal_covering_ring8`` zoo entry (paper Sec. 4: G and D with two hidden
layers of 128 ReLU, Adam with default parameters, 10 D steps per G step; a ~ U(-1, 1)²). Metrics on
2,500 samples (docs/evaluation.md#modes-and-high-quality-samples): modes captured, % high-quality
samples (within 3σ), reverse KL of the HQ histogram, and the **fraction between modes**: samples
farther than ``--between`` standard deviations (default 10σ = 0.1 on the ring, a quarter of the way to
the midpoint between neighbouring modes) from every mode. The paper's claim is qualitative: the joint use
"places no mass between the modes" and is "robust with respect to all hyperparameters and random
initializations".

Writes ``results/lopez_paz_fig1.{json,md,png}`` (``--results-dir`` moves them; trained models go to
``runs/lopez_paz/``, ``--runs-dir``, and are reused); the figure shows the generator at initialization
(normal vs covering, Fig. 1a/b) and the four final sample clouds over D's score heatmap (Fig. 1c–e).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from scripts.common import REPO, RESULTS, fmt, mean_std, report_head, train_run, write_json, write_report

ENTRY = "multimodal_covering_ring8"  # the paper's method; the other three variants switch its two factors

VARIANTS = {  # name: (covering init, multimodal noise)
    "normal init, unimodal noise": (False, False),
    "covering init, unimodal noise": (True, False),
    "normal init, multimodal noise": (False, True),
    "covering init, multimodal noise": (True, True),
}


def between_fraction(samples, mixture, threshold: float = 10.0) -> float:
    """Fraction of samples farther than ``threshold`` mode standard deviations from every mode."""
    from eval.mixture import std_distances

    return float((std_distances(samples, mixture).min(1) > threshold).mean())


def variant_config(covering: bool, multimodal: bool, seed: int, steps=None) -> dict:
    """The :data:`ENTRY` config with the init and the noise switched; unimodal noise keeps the continuous
    part a (a plain ``gan`` with the entry's networks, optimizer and D steps)."""
    from zoo import configs

    base = configs.resolve(ENTRY)
    overrides = {"seed": seed, "method": base["method"] if multimodal else "gan",
                 "prior": base["prior"] if multimodal else {"kind": "uniform", "dim": base["prior"].get("dim", 2)},
                 "covering_init": (base["covering_init"] or True) if covering else False}
    if steps:
        overrides["steps"] = steps
    if not (covering and multimodal):  # the paper's method keeps the entry's name: seed 0 reuses its checkpoint
        overrides["name"] = f"lopez_paz_{'cov' if covering else 'normal'}_{'multi' if multimodal else 'uni'}"
    return configs.resolve(ENTRY, overrides=overrides)


def plot(init_clouds, finals, mixture, path):
    """Fig. 1: initial clouds (normal, covering) and the four final clouds over D's score."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from eval.plots import save_figure

    fig, axes = plt.subplots(2, 4, figsize=(16, 8.4))
    lim = 1.6
    grid = np.linspace(-lim, lim, 150, dtype=np.float32)
    xy = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    real = mixture.sample(1000, seed=123)
    panels = [(axes[0, i], name, x, None) for i, (name, x) in enumerate(init_clouds.items())]
    panels += [(axes[1, i], name, x, model) for i, (name, (x, model)) in enumerate(finals.items())]
    for ax in axes[0, len(init_clouds):]:
        ax.axis("off")
    for ax, name, x, model in panels:
        if model is not None:
            score = 1 / (1 + np.exp(-model.discriminator.predict(xy, batch_size=8192, verbose=0).reshape(150, 150)))
            ax.imshow(score, origin="lower", extent=(-lim, lim, -lim, lim), cmap="gray", vmin=0, vmax=1)
        ax.scatter(real[:, 0], real[:, 1], s=2, c="tab:blue", label="real")
        ax.scatter(x[:, 0], x[:, 1], s=2, c="tab:orange", alpha=0.5, label="fake")
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", title=name)
    axes[0, 0].legend(loc="upper right", fontsize=8)
    fig.suptitle("8-Gaussian ring: initialization (top) and converged GANs over D's score, black = fake (bottom)")
    return save_figure(fig, path)


def main(argv=None) -> int:
    """Train the four variants for every seed, evaluate, write JSON/markdown/figure."""
    p = argparse.ArgumentParser(prog="python -m scripts.lopez_paz_fig1", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines (hidden by default)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--steps", type=int, help="generator steps (default: the multimodal_covering_ring8 entry's)")
    p.add_argument("--between", type=float, default=10.0, help="'between modes' threshold in mode stds")
    p.add_argument("--n-eval", type=int, default=2500)
    p.add_argument("--runs-dir", default=str(REPO / "runs" / "lopez_paz"), help="trained models (reused)")
    p.add_argument("--results-dir", default=str(RESULTS), help="where the result files go (default results/)")
    args = p.parse_args(argv)
    from eval.mixture import mixture_metrics
    from zoo import configs, data
    from zoo.methods import build_model
    from zoo.methods.lopez_paz_oquab import covering_init_from_config

    results_dir = Path(args.results_dir)
    mixture = data.mixture("ring8")
    base = configs.resolve(ENTRY)
    results = {name: [] for name in VARIANTS}
    finals = {}
    for seed in args.seeds:
        for name, (covering, multimodal) in VARIANTS.items():
            config = variant_config(covering, multimodal, seed, args.steps)
            out = Path(args.runs_dir) / f"{config['name']}_{config['steps']}_s{seed}"
            model = train_run(config, out)
            x = model.sample(args.n_eval, seed=1000 + seed)
            m = mixture_metrics(x, mixture)
            results[name].append({"modes": m["modes"], "hq_fraction": m["hq_fraction"], "kl": m["kl"],
                                  "between_fraction": between_fraction(x, mixture, args.between)})
            print(f"seed {seed} {name}: {results[name][-1]}", flush=True)
            if seed == args.seeds[0]:
                finals[name] = (x, model)
    # Fig. 1a/b: the same unimodal generator before and after covering initialization.
    config = variant_config(True, False, args.seeds[0], args.steps)
    import keras

    keras.utils.set_random_seed(args.seeds[0])
    init_model = build_model(config)
    init_clouds = {"(a) normal initialization": init_model.sample(args.n_eval, seed=0)}
    cover = covering_init_from_config(init_model, config)
    init_clouds["(b) covering initialization"] = init_model.sample(args.n_eval, seed=0)
    plot(init_clouds, finals, mixture, results_dir / "lopez_paz_fig1.png")

    summary = {name: {k: mean_std([r[k] for r in rows]) for k in rows[0]} for name, rows in results.items()}
    steps = args.steps or base["steps"]
    write_json(results_dir / "lopez_paz_fig1.json", {"config": base, "steps": steps, "seeds": args.seeds,
                                                     "between_threshold_std": args.between, "summary": summary,
                                                     "runs": results, "covering_init_example": cover})
    lines = report_head("Lopez-Paz & Oquab Fig. 1 ablation on the 8-Gaussian ring", "scripts.lopez_paz_fig1",
                        argv) + [
             f"{steps} generator steps × {base['d_steps']} D steps, batch {base['batch_size']}, "
             f"optimizer `{base['optimizer']}`, loss `{base['loss']}`; seeds {args.seeds}; "
             f"{args.n_eval} samples per model; 'between modes' = farther than {args.between:g}σ from every mode. "
             f"Covering init (seed {args.seeds[0]}): loss {cover['initial_loss']:.4g} → {cover['final_loss']:.4g} in "
             f"{cover['steps']} steps ({cover['stopped']}).", "",
             "| init | noise | modes /8 | HQ % | reverse KL | between modes % |", "|---|---|---|---|---|---|"]
    for name, s in summary.items():
        init, noise = name.split(", ")
        lines.append(f"| {init} | {noise} | {fmt(s['modes'], 1)} | {fmt(s['hq_fraction'], 1, 100)} | "
                     f"{fmt(s['kl'], 3)} | {fmt(s['between_fraction'], 2, 100)} |")
    return write_report(lines, "lopez_paz_fig1", "lopez_paz_fig1.png", results_dir)


if __name__ == "__main__":
    sys.exit(main())
