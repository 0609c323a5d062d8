"""Issue #13: does the weighted prior weight? Learned vs constant prior over training seeds, with score spreads.

    python -m scripts.learned_prior_seeds                         # 5 training seeds, 10,000 steps each
    python -m scripts.learned_prior_seeds --seeds 0 1 --skip-baseline
    # with the entry as published before issue #13 (centred score) as a reference row:
    mkdir -p runs/reference && git archive 91034bf checkpoints/weighted_prior_ring8 | tar -x -C runs/reference
    python -m scripts.learned_prior_seeds --reference runs/reference/checkpoints/weighted_prior_ring8

For every training seed S the ``weighted_prior_ring8`` entry (WGAN-GP, w ∝ s, Goerttler & Kloft Def. 4, scored
with the calibrated score s = σ((f − f_mid)/T) of docs/methods/learned_priors.md) is trained into
``<runs-dir>/wp_ring8_sS`` and the ``constant_prior_ring8`` baseline (the same GAN without the learned prior)
into ``<runs-dir>/cp_ring8_sS``, and (unless ``--skip-centered``) the same weighted prior scored the old way,
s = σ(f − f̄) (``score="auto"``, what ``weighted_prior_ring8`` was before issue #13), into
``<runs-dir>/wpc_ring8_sS``. Finished runs with the same config are reused (``python -m train.run --model
weighted_prior_ring8 --seed S --out runs/wp_ring8_sS`` writes the same folder; the centred one adds ``--set
method_kwargs='{"presample":512,"weight":"linear","rate":0.5}'``). Unless ``--skip-standard``, the paper's own
scoring is also trained: the entry with the standard GAN loss (``--loss non_saturating --set gp_weight=0``), whose
discriminator is a classifier, so s = D(G(z)) = σ(logit) as in Eq. 2 (``<runs-dir>/wps_ring8_sS``; the paper:
"we repeated this also with the standard GAN with the alternative loss"). Each weighted-prior model is then evaluated
twice on the same weights, over the sampling seeds (``eval.mixture.evaluate_mixture``: modes, HQ share, EMD
against fresh data):

* (a) sampled with its learned prior, ``model.sample(n)`` (the weighted prior, Def. 2 / Eq. 4);
* (b) sampled with the constant prior, ``model.sample(n, prior="constant")``.

The issue's targets: (a)'s EMD below 0.8× (b)'s, and (a) better than (b) on at least 4 of 5 training seeds.
The score spread (:func:`zoo.methods.goerttler_kloft.score_spread`: 5th/95th percentile of s over a fresh
pre-sample and the max/min weight ratio) is reported for the old centred score s = σ(f − f̄) and for the
calibrated one, on the same critic. ``--reference DIR`` adds any other checkpoint folder (e.g. the weighted
prior published before the calibration, from git history) as a reference row.

Results: ``<results-dir>/learned_prior_seeds.{json,md}`` (default ``results/``).
"""
from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from scripts import common
from scripts.common import REPO, RESULTS, fmt, mean_std, report_head, train_run, write_results

# Goerttler & Kloft 2019, Sec. 4.1 (8-Gaussian ring, EMD): weighted prior 0.0891 vs constant prior 0.3195.
PAPER = {"weighted": 0.0891, "constant": 0.3195}
TARGET_RATIO = 0.8  # issue #13: the learned prior's EMD below 0.8× the same model's with the constant prior
METRICS = ("emd", "hq_fraction", "modes")
# weighted_prior_ring8 before the calibration: the same entry with score="auto" (centred for Wasserstein losses).
CENTERED_KWARGS = {"presample": 512, "weight": "linear", "rate": 0.5}
# The paper's standard GAN with the alternative (non-saturating) loss: a sigmoid D, scored with Eq. 2 as is.
STANDARD_LOSS = {"loss": "non_saturating", "gp_weight": 0}
# The trained variants: result key -> (run folder prefix, method_kwargs override, other overrides, report title).
VARIANTS = {
    "weighted": ("wp", None, {}, "Trained with the calibrated score (`score=\"auto_calibrated\"`, the entry now)"),
    "centered": ("wpc", CENTERED_KWARGS, {},
                 "Trained with the centred score (`score=\"auto\"`, the entry before issue #13)"),
    "standard": ("wps", None, STANDARD_LOSS,
                 "Standard GAN loss (non-saturating, sigmoid D), s = D(G(z)) = σ(logit) (Eq. 2)"),
}


def evaluate_model(sample_fn, n: int, seeds) -> dict:
    """Mean ± std of EMD, HQ share and modes of ``sample_fn`` over the sampling ``seeds`` (the zoo's protocol)."""
    from eval.mixture import evaluate_mixture
    from zoo import data

    result = evaluate_mixture(sample_fn, data.mixture("ring8"), n=n, seeds=list(seeds))
    return {k: {"mean": result["summary"][k]["mean"], "std": result["summary"][k]["std"]} for k in METRICS}


