"""Dual Importance Weight GAN, Table 1: five methods on four mixtures, over training seeds.

    python -m scripts.diw_table1 --seeds 0 1 2 3 4 [--steps 5000] [--methods gan unrolled_gan ...]
    python -m scripts.diw_table1 --steps 20000 --seeds 0 1 2 --methods diw_gan gan --datasets ring8 grid25 \\
        --results results/diw_budget     # the longer-budget check

Trains GAN, Unrolled GAN, VEEGAN, PacGAN and DIW-GAN on ring8, grid25, grid25_aniso and cube27 with
the paper's shared architecture (G: 3 FC layers of 128, D: 2 FC layers of 128, no batch norm; leaky
ReLU, our choice) and each method's own loss, optimizer and hyperparameters; one run per method, data
set and **training** seed. Each run is scored on 2,500 samples (sampling seed = training seed) with
modes, %HQS and the canonical-unit JSD (docs/evaluation.md#histogram-divergences). Writes
``results/diw_table1.{json,md}`` (mean ± std over training seeds, the paper's figures beside them) and
``results/diw_table1.png`` (one sample scatter per method × data set, training seed 0).

Each finished cell's scores (and, for the first seed, its samples) are kept in
``<results>/diw_table1_cells/<run>.json`` together with the run's config; a cell whose file matches its
config is not trained again, so the table resumes where it stopped, across sessions and machines
(the checkpoints themselves, under ``--runs-dir``, are not kept).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from scripts.common import (
    REPO,
    RESULTS,
    display_path,
    finished_run,
    fmt,
    mean_std,
    read_cell,
    report_head,
    train_run,
    write_json,
    write_report,
)

DATASETS = ("ring8", "grid25", "grid25_aniso", "cube27")
#: Generator steps per run by default: the budget of the published table (results/diw_table1.md), chosen so
#: that the 100 runs fit on a 2-core CPU in about two hours; the paper gives no step count.
#: ``--steps 20000 --results results/diw_budget`` is the longer-budget check (MODEL_CARDS.md).
STEPS = 5_000
METHODS = ("gan", "unrolled_gan", "veegan", "pacgan", "diw_gan")
# The comparison's one architecture for every method (Table 1 setup).
SHARED = {"g_hidden": [128, 128, 128], "d_hidden": [128, 128], "e_hidden": [128, 128, 128], "activation": "lrelu"}
# Paper's Table 1 (modes, %HQS, JSD); "—" where the paper has no row (GAN and PacGAN are not in it).
PAPER = {
    ("unrolled_gan", "ring8"): (8, 30.9, 0.254), ("veegan", "ring8"): (8, 60.4, 0.19),
    ("diw_gan", "ring8"): (8, 85.5, 0.172),
    ("unrolled_gan", "grid25"): (25, 14.4, 0.47), ("veegan", "grid25"): (24.1, 65.4, 0.21),
    ("diw_gan", "grid25"): (25, 82.5, 0.12),
    ("unrolled_gan", "grid25_aniso"): (24.4, 15.9, 0.38), ("veegan", "grid25_aniso"): (24.3, 63.7, 0.32),
    ("diw_gan", "grid25_aniso"): (25, 83.4, 0.15),
    ("unrolled_gan", "cube27"): (27, 85.0, 0.194), ("veegan", "cube27"): (26.6, 43.3, 0.31),
    ("diw_gan", "cube27"): (27, 80.0, 0.125),
}


def run_config(method: str, dataset: str, seed: int, steps: int) -> dict:
    """The config of one cell: the method's defaults on the shared architecture."""
    from zoo import configs

    over = {**SHARED, "seed": seed, "steps": steps, "name": f"diw_table1_{method}_{dataset}_s{seed}"}
    return configs.resolve(method, dataset, over)


def evaluate(model, dataset: str, seed: int) -> dict:
    """Modes, HQ fraction and canonical JSD of 2,500 samples, plus the samples for the figure."""
    from eval.mixture import mixture_metrics
    from zoo import data

    x = model.sample(2500, seed=seed)
    m = mixture_metrics(x, data.mixture(dataset))
    return {"modes": m["modes"], "hq": 100 * m["hq_fraction"], "jsd": m["jsd_canonical"], "samples": x}


def read_scores(path: Path, config: dict) -> dict | None:
    """A finished cell's scores (samples as an array, or None) when ``path`` was written for ``config``."""
    cell = read_cell(path, config)
    if cell is None:
        return None
    samples = None if cell.get("samples") is None else np.asarray(cell["samples"], np.float32)
    return {"modes": cell["modes"], "hq": cell["hq"], "jsd": cell["jsd"], "samples": samples,
            "curve": cell.get("curve")}


def _run_curve(folder: Path, config: dict) -> dict | None:
    """The training curve (``curve.json``) of the finished run in ``folder`` when it was trained with ``config``."""
    from eval.curve import read_curve

    return None if finished_run(config, folder, published=False) is None else read_curve(folder)


