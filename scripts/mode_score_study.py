"""Che et al. (2017, arXiv:1612.02136) Fig. 3: MODE scores of GAN and regularized GAN over random settings.

The paper trains GANs and regularized GANs on MNIST under many random hyperparameter settings and shows
the distribution of their MODE scores: the regularized models are better and far less often collapsed.
This script does the same at CPU scale for three methods, DCGAN (``dcgan``), the regularized GAN
(``mrgan``) and MDGAN (``mdgan``): ``--settings`` random settings, each shared by the three methods (a
paired comparison), each model trained for ``--steps`` steps with ``scripts.common.train_run`` into
``--runs-dir`` (finished runs are reused). A setting draws

* Adam learning rate log-uniform in [5e-5, 1e-3], β1 ∈ {0.5, 0.9}, batch ∈ {32, 64};
* DCGAN base channels ∈ {8, 16}, prior U(-1, 1)^d with d ∈ {16, 32, 64};
* λ1, λ2 of the regularized GAN and λ of MDGAN log-uniform in [0.01, 1], [0.01, 1] and [0.1, 3].

Each model is scored by the MODE score (``eval.scores.mode_score``, docs/evaluation.md#mode-score) of
``--samples`` samples with the zoo's MNIST classifier. Writes ``<out>/mode_score_study.{json,md,png}``
(default ``results/``): one histogram per method.

    python -m scripts.mode_score_study --settings 12 --steps 1000
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from scripts.common import REPO, RESULTS, mean_std, report_head, train_run, write_json, write_report

METHODS = {"dcgan": "DCGAN", "mrgan": "Regularized GAN", "mdgan": "MDGAN"}


def _log_uniform(rng, low, high) -> float:
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def draw_setting(index: int, seed: int = 0) -> dict:
    """Random hyperparameters of setting ``index`` (reproducible for ``seed``): shared config overrides
    and each method's own ``method_kwargs``."""
    rng = np.random.default_rng([seed, index])
    opt = {"name": "adam", "learning_rate": _log_uniform(rng, 5e-5, 1e-3), "beta_1": float(rng.choice([0.5, 0.9])),
           "beta_2": 0.999}
    shared = {"optimizer": opt, "batch_size": int(rng.choice([32, 64])), "base": int(rng.choice([8, 16])),
              "prior": {"kind": "uniform", "dim": int(rng.choice([16, 32, 64]))}}
    own = {"dcgan": {}, "mrgan": {"lambda1": _log_uniform(rng, 0.01, 1.0), "lambda2": _log_uniform(rng, 0.01, 1.0)},
           "mdgan": {"lambda1": _log_uniform(rng, 0.1, 3.0)}}
    return {"index": index, "shared": shared, "method_kwargs": own}


def mode_score_of(model, n: int, seed: int = 0) -> float:
    """MODE score of ``n`` samples of ``model`` with the zoo's MNIST classifier (docs/evaluation.md#mode-score)."""
    from eval.classifier import mnist_scorer
    from eval.reference import train_marginal
    from eval.scores import mode_score

    return mode_score(mnist_scorer().probs(model.sample(n, seed=seed)), train_marginal("mnist"))


def run_study(settings: int, steps: int, runs_dir, samples: int, seed: int = 0, methods=tuple(METHODS)) -> dict:
    """Train and score every (setting, method); returns ``{"settings": [...], "scores": {method: [...]}}``."""
    from zoo import configs

    rows, scores = [], {m: [] for m in methods}
    for i in range(settings):
        setting = draw_setting(i, seed)
        row = {**setting, "mode_score": {}}
        for method in methods:
            overrides = {**setting["shared"], "steps": steps, "steps_per_epoch": min(250, steps),
                         "steps_per_execution": min(25, steps), "seed": seed + i}
            if setting["method_kwargs"][method]:
                overrides["method_kwargs"] = setting["method_kwargs"][method]
            config = configs.resolve(method, "mnist", overrides)
            print(f"setting {i}: {method} ({steps} steps)", flush=True)
            model = train_run(config, Path(runs_dir) / f"{method}_s{i}", published=False)
            score = mode_score_of(model, samples, seed=0)
            row["mode_score"][method] = score
            scores[method].append(score)
        rows.append(row)
    return {"settings": rows, "scores": scores}


def plot(scores: dict, path) -> Path:
    """One histogram of MODE scores per method, on shared bins over [0, 10]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bins = np.linspace(0, 10, 21)
    fig, axes = plt.subplots(1, len(scores), figsize=(4 * len(scores), 3), sharey=True, squeeze=False)
    for ax, (method, values) in zip(axes[0], scores.items()):
        ax.hist(values, bins=bins, color="tab:blue", edgecolor="black")
        ax.set_title(f"{METHODS.get(method, method)} (n = {len(values)})")
        ax.set_xlabel("MODE score")
    axes[0][0].set_ylabel("settings")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv=None) -> int:
    """Run the study, write the JSON, markdown and figure; return 0."""
    p = argparse.ArgumentParser(prog="python -m scripts.mode_score_study", description=__doc__.splitlines()[0])
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines (hidden by default)")
    p.add_argument("--settings", type=int, default=12, help="random hyperparameter settings per method (default 12)")
    p.add_argument("--steps", type=int, default=1000, help="training steps per model (default 1000)")
    p.add_argument("--samples", type=int, default=10_000, help="samples scored per model (default 10,000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the settings and the training runs")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    p.add_argument("--runs-dir", default=str(REPO / "runs" / "mode_score_study"))
    p.add_argument("--out", default=str(RESULTS), help="folder of the result files (default results/)")
    args = p.parse_args(argv)
    if args.settings < 1 or args.steps < 1 or args.samples < 10:
        print("error: --settings and --steps must be positive, --samples at least 10", file=sys.stderr)
        return 2
    study = run_study(args.settings, args.steps, args.runs_dir, args.samples, args.seed, tuple(args.methods))
    study.update(steps=args.steps, samples=args.samples, seed=args.seed)
    out = Path(args.out)
    write_json(out / "mode_score_study.json", study)
    figure = plot(study["scores"], out / "mode_score_study.png")
    lines = report_head("MODE scores over random settings (Che et al. 2017, Fig. 3)", "scripts.mode_score_study",
                        argv)
    lines += [f"{args.settings} random settings × {len(args.methods)} methods, {args.steps} steps each, MODE score "
              f"of {args.samples} samples (real MNIST test digits: about 9.85).", "",
              "| method | settings | mean ± std | median | min | max | below 5 |", "|---|---|---|---|---|---|---|"]
    for method, values in study["scores"].items():
        s = mean_std(values)
        lines.append(f"| {METHODS[method]} | {s['runs']} | {s['mean']:.2f} ± {s['std']:.2f} | "
                     f"{float(np.median(values)):.2f} | {min(values):.2f} | {max(values):.2f} | "
                     f"{sum(v < 5 for v in values)} |")
    lines += ["", "| setting | " + " | ".join(METHODS[m] for m in args.methods) + " |",
              "|---" * (len(args.methods) + 1) + "|"]
    for row in study["settings"]:
        lines.append(f"| {row['index']} | " + " | ".join(f"{row['mode_score'][m]:.2f}" for m in args.methods) + " |")
    shown = figure.resolve().relative_to(REPO) if figure.resolve().is_relative_to(REPO) else figure
    return write_report(lines, "mode_score_study", figure=str(shown), results=out)


if __name__ == "__main__":
    sys.exit(main())
