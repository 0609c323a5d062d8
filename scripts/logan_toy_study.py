"""LOGAN toy study (Sharma & Namboodiri 2018, arXiv:1802.00771, Sec. 4.1–4.2; docs/methods/logan.md):
does the pair-wise gradient penalty help a BiGAN keep every mode?

Grid of BiGANs, each the ``logan_bigan`` method resolved with the cell's loss, penalty, seed, steps and
prior (``zoo.configs.resolve``) and trained with ``scripts.common.train_run``; each record stores the
equivalent ``python -m train.run`` command, so every number is reproducible on its own:

    datasets  × losses (vanilla, wasserstein, lol1, lol2) × penalty (none, pairwise) × training seeds

Toy protocol of the paper: G, E, D = 3×512 lrelu MLPs with linear outputs and LOGAN's init,
z ~ U(-1, 1) (1-D, as in Fig. 4), batch 256, Adam 1e-4 (0.5, 0.9), λ = 0.1, one D step per G step
(5 for Wasserstein; ``--steps`` counts D updates like the authors' code, so a Wasserstein cell makes
steps/5 G updates). ``wasserstein`` with the penalty is the WGAN-GP loss entry (no clipping, like
LOGAN's ``w``); without a penalty its critic is clipped to ±0.01 (WGAN), since an unconstrained critic
has no Wasserstein meaning. The paper trains 40,000 steps; ``--steps`` sets what the compute budget affords.

Each run is scored with the mixture metrics of docs/evaluation.md (``--n-eval`` = 2,500 samples, 3-std HQ
threshold, KL of the HQ histogram to uniform) averaged over 5 sampling seeds (``eval.mixture.evaluate_mixture``,
kept beside the checkpoint as ``mixture_metrics.json``); this script reports mean ± std over
the **training** seeds, the paired with-minus-without-penalty differences, and writes
``results/logan_toy_study.{json,md}`` (``--out``), with every run's training curve (modes and HQ share every
``curve_every`` steps) in ``OUT_curves.png`` and, per run, its mean modes and HQ share over the third and the last
quarter of the steps, which shows whether the run has levelled off. Re-running skips finished cells (their
checkpoints are kept under ``--runs-dir``; a cell that diverged leaves ``<cell>.failed`` there and is tried again).

    python -m scripts.logan_toy_study --steps 3000 --seeds 0 1 2
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

from scripts.common import REPO, display_path, finished_run, fmt, mean_std, train_run, write_json, write_results

EVAL_FILE = "mixture_metrics.json"  # a cell's scores, beside its checkpoint

LOSSES = ("vanilla", "wasserstein", "lol1", "lol2", "w")
PENALTIES = ("none", "pairwise")
METRICS = ("modes", "hq_fraction", "kl", "jsd", "emd")

# The paper's toy figures are qualitative; its only numbers are on images (docs/evaluation.md#ref-logan).
# What it claims for this experiment (Sec. 4.2) is recorded here so the report can say whether it held.
PAPER_CLAIM = ("Sec. 4.2: the vanilla BiGAN 'consistently lost a few modes'; Wasserstein was unstable "
               "(converged only at the end on the ring, not on the grid); with the pair-wise penalty and "
               "the logit loss 'almost all of the modes are captured'.")


def cell_name(dataset, loss, penalty, seed):
    """Run folder name of one cell."""
    return f"{dataset}_{loss}_{penalty}_s{seed}"


def generator_steps(loss, steps):
    """G updates for ``steps`` of LOGAN's step counter, which counts **D** updates: the authors' code runs
    D every step and G every 5th for Wasserstein (``_run_step``), so its 40,000 steps are 8,000 G steps."""
    return steps // 5 if loss == "wasserstein" else steps


def cell_config(dataset, loss, penalty, seed, steps, z_dim) -> dict:
    """The resolved config of one cell (``steps`` counted as LOGAN counts them)."""
    from zoo import configs

    overrides = {"seed": seed, "steps": generator_steps(loss, steps), "loss": loss,
                 "prior": {"kind": "uniform", "dim": z_dim}}
    return configs.resolve("logan_bigan", dataset, overrides, penalty=penalty)


def command(dataset, loss, penalty, seed, steps, z_dim, out) -> str:
    """The ``python -m train.run`` command line equivalent to training one cell."""
    return (f"python -m train.run --model logan_bigan --dataset {dataset} --loss {loss} --penalty {penalty} "
            f"--seed {seed} --steps {generator_steps(loss, steps)} --out {out} --plot-every 0 "
            f"--set prior={{\"kind\":\"uniform\",\"dim\":{z_dim}}}")


def run_cell(args, dataset, loss, penalty, seed) -> dict | None:
    """Train one cell unless a finished run of its config is in ``--runs-dir``, score it unless scored at
    ``--n-eval``; return its record (metrics or divergence), or None when ``--aggregate-only`` finds it
    never run."""
    from eval.curve import read_curve
    from eval.mixture import evaluate_mixture
    from zoo import checkpoint, data

    out = Path(args.runs_dir) / cell_name(dataset, loss, penalty, seed)
    failed_file = out.parent / f"{out.name}.failed"
    config = cell_config(dataset, loss, penalty, seed, args.steps, args.z_dim)
    record = {"dataset": dataset, "loss": loss, "penalty": penalty, "seed": seed,
              "command": command(dataset, loss, penalty, seed, args.steps, args.z_dim, out)}
    model = None
    if finished_run(config, out, published=False) is None:
        if args.aggregate_only:
            if not failed_file.is_file():
                return None  # never run: left out of the tables
            record["failed"] = failed_file.read_text().strip()
            return record
        (out / EVAL_FILE).unlink(missing_ok=True)  # the scores of an earlier model in this folder
        start = time.time()
        try:
            model = train_run(config, out, reuse=False)
        except RuntimeError as err:  # diverged (NaN loss): nothing was saved
            record["failed"] = str(err)
            failed_file.write_text(f"{err}\n")
            print(f"  {out.name}: FAILED ({err})", flush=True)
            return record
        record["wall_seconds"] = round(time.time() - start, 1)
        failed_file.unlink(missing_ok=True)
    scores = checkpoint.read_json(out, EVAL_FILE)
    if scores.get("n") != args.n_eval:
        model = model or checkpoint.load(out)
        scores = evaluate_mixture(model.sample, data.mixture(dataset), n=args.n_eval)
        write_json(out / EVAL_FILE, scores)
    record["metrics"] = {k: v["mean"] for k, v in scores["summary"].items() if k in METRICS}
    record["curve"] = read_curve(out)
    record["train_seconds"] = checkpoint.read_json(out, "metrics.json").get("train_seconds_last_run")
    m = record["metrics"]
    print(f"  {out.name}: modes {m.get('modes', 0):.1f}  HQ {100 * m.get('hq_fraction', 0):.1f}%  "
          f"KL {m.get('kl', float('nan')):.3f}", flush=True)
    return record


def aggregate(records, num_modes) -> dict:
    """Mean ± std over training seeds per cell, and paired penalty effects per (dataset, loss).

    A run that diverged (NaN) or produced no high-quality sample counts as 0 modes and 0 % HQS; its KL
    is undefined and left out (so the KL row states over how many runs it is averaged).
    """
    table = {}
    for r in records:
        key = (r["dataset"], r["loss"], r["penalty"])
        m = r.get("metrics") or {"modes": 0.0, "hq_fraction": 0.0}
        table.setdefault(key, {"runs": [], "failed": 0})
        table[key]["runs"].append({"seed": r["seed"], **m})
        table[key]["failed"] += int("failed" in r)
    datasets = list(dict.fromkeys(r["dataset"] for r in records))
    order = lambda key: (datasets.index(key[0]), LOSSES.index(key[1]), PENALTIES.index(key[2]))  # noqa: E731
    cells = {}
    for (dataset, loss, penalty), entry in sorted(table.items(), key=lambda kv: order(kv[0])):
        cells[f"{dataset}/{loss}/{penalty}"] = {
            "dataset": dataset, "loss": loss, "penalty": penalty, "failed": entry["failed"],
            "num_modes": num_modes[dataset],
            **{k: mean_std([run.get(k) for run in entry["runs"]]) for k in METRICS}}
    effects = {}
    for dataset, loss, _ in sorted({(d, lo, "none") for d, lo, _ in table}, key=order):
        with_, without = table.get((dataset, loss, "pairwise")), table.get((dataset, loss, "none"))
        if not with_ or not without:
            continue
        by_seed = {r["seed"]: r for r in without["runs"]}
        diffs = {}
        for k in ("modes", "hq_fraction", "kl"):
            d = [r[k] - by_seed[r["seed"]][k] for r in with_["runs"]
                 if r["seed"] in by_seed and r.get(k) is not None and by_seed[r["seed"]].get(k) is not None]
            diffs[k] = mean_std(d)
        effects[f"{dataset}/{loss}"] = diffs
    return {"cells": cells, "penalty_effect": effects}


def levelling(curve: dict) -> dict:
    """Whether a training curve has levelled off: mean modes and HQ share over the curve points of the third and
    of the last quarter of the steps (a flat curve has the same figures in both)."""
    last = curve["points"][-1]["step"] if curve["points"] else 0
    quarters = {name: [p for p in curve["points"] if lo * last < p["step"] <= hi * last]
                for name, lo, hi in (("third_quarter", 0.5, 0.75), ("last_quarter", 0.75, 1.0))}
    return {name: {k: mean_std(p[k] for p in points) for k in ("modes", "hq_fraction")}
            for name, points in quarters.items()}


def curve_figure(records, path) -> Path | None:
    """Every cell's training curve (modes and HQ share against generator steps) in one figure, or None."""
    from eval.plots import plot_curves

    curves = {f"{r['dataset']} {r['loss']} {r['penalty']} s{r['seed']}": r["curve"] for r in records if r.get("curve")}
    return plot_curves(curves, path, "LOGAN toy study: training curves") if curves else None