def spreads(model) -> dict:
    """Score spread of ``model`` with the centred and with the calibrated score (same critic, same pre-sample),
    and with the score it was trained with (``"trained"``)."""
    from zoo.methods.goerttler_kloft import score_spread

    return {**{mode: score_spread(model, mode=mode) for mode in ("centered", "calibrated")},
            "trained": score_spread(model)}


def weighted_row(model, n: int, seeds) -> dict:
    """(a) learned prior vs (b) constant prior on the same weighted-prior model, and its score spreads."""
    learned = evaluate_model(model.sample, n, seeds)
    constant = evaluate_model(functools.partial(model.sample, prior="constant"), n, seeds)
    return {"learned": learned, "constant_sampling": constant,
            "emd_ratio": learned["emd"]["mean"] / constant["emd"]["mean"],
            "learned_wins": learned["emd"]["mean"] < constant["emd"]["mean"],
            "score": getattr(model, "score", None), "spread": spreads(model)}


def _spread_text(sp: dict) -> str:
    return f"{sp['s_p05']:.3f}–{sp['s_p95']:.3f} ({sp['weight_ratio']:.3g}×)"


def summarise(rows: list[dict], bases: list[dict], seeds) -> dict:
    """Mean ± std over training seeds of (a), (b), their ratio and the baseline; wins; the median seed."""
    return {
        "learned_emd": mean_std(r["learned"]["emd"]["mean"] for r in rows),
        "constant_sampling_emd": mean_std(r["constant_sampling"]["emd"]["mean"] for r in rows),
        "emd_ratio": mean_std(r["emd_ratio"] for r in rows),
        "learned_hq": mean_std(r["learned"]["hq_fraction"]["mean"] for r in rows),
        "constant_sampling_hq": mean_std(r["constant_sampling"]["hq_fraction"]["mean"] for r in rows),
        "baseline_emd": mean_std(b["emd"]["mean"] for b in bases),
        "baseline_hq": mean_std(b["hq_fraction"]["mean"] for b in bases),
        "learned_wins": int(sum(r["learned_wins"] for r in rows)),
        # The training seed whose learned-prior EMD is the median (lower median for an even count): the one
        # to publish as weighted_prior_ring8.
        "median_seed": int(common.median_seed(seeds, [r["learned"]["emd"]["mean"] for r in rows])),
    }


# Header of every table of the report (one column group per evaluation of the same weighted-prior model).
HEADER = ["| training seed | EMD (a) learned prior | EMD (b) constant prior | (a)/(b) | HQ (a) | HQ (b) | "
          "constant-prior GAN EMD / HQ | s p5–p95 (max/min w), centred | s p5–p95 (max/min w), calibrated | "
          "s p5–p95 (max/min w), as trained |",
          "|---|---|---|---|---|---|---|---|---|---|"]


def _row(label: str, r: dict, base: dict | None = None) -> str:
    b = f"{base['emd']['mean']:.4f} / {base['hq_fraction']['mean']:.3f}" if base else "—"
    return (f"| {label} | {r['learned']['emd']['mean']:.4f} | {r['constant_sampling']['emd']['mean']:.4f} | "
            f"{r['emd_ratio']:.2f} | {r['learned']['hq_fraction']['mean']:.3f} | "
            f"{r['constant_sampling']['hq_fraction']['mean']:.3f} | {b} | "
            f"{_spread_text(r['spread']['centered'])} | {_spread_text(r['spread']['calibrated'])} | "
            f"{_spread_text(r['spread']['trained'])} ({r['spread']['trained']['score']}) |")


def table(result: dict, variant: str = "weighted") -> list[str]:
    """The markdown table of ``variant`` (``"weighted"``: calibrated, or ``"centered"``): one row per training
    seed, mean ± std and the paper's figures."""
    lines = list(HEADER)
    for seed in result["seeds"]:
        lines.append(_row(str(seed), result[variant][str(seed)], result["baseline"].get(str(seed))))
    s = result["summary"][variant]
    base = (f"{fmt(s['baseline_emd'])} / {fmt(s['baseline_hq'], 3)}" if s["baseline_emd"]["runs"] else "—")
    lines.append(f"| mean ± std | {fmt(s['learned_emd'])} | {fmt(s['constant_sampling_emd'])} | "
                 f"{fmt(s['emd_ratio'], 2)} | {fmt(s['learned_hq'], 3)} | {fmt(s['constant_sampling_hq'], 3)} | "
                 f"{base} | | | |")
    lines.append(f"| paper (Sec. 4.1, one figure each) | {PAPER['weighted']} | — | — | — | — | "
                 f"{PAPER['constant']} / — | — | — | — |")
    return lines


