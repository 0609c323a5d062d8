"""Dual Importance Weight GAN: the sweep that chose α, k, N, the bandwidth and the learning rate.

    python -m scripts.diw_sweep [--datasets ring8 grid25] [--seeds 0 1] [--steps 5000]

The paper gives none of these values (docs/methods/diw_gan.md). Starting from a base setting on the
Table 1 architecture (:data:`scripts.diw_table1.SHARED`), one value is changed at a time (:data:`VARIANTS`),
and every variant is trained on each data set with each **training** seed and scored like a Table 1
cell (modes, %HQS and canonical-unit JSD on 2,500 samples). Finished runs are kept in
``<results>/diw_sweep_cells/`` keyed by their config, so the sweep resumes across sessions. Writes
``results/diw_sweep.{json,md}``: mean ± std over the training seeds per variant and data set.
"""
from __future__ import annotations

from pathlib import Path

from scripts.common import fmt, mean_std, report_head, write_json, write_report
from scripts.diw_table1 import cell_scores, run_config, study_parser

# One change at a time from the base (Adam 1e-4, α = 1, k = 1, N = 10, Scott bandwidth, S_r = real
# codes): the label, then the optimizer learning rate and the method_kwargs it sets.
BASE = {"lr": 1e-4, "alpha": 1.0, "k": 1.0, "memory": 10, "bandwidth": None, "real_set": "data"}
VARIANTS = {
    "base": {},
    "S_r kde draws": {"real_set": "kde"},
    "lr 1e-3": {"lr": 1e-3},
    "lr 3e-4": {"lr": 3e-4},
    "alpha 0 (plain GAN)": {"alpha": 0.0},
    "alpha 0.1": {"alpha": 0.1},
    "alpha 10": {"alpha": 10.0},
    "k 0 (no weights)": {"k": 0.0},
    "k 2": {"k": 2.0},
    "N 1": {"memory": 1},
    "N 50": {"memory": 50},
    "bandwidth 0.1": {"bandwidth": 0.1},
    "bandwidth 1": {"bandwidth": 1.0},
}


def variant_config(label: str, dataset: str, seed: int, steps: int) -> dict:
    """The Table 1 DIW-GAN config with the variant's values (the run's name carries the variant)."""
    values = {**BASE, **VARIANTS[label]}
    config = run_config("diw_gan", dataset, seed, steps)
    config["optimizer"] = {**config["optimizer"], "learning_rate": values["lr"]}
    config["method_kwargs"] = {**config["method_kwargs"], "alpha": values["alpha"], "k": values["k"],
                               "memory": values["memory"], "bandwidth": values["bandwidth"],
                               "real_set": values["real_set"]}
    slug = label.split(" (")[0].replace(" ", "")
    config["name"] = f"diw_sweep_{slug}_{dataset}_s{seed}"
    return config


def main(argv=None) -> int:
    """Train every variant × data set × seed (reusing finished cells), then write the sweep table."""
    p = study_parser(__doc__, [0, 1], 5_000, "diw_sweep", "where the table is written")
    p.add_argument("--datasets", nargs="+", default=["ring8", "grid25"],
                   choices=["ring8", "grid25", "grid25_aniso", "cube27"])
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = p.parse_args(argv)
    if args.steps < 1 or any(s < 0 for s in args.seeds):
        p.error("--steps must be >= 1 and seeds >= 0")
    rows = {}
    for dataset in args.datasets:
        for seed in args.seeds:
            for label in args.variants:
                config = variant_config(label, dataset, seed, args.steps)
                result = cell_scores(config, dataset, seed, args, "diw_sweep_cells", keep_samples=False)
                rows.setdefault(f"{label}/{dataset}", [])
                if result is None:
                    continue
                rows[f"{label}/{dataset}"].append({k: result[k] for k in ("modes", "hq", "jsd")})
    summary = {key: {m: mean_std([r[m] for r in runs]) for m in ("modes", "hq", "jsd")} for key, runs in rows.items()}
    results = Path(args.results)
    write_json(results / "diw_sweep.json", {"args": vars(args), "base": BASE, "variants": VARIANTS,
                                            "runs": rows, "summary": summary})
    lines = report_head("Dual Importance Weight GAN, hyperparameter sweep", "scripts.diw_sweep", argv)
    lines += [f"Base: Adam lr {BASE['lr']:g}, α {BASE['alpha']:g}, k {BASE['k']:g}, N {BASE['memory']}, "
              f"Scott bandwidth, S_r = {BASE['real_set']}; one value changed per row. "
              f"{len(args.seeds)} training seeds, {args.steps:,} steps, 2,500 samples per run; mean ± std.", "",
              "| variant | " + " | ".join(f"{d} modes | {d} %HQS | {d} JSD" for d in args.datasets) + " |",
              "|---|" + "---|---|---|" * len(args.datasets)]
    for label in args.variants:
        cells = []
        for dataset in args.datasets:
            s = summary[f"{label}/{dataset}"]
            cells += [fmt(s["modes"], 1, missing="not run"), fmt(s["hq"], 1, missing="not run"),
                      fmt(s["jsd"], 4, missing="not run")]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return write_report(lines, "diw_sweep", results=results)


if __name__ == "__main__":
    raise SystemExit(main())