def _fmt(stat, scale=1.0, digits=2) -> str:
    return fmt(stat, digits, scale, missing="—")


def to_markdown(result) -> str:
    """The study as Markdown tables (cells, then the paired penalty effect)."""
    a = result["args"]
    lines = [f"LOGAN toy study: {a['steps']} steps (paper: 40,000), z ~ U(-1,1)^{a['z_dim']}, training seeds "
             f"{a['seeds']} (column 'runs': how many finished per cell); each run's metrics are the mean over 5 "
             f"sampling seeds × {a.get('n_eval', 2500):,} samples; mean ± std over training seeds. KL is over runs "
             "with at least one high-quality sample.", "",
             "| dataset | loss | penalty | runs | modes | HQS % | KL(HQ hist ‖ U) | EMD | failed runs |",
             "|---|---|---|---|---|---|---|---|---|"]
    for c in result["cells"].values():
        runs = c["modes"]["runs"]
        lines.append(f"| {c['dataset']} | {c['loss']} | {c['penalty']} | {runs} | {_fmt(c['modes'], digits=1)} / "
                     f"{c['num_modes']} | {_fmt(c['hq_fraction'], 100, 1)} | {_fmt(c['kl'])} | "
                     f"{_fmt(c['emd'], digits=3)} | {c['failed']} |")
    lines += ["", "Pair-wise penalty effect (with − without, paired by training seed):", "",
              "| dataset | loss | Δ modes | Δ HQS % | Δ KL |", "|---|---|---|---|---|"]
    for key, d in result["penalty_effect"].items():
        dataset, loss = key.split("/")
        lines.append(f"| {dataset} | {loss} | {_fmt(d['modes'], digits=1)} | {_fmt(d['hq_fraction'], 100, 1)} | "
                     f"{_fmt(d['kl'])} |")
    curved = [r for r in result["runs"] if r.get("curve")]
    if curved:
        lines += ["", f"Training curves (every {curved[0]['curve']['every']} generator steps, 2,500 samples of "
                      f"sampling seed 0): `{result['curve_figure']}`. Levelled off? Mean over the curve points of the "
                      "third and of the last quarter of the steps:", "",
                  "| run | modes, 3rd quarter | modes, last quarter | HQS %, 3rd quarter | HQS %, last quarter |",
                  "|---|---|---|---|---|"]
        for r in curved:
            q = levelling(r["curve"])
            t, f = q["third_quarter"], q["last_quarter"]
            lines.append(f"| {r['dataset']} {r['loss']} {r['penalty']} s{r['seed']} | {_fmt(t['modes'], digits=1)} | "
                         f"{_fmt(f['modes'], digits=1)} | {_fmt(t['hq_fraction'], 100, 1)} | "
                         f"{_fmt(f['hq_fraction'], 100, 1)} |")
    lines += ["", f"Paper's claim — {PAPER_CLAIM}", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    """Entry point."""
    p = argparse.ArgumentParser(prog="python -m scripts.logan_toy_study", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines (hidden by default)")
    p.add_argument("--datasets", nargs="+", default=["ring8", "grid25"])
    p.add_argument("--losses", nargs="+", default=list(LOSSES), choices=LOSSES)
    p.add_argument("--penalties", nargs="+", default=list(PENALTIES), choices=PENALTIES)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=3000, help="training steps per run as LOGAN counts them (D "
                   "updates; = G updates except Wasserstein's 5:1); paper: 40000")
    p.add_argument("--z-dim", type=int, default=1, help="latent size (1 as in the paper's Fig. 4)")
    p.add_argument("--n-eval", type=int, default=2500, help="samples per sampling seed of the scores")
    p.add_argument("--aggregate-only", action="store_true",
                   help="train nothing: tabulate the finished cells (cells never run are left out)")
    p.add_argument("--runs-dir", default=str(REPO / "runs" / "logan_toy"), help="trained cells (reused)")
    p.add_argument("--out", default=str(REPO / "results" / "logan_toy_study"), help="writes OUT.json and OUT.md")
    args = p.parse_args(argv)

    from zoo import data

    Path(args.runs_dir).mkdir(parents=True, exist_ok=True)
    # Seed-major order: an interrupted study still has every cell for its first seeds.
    cells = [(d, lo, pe, s) for s, d, lo, pe in itertools.product(args.seeds, args.datasets, args.losses,
                                                                    args.penalties)]
    print(f"{len(cells)} runs of {args.steps} steps", flush=True)
    records = [r for r in (run_cell(args, *c) for c in cells) if r is not None]
    result = {"args": {k: v for k, v in vars(args).items() if k not in ("runs_dir", "out")},
              "paper_claim": PAPER_CLAIM,
              **aggregate(records, {d: data.mixture(d).num_modes for d in args.datasets}),
              "runs": records}
    figure = curve_figure(records, Path(f"{args.out}_curves.png"))
    result["curve_figure"] = display_path(figure) if figure else None
    return write_results(args.out, result, to_markdown(result))


if __name__ == "__main__":
    sys.exit(main())