def main(argv=None) -> int:
    """Train (or reuse) the seeds, evaluate, write ``learned_prior_seeds.{json,md}``; returns 0."""
    p = argparse.ArgumentParser(prog="python -m scripts.learned_prior_seeds", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="training seeds")
    p.add_argument("--steps", type=int, help="generator steps (default: the entries' 10,000)")
    p.add_argument("--sampling-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--n-eval", type=int, default=2500, help="samples per sampling seed")
    p.add_argument("--skip-baseline", action="store_true", help="do not train the constant_prior_ring8 baseline")
    p.add_argument("--skip-centered", action="store_true", help="do not train the centred-score weighted prior")
    p.add_argument("--skip-standard", action="store_true", help="do not train the standard-loss (sigmoid D) version")
    p.add_argument("--reference", nargs="*", default=[], metavar="DIR",
                   help="other weighted-prior checkpoint folders to evaluate the same way (reference rows)")
    p.add_argument("--runs-dir", type=Path, default=REPO / "runs")
    p.add_argument("--results-dir", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    from zoo import checkpoint

    result = {"seeds": args.seeds, "sampling_seeds": args.sampling_seeds, "n": args.n_eval, "paper": PAPER,
              "target_ratio": TARGET_RATIO, **{v: {} for v in VARIANTS}, "baseline": {}, "reference": {}}
    skip = {"centered": args.skip_centered, "standard": args.skip_standard}
    result["config"] = common.entry_config("weighted_prior_ring8", args.seeds[0], args.steps)
    for seed in args.seeds:
        for variant, (prefix, kwargs, extra, _) in VARIANTS.items():
            if skip.get(variant):
                continue
            config = common.entry_config("weighted_prior_ring8", seed, args.steps, kwargs, **extra)
            model = train_run(config, args.runs_dir / f"{prefix}_ring8_s{seed}", published=False, evaluate=True)
            result[variant][str(seed)] = weighted_row(model, args.n_eval, args.sampling_seeds)
        if not args.skip_baseline:
            base = train_run(common.entry_config("constant_prior_ring8", seed, args.steps),
                             args.runs_dir / f"cp_ring8_s{seed}", published=False, evaluate=True)
            result["baseline"][str(seed)] = evaluate_model(base.sample, args.n_eval, args.sampling_seeds)
        r = result["weighted"][str(seed)]
        print(f"seed {seed}: EMD learned {r['learned']['emd']['mean']:.4f}, constant sampling "
              f"{r['constant_sampling']['emd']['mean']:.4f}", flush=True)
    for folder in args.reference:
        result["reference"][str(folder)] = weighted_row(checkpoint.load(folder), args.n_eval, args.sampling_seeds)
    bases = [result["baseline"][str(s)] for s in args.seeds if str(s) in result["baseline"]]
    result["summary"] = {v: summarise([result[v][str(s)] for s in args.seeds], bases, args.seeds)
                         for v in VARIANTS if result[v]}
    lines = report_head("Weighted prior: learned vs constant prior over training seeds (issue #13)",
                        "scripts.learned_prior_seeds", argv)
    lines += [f"Entry `weighted_prior_ring8` ({result['config']['steps']} steps, w ∝ s), EMD and HQ share: mean over "
              f"sampling seeds {args.sampling_seeds} of {args.n_eval} samples each. (a) = the model sampled with its "
              f"learned prior, (b) = the same model with `prior=\"constant\"`; the constant-prior GAN is "
              f"`constant_prior_ring8` with the same training seed. Score spreads: 5th–95th percentile of s over a "
              f"fresh pre-sample (n = 512, seed 0) and, in brackets, max w / min w over it, with the centred score, "
              f"the calibrated score and the score the model was trained with, on the same critic.", ""]
    for variant in result["summary"]:
        s = result["summary"][variant]
        lines += [f"## {VARIANTS[variant][3]}", "", *table(result, variant), "",
                  f"(a) beat (b) on {s['learned_wins']}/{len(args.seeds)} training seeds; mean (a)/(b) EMD ratio "
                  f"{fmt(s['emd_ratio'], 2)} (target < {TARGET_RATIO}). Median training seed by (a)'s EMD: "
                  f"{s['median_seed']}.", ""]
    if result["reference"]:
        lines += ["## Reference checkpoints", "", *HEADER, *(_row(f"`{name}` (score={r['score']})", r)
                                                           for name, r in result["reference"].items()), ""]
    return write_results(args.results_dir / "learned_prior_seeds", result, "\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