def study_parser(doc: str, seeds, steps: int, runs_dir: str, results_help: str) -> argparse.ArgumentParser:
    """The options every cell study of this family shares (seeds, steps, folders, ``--report-only``)."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines (hidden by default)")
    p.add_argument("--seeds", type=int, nargs="+", default=list(seeds), help="training seeds")
    p.add_argument("--steps", type=int, default=steps, help=f"generator steps per run (default {steps:,})")
    p.add_argument("--runs-dir", default=str(REPO / "runs" / runs_dir), help="where runs are trained")
    p.add_argument("--results", default=str(RESULTS), help=results_help)
    p.add_argument("--report-only", action="store_true",
                   help="train nothing: tabulate the finished cells ('not run' where none is)")
    return p


def cell_scores(config: dict, dataset: str, seed: int, args, cells: str, keep_samples: bool) -> dict | None:
    """One cell's scores: read back from ``<results>/<cells>/`` when finished with ``config``, else (unless
    ``args.report_only``: None) trained into ``<runs-dir>``, evaluated and kept (with its samples when
    ``keep_samples``)."""
    cell = Path(args.results) / cells / f"{config['name']}.json"
    folder = Path(args.runs_dir) / config["name"]
    result = read_scores(cell, config)
    if result is not None and result["curve"] is None and (curve := _run_curve(folder, config)) is not None:
        # A cell written before cells kept curves, whose run is still on disk: add its curve.
        write_json(cell, {**json.loads(cell.read_text()), "curve": curve})
        result["curve"] = curve
    if result is None and not args.report_only:
        print(f"{config['name']}: training", flush=True)
        model = train_run(config, folder, published=False)
        result = {**evaluate(model, dataset, seed), "curve": _run_curve(folder, config)}
        write_json(cell, {"config": config, **{k: v for k, v in result.items() if k != "samples"},
                          "samples": result["samples"].tolist() if keep_samples else None})
    return result


def curve_figure(curves: dict, steps: int, results: Path) -> list[str]:
    """One figure of training curves per data set (``{dataset: {label: curve}}``), written as
    ``<results>/figures/diw_table1_curves_<dataset>.png``; returns their paths relative to the checkout."""
    from eval.plots import plot_curves

    paths = []
    for dataset, by_label in curves.items():
        paths.append(display_path(plot_curves(by_label, results / "figures" / f"diw_table1_curves_{dataset}.png",
                                              f"{dataset}: training curves, {steps:,} steps")))
    return paths


def figure(samples: dict, methods, datasets, path: Path) -> None:
    """A grid of sample scatters (rows: methods, columns: data sets) over the true means."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from zoo import data

    fig, axes = plt.subplots(len(methods), len(datasets), figsize=(3 * len(datasets), 3 * len(methods)),
                             squeeze=False)
    for i, method in enumerate(methods):
        for j, dataset in enumerate(datasets):
            ax = axes[i][j]
            x = samples.get((method, dataset))
            mix = data.mixture(dataset)
            ax.scatter(mix.means[:, 0], mix.means[:, 1], c="red", s=12, marker="x")
            if x is not None:
                ax.scatter(x[:, 0], x[:, 1], s=1, alpha=0.3)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(dataset)
            if j == 0:
                ax.set_ylabel(method)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None) -> int:
    """Train every cell (reusing finished runs), then write the table and the figure."""
    p = study_parser(__doc__, [0, 1, 2, 3, 4], STEPS, "diw_table1", "where the table and figure are written")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    args = p.parse_args(argv)
    if args.steps < 1 or any(s < 0 for s in args.seeds):
        p.error("--steps must be >= 1 and seeds >= 0")
    rows, samples, curves = {}, {}, {}
    for dataset in args.datasets:
        for method in args.methods:
            for seed in args.seeds:
                config = run_config(method, dataset, seed, args.steps)
                result = cell_scores(config, dataset, seed, args, "diw_table1_cells", seed == args.seeds[0])
                rows.setdefault(f"{method}/{dataset}", [])
                if result is None:
                    continue
                if seed == args.seeds[0] and result["samples"] is not None:
                    samples[(method, dataset)] = result["samples"]
                if result["curve"] is not None:
                    curves.setdefault(dataset, {})[f"{method} s{seed}"] = result["curve"]
                rows[f"{method}/{dataset}"].append({k: v for k, v in result.items() if k not in ("samples", "curve")})
    summary = {key: {m: mean_std([r[m] for r in runs]) for m in ("modes", "hq", "jsd")} for key, runs in rows.items()}
    results = Path(args.results)
    write_json(results / "diw_table1.json", {"args": vars(args), "runs": rows, "summary": summary,
                                             "paper": {f"{m}/{d}": v for (m, d), v in PAPER.items()}})
    figure(samples, args.methods, args.datasets, results / "diw_table1.png")
    curve_figures = curve_figure(curves, args.steps, results)
    lines = report_head("Dual Importance Weight GAN, Table 1", "scripts.diw_table1", argv)
    lines += [f"{len(args.seeds)} training seeds per cell, {args.steps:,} steps, 2,500 samples per run; "
              "mean ± std over training seeds; the paper's figure in brackets.", "",
              "| data set | method | training seeds | modes | %HQS | JSD (canonical) |", "|---|---|---|---|---|---|"]
    for dataset in args.datasets:
        for method in args.methods:
            s = summary[f"{method}/{dataset}"]
            paper = PAPER.get((method, dataset))
            ref = [f" ({v})" for v in paper] if paper else [""] * 3
            lines.append(f"| {dataset} | {method} | {s['modes']['runs']} | {fmt(s['modes'], 1, missing='not run')}"
                         f"{ref[0]} | {fmt(s['hq'], 1, missing='not run')}{ref[1]} | "
                         f"{fmt(s['jsd'], 3, missing='not run')}{ref[2]} |")
    if curve_figures:
        every = sorted({c["every"] for by_label in curves.values() for c in by_label.values()})
        lines += ["", f"Training curves (modes and HQ share every {'/'.join(map(str, every))} steps on 2,500 samples "
                  "of sampling seed 0, one line per method and training seed): "
                  + ", ".join(f"`{p}`" for p in curve_figures) + "."]
    return write_report(lines, "diw_table1", figure=str(results / "diw_table1.png"), results=results)


if __name__ == "__main__":
    raise SystemExit(main())

