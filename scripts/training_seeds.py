"""Issue #13, training seeds: each mixture entry trained with several training seeds, its curves, its median seed.

    python -m scripts.training_seeds                                   # every published mixture entry, seeds 0-4
    python -m scripts.training_seeds --entries gan_ring8 wgan_gp_ring8 --seeds 0 1 2 3 4
    python -m scripts.training_seeds --entries gan_ring8 --publish-median  # publish the median seed as gan_ring8
    python -m scripts.training_seeds --entries gan_ring8 --steps 2000 --seeds 0 1 --results /tmp/r  # a quick look

For every entry (default: each entry of ``zoo/manifest.json`` whose data set is a mixture) and training seed S,
the entry's own config with ``seed=S`` (its own steps unless ``--steps``) is trained into
``<runs-dir>/<entry>_sS`` with its training curve (``curve.json``: modes, HQ share and reverse KL every
``curve_every`` steps; docs/evaluation.md#training-curves) and evaluated by the protocol (its ``metrics.json``:
modes, HQ share, reverse KL, JSD and EMD over 5 sampling seeds of 2,500 samples). Each finished run's scores
and curve are kept in ``<results>/training_seeds_cells/<entry>_sS.json`` with its config; a cell whose config
matches is not trained again, so the study resumes where it stopped, across sessions and machines.

Writes ``<results>/training_seeds.{json,md}``, which cover every entry studied in ``<results>`` (those the command
does not name are read back from their cells): per entry, each seed's scores (means over the sampling seeds),
the mean ± std over the **training** seeds and the median seed; and ``<results>/figures/training_seeds_<entry>.png``:
every seed's curve, modes and HQ share against steps, the median seed's drawn thick.

The median seed (:func:`median_of`): the seeds ranked best first by modes captured (more is better), then HQ share
(higher), then EMD (lower), then the seed number, each a mean over the sampling seeds; the median is the seed at
position (N − 1) // 2 of that ranking (for an even N the better of the two middle ones). Modes come first because
mode coverage is what the zoo is about and what MODEL_CARDS.md leads with, so the published model has the median
mode count; most seeds capture every mode of an easy mixture, and among those the HQ share (continuous, never
undefined, unlike the reverse KL when no sample is high quality) decides; EMD settles what is left.

Learned-prior entries (``weighted_prior_*``, ``masked_prior_*``) are also evaluated on the same weights with the
constant prior, ``model.sample(n, prior="constant")``, on the same sampling seeds (:func:`constant_prior_scores`):
the cell keeps it as ``"constant_prior"`` and the report gives, per seed and over the seeds, EMD and HQ share with
both priors and their EMD ratio (learned / constant), and on how many training seeds the learned prior wins
(Goerttler & Kloft 2019, CEUR-WS Vol. 2454, Sec. 4.1, compare the two on the ring).

``--publish-median`` then publishes each entry's median run as the zoo entry (``train.run.publish``), after adding
``training_seeds`` to its ``metrics.json`` (the seeds, the median seed, the rule and every metric's mean ± std
over the seeds). Only the entry's own config is published (not with ``--steps``), so its ``train_config.json``,
whose seed is the median seed, retrains it exactly: ``python -m train.run --model ENTRY --seed S --publish``. The
zoo's entries carry that seed in their ``register_entry`` (the script says when it must change), so
``python -m train.run --model ENTRY`` alone retrains the published weights.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scripts.common import (
    REPO,
    RESULTS,
    entry_config,
    fmt,
    mean_std,
    median_seed,
    rank_seeds,
    read_cell,
    report_head,
    train_run,
    write_json,
    write_results,
)

#: The protocol metrics reported over training seeds (keys of metrics.json's summary).
METRICS = ("modes", "hq_fraction", "kl", "jsd", "emd")
RULE = ("ranked best first by modes captured, then HQ share, then EMD (lower is better), then seed; the median "
        "is the seed at position (N - 1) // 2")
CELLS = "training_seeds_cells"


def mixture_entries() -> list[str]:
    """The published entries (``zoo/manifest.json``) whose data set is a Gaussian mixture, sorted."""
    import zoo
    from zoo import data

    return sorted(name for name, entry in zoo.manifest().items() if data.is_mixture(entry["dataset"]))


def scores_of(metrics: dict) -> dict:
    """Per-seed scores from a protocol evaluation (``metrics.json``): each metric's mean over the sampling seeds
    (None when undefined in every sampling run, as the reverse KL without high-quality samples)."""
    summary = metrics["summary"]
    return {key: summary[key]["mean"] if key in summary else None for key in METRICS}


def rank_key(scores: dict) -> tuple:
    """The sort key of a seed's scores, best first (:data:`RULE`)."""
    return (-scores["modes"], -scores["hq_fraction"], scores["emd"])


def median_of(scores: dict) -> int:
    """The median training seed of ``{seed: scores}`` under :data:`RULE`."""
    seeds = sorted(scores)
    return int(median_seed(seeds, [rank_key(scores[s]) for s in seeds]))


def _protocol_metrics(model, folder: Path, dataset: str) -> dict:
    """The run's protocol evaluation: its ``metrics.json`` when it holds one, else evaluated now."""
    from zoo import checkpoint

    metrics = checkpoint.read_json(folder, "metrics.json")
    if "summary" not in metrics:
        from eval.api import evaluate

        metrics = {**metrics, **evaluate(model, dataset)}
    return metrics


def has_learned_prior(config: dict) -> bool:
    """True for the methods that sample from a learned prior (Goerttler & Kloft's weighted and masked priors, and
    any method built on their model class)."""
    from zoo.methods import METHODS
    from zoo.methods.goerttler_kloft import WeightedPriorGAN

    return issubclass(METHODS[config["method"]].cls, WeightedPriorGAN)


def constant_prior_scores(model, evaluation: dict, dataset: str) -> dict:
    """:func:`scores_of` the learned-prior ``model`` sampled with the constant prior (``prior="constant"``) on
    the sample size and sampling seeds of its protocol ``evaluation`` (the same weights, the same data draws)."""
    import functools

    from eval.mixture import evaluate_mixture
    from zoo import data

    result = evaluate_mixture(functools.partial(model.sample, prior="constant"), data.mixture(dataset),
                              n=evaluation["n"], seeds=list(evaluation["sampling_seeds"]))
    return scores_of(result)


def reproduced_run(config: dict, folder: Path, scores: dict) -> tuple:
    """``(model, metrics)`` of the finished run of ``config`` in ``folder`` (retrained when the folder is gone or
    holds another config: training is deterministic), checked to give ``scores``, the scores its cell recorded.
    RuntimeError otherwise."""
    model = train_run(config, folder, published=False, evaluate=True)
    metrics = _protocol_metrics(model, folder, config["dataset"])
    if scores_of(metrics) != scores:
        raise RuntimeError(f"{folder} does not reproduce the scores of its cell (training seed {config['seed']}); "
                           f"delete the cell and the run folder and run the study again")
    return model, metrics


def run_cell(entry: str, seed: int, steps: int | None, runs_dir: Path, results: Path) -> dict:
    """The cell of ``entry`` with training seed ``seed``: read back when its file matches the config, else
    trained (or a finished run reused) into ``<runs_dir>/<entry>_s<seed>``, evaluated and written."""
    from eval.curve import read_curve

    config = entry_config(entry, seed, steps)
    path = results / CELLS / f"{entry}_s{seed}.json"
    cell = read_cell(path, config)
    model, folder = None, runs_dir / f"{entry}_s{seed}"
    if cell is None:
        print(f"{entry}, training seed {seed}", flush=True)
        model = train_run(config, folder, published=False, evaluate=True)
        metrics = _protocol_metrics(model, folder, config["dataset"])
        cell = {"config": config, "entry": entry, "seed": seed, "scores": scores_of(metrics),
                "evaluation": {"n": metrics["n"], "sampling_seeds": metrics["seeds"], "summary": metrics["summary"]},
                "curve": read_curve(folder), "train_seconds": metrics.get("train_seconds_last_run")}
        write_json(path, cell)
    if has_learned_prior(config) and "constant_prior" not in cell:
        # A cell written before this comparison existed gets it from its run.
        if model is None:
            model, _ = reproduced_run(config, folder, cell["scores"])
        cell["constant_prior"] = constant_prior_scores(model, cell["evaluation"], config["dataset"])
        write_json(path, cell)
    return cell


def summarise(entry: str, cells: dict) -> dict:
    """An entry's row: each seed's scores, mean ± std over the training seeds, the ranking and the median seed."""
    scores = {seed: cell["scores"] for seed, cell in cells.items()}
    ranking = rank_seeds(sorted(scores), [rank_key(scores[s]) for s in sorted(scores)])
    config = next(iter(cells.values()))["config"]
    return {"dataset": config["dataset"], "steps": config["steps"], "curve_every": config["curve_every"],
            "seeds": {str(s): scores[s] for s in sorted(scores)}, "ranking": ranking,
            "summary": {key: mean_std(scores[s][key] for s in sorted(scores)) for key in METRICS},
            "median_seed": median_of(scores),
            "cells": {str(s): f"{CELLS}/{entry}_s{s}.json" for s in sorted(scores)},
            **_prior_comparison(cells)}


def _prior_comparison(cells: dict) -> dict:
    """``{"constant_prior": ...}`` for a learned-prior entry (every cell carries it), else ``{}``: per seed the
    constant-prior scores and the EMD ratio learned / constant, mean ± std over the seeds, and the number of
    seeds on which the learned prior has the lower EMD and the higher HQ share."""
    if not all("constant_prior" in cell for cell in cells.values()):
        return {}
    seeds = sorted(cells)
    learned = {s: cells[s]["scores"] for s in seeds}
    const = {s: cells[s]["constant_prior"] for s in seeds}
    ratio = {s: learned[s]["emd"] / const[s]["emd"] for s in seeds}
    return {"constant_prior": {
        "seeds": {str(s): {**const[s], "emd_ratio": ratio[s]} for s in seeds},
        "summary": {**{key: mean_std(const[s][key] for s in seeds) for key in METRICS},
                    "emd_ratio": mean_std(ratio.values())},
        "learned_wins_emd": sum(learned[s]["emd"] < const[s]["emd"] for s in seeds),
        "learned_wins_hq": sum(learned[s]["hq_fraction"] > const[s]["hq_fraction"] for s in seeds)}}


def figure(entry: str, cells: dict, median: int, path: Path) -> Path | None:
    """Every seed's training curve of ``entry`` (modes and HQ share against steps), the median seed thick;
    None when no cell has a curve."""
    from eval.plots import plot_curves

    curves = {f"seed {s}": cells[s]["curve"] for s in sorted(cells) if cells[s].get("curve")}
    if not curves:
        return None
    return plot_curves(curves, path, f"{entry}: {len(cells)} training seeds", highlight=f"seed {median}")


def publish_median(entry: str, row: dict, runs_dir: Path) -> Path:
    """Publish the median seed's run of ``entry`` as the zoo entry, with ``training_seeds`` in its metrics.json.

    The run folder is reused when it is finished with the entry's config and that seed (it is retrained
    otherwise: training is deterministic); its scores must equal the cell's. Returns the published folder.
    """
    from train.run import publish
    from zoo import checkpoint

    seed = row["median_seed"]
    folder = runs_dir / f"{entry}_s{seed}"
    _, metrics = reproduced_run(entry_config(entry, seed), folder, row["seeds"][str(seed)])
    metrics["training_seeds"] = {"seeds": sorted(int(s) for s in row["seeds"]), "median_seed": seed, "rule": RULE,
                                 "summary": row["summary"],
                                 "note": f"the median of {len(row['seeds'])} training seeds (mean ± std over the "
                                         f"training seeds in summary)"}
    if "constant_prior" in row:  # the same weights sampled with the constant prior, per seed and over the seeds
        metrics["training_seeds"]["constant_prior"] = row["constant_prior"]
    checkpoint.update(folder, {"metrics.json": metrics})
    dest = publish(folder, entry)
    from zoo.methods import ENTRIES

    if ENTRIES[entry].get("seed", 0) != seed:  # the registry is code: say what to change
        print(f"{entry}: the published seed is now {seed}; set seed={seed} in its register_entry(...) so that "
              f"`python -m train.run --model {entry}` retrains the published weights "
              f"(tests/test_published.py checks it)", flush=True)
    return dest


def _table(entry: str, row: dict) -> list[str]:
    """The markdown table of one entry: a row per training seed (best first), then mean ± std."""
    lines = [f"## `{entry}` ({row['dataset']}, {row['steps']:,} steps)", "",
             "| training seed | rank | modes | HQ % | reverse KL | JSD | EMD |", "|---|---|---|---|---|---|---|"]
    for rank, seed in enumerate(row["ranking"], 1):
        s = row["seeds"][str(seed)]
        mark = " (median)" if seed == row["median_seed"] else ""
        cells = [f"{s['modes']:.1f}", f"{100 * s['hq_fraction']:.1f}",
                 *("n/a" if s[k] is None else f"{s[k]:.4f}" for k in ("kl", "jsd", "emd"))]
        lines.append(f"| {seed}{mark} | {rank} | {' | '.join(cells)} |")
    m = row["summary"]
    lines.append(f"| mean ± std over training seeds | | {fmt(m['modes'], 1)} | {fmt(m['hq_fraction'], 1, 100)} | "
                 f"{fmt(m['kl'])} | {fmt(m['jsd'])} | {fmt(m['emd'])} |")
    if "constant_prior" in row:
        lines += ["", *_prior_table(row)]
    return lines


def _prior_table(row: dict) -> list[str]:
    """The learned vs constant prior table of a learned-prior entry (same weights, same sampling seeds)."""
    c = row["constant_prior"]
    lines = ["Learned prior (a) against the constant prior (b) on the same weights (`sample(n, prior=\"constant\")`):",
             "", "| training seed | EMD (a) | EMD (b) | (a)/(b) | HQ % (a) | HQ % (b) |", "|---|---|---|---|---|---|"]
    for seed in row["ranking"]:
        a, b = row["seeds"][str(seed)], c["seeds"][str(seed)]
        mark = " (median)" if seed == row["median_seed"] else ""
        lines.append(f"| {seed}{mark} | {a['emd']:.4f} | {b['emd']:.4f} | {b['emd_ratio']:.2f} | "
                     f"{100 * a['hq_fraction']:.1f} | {100 * b['hq_fraction']:.1f} |")
    m, s = row["summary"], c["summary"]
    n = len(c["seeds"])
    lines += [f"| mean ± std | {fmt(m['emd'])} | {fmt(s['emd'])} | {fmt(s['emd_ratio'], 2)} | "
              f"{fmt(m['hq_fraction'], 1, 100)} | {fmt(s['hq_fraction'], 1, 100)} |", "",
              f"The learned prior has the lower EMD on {c['learned_wins_emd']} of {n} training seeds and the higher "
              f"HQ share on {c['learned_wins_hq']} of {n}."]
    return lines


def report(result: dict, argv) -> str:
    """The markdown report: the overview table, then one table per entry."""
    lines = report_head("Training seeds: mean ± std over training seeds, training curves, median seed (issue #13)",
                        "scripts.training_seeds", argv)
    lines += [f"Each entry trained with training seeds {result['seeds']}; every run is evaluated by the protocol "
              f"(means over 5 sampling seeds of 2,500 samples; docs/evaluation.md), and the tables give mean ± std "
              f"over the **training** seeds. Median seed: {RULE} (see `scripts/training_seeds.py`). Curves: modes "
              f"and HQ share every `curve_every` steps on 2,500 samples of sampling seed 0 "
              f"(docs/evaluation.md#training-curves). Entries the command does not name are read back from their "
              f"cells (earlier runs of the study with the same seeds and steps).", "",
              "| entry | modes | HQ % | reverse KL | EMD | EMD learned / constant prior | median seed | figure |",
              "|---|---|---|---|---|---|---|---|"]
    for entry, row in result["entries"].items():
        m = row["summary"]
        published = " (published)" if row.get("published") else ""
        ratio = fmt(row["constant_prior"]["summary"]["emd_ratio"], 2) if "constant_prior" in row else "—"
        lines.append(f"| `{entry}` | {fmt(m['modes'], 1)} | {fmt(m['hq_fraction'], 1, 100)} | {fmt(m['kl'])} | "
                     f"{fmt(m['emd'])} | {ratio} | {row['median_seed']}{published} | "
                     f"`{row['figure'] or 'no curves'}` |")
    for entry, row in result["entries"].items():
        lines += ["", *_table(entry, row)]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    """Train (or read back) every cell, write the report and figures, optionally publish the median seeds."""
    from zoo import configs
    from zoo.methods import ENTRIES

    p = argparse.ArgumentParser(prog="python -m scripts.training_seeds", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--entries", nargs="+", help="zoo entries on a mixture (default: every published one)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="training seeds")
    p.add_argument("--steps", type=int, help="generator steps per run (default: each entry's own)")
    p.add_argument("--runs-dir", type=Path, default=REPO / "runs" / "training_seeds", help="where runs are trained")
    p.add_argument("--results", type=Path, default=RESULTS, help="where cells, tables and figures are written")
    p.add_argument("--publish-median", action="store_true",
                   help="publish each entry's median seed as the zoo entry (checkpoints/, zoo/manifest.json)")
    args = p.parse_args(argv)
    entries = args.entries or mixture_entries()
    from zoo import data

    bad = [e for e in entries if e not in ENTRIES or not data.is_mixture(ENTRIES[e]["dataset"])]
    if bad:
        p.error(f"not a zoo entry on a mixture: {', '.join(bad)} (known: {', '.join(mixture_entries())})")
    if args.steps is not None and args.steps < 1 or any(s < 0 for s in args.seeds) or len(set(args.seeds)) < len(
            args.seeds):
        p.error("--steps must be >= 1 and the seeds distinct and >= 0")
    if args.publish_median:
        own = [e for e in entries if not configs.same_config(entry_config(e, 0, args.steps), entry_config(e, 0))]
        if own:
            p.error(f"--publish-median publishes the entries' own configs; --steps changes {', '.join(own)}")
        from train import run

        try:
            run._checkout()  # a source checkout to publish into, checked before hours of training
        except RuntimeError as err:
            p.error(str(err))
    result = {"args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
              "seeds": args.seeds, "rule": RULE, "metrics": list(METRICS), "entries": {}}
    for entry in entries:
        cells = {seed: run_cell(entry, seed, args.steps, args.runs_dir, args.results) for seed in args.seeds}
        row = entry_row(entry, cells, args.results)
        if args.publish_median:
            dest = publish_median(entry, row, args.runs_dir)
            row["published"] = True  # what entry_row would now find in the published train_config.json
            print(f"published the median seed {row['median_seed']} of {entry} to {dest}", flush=True)
        result["entries"][entry] = row
    # The report covers every entry studied so far with these seeds and steps, not only this command's.
    result["entries"].update(earlier_rows(args.results, args.seeds, args.steps, skip=entries))
    result["entries"] = dict(sorted(result["entries"].items()))
    return write_results(args.results / "training_seeds", result, report(result, argv))


def entry_row(entry: str, cells: dict, results: Path, redraw: bool = True) -> dict:
    """An entry's report row (:func:`summarise`) with its figure and ``published``: True when the zoo entry's
    checkpoint was trained with the config of this study's median seed. The figure is drawn from the cells; with
    ``redraw=False`` (rows read back, whose cells did not change) an existing figure is kept as it is."""
    from zoo import checkpoint, configs

    row = summarise(entry, cells)
    path = results / "figures" / f"training_seeds_{entry}.png"
    if redraw or not path.is_file():
        path = figure(entry, cells, row["median_seed"], path)
    row["figure"] = str(path.relative_to(results)) if path else None
    trained = checkpoint.read_json(_published_dir() / entry, "train_config.json")
    row["published"] = bool(trained) and configs.same_config(trained, cells[row["median_seed"]]["config"])
    return row


def _published_dir() -> Path:
    """Where ``--publish-median`` publishes: the source checkout's ``checkpoints/`` (``train.run.publish``), else
    the zoo's checkpoint folder."""
    import zoo
    from train import run

    try:
        return run._checkout() / "checkpoints"
    except RuntimeError:
        return zoo.checkpoint_dir()


def earlier_rows(results: Path, seeds, steps: int | None, skip) -> dict:
    """:func:`entry_row` of every mixture entry not in ``skip`` whose cells for every seed of ``seeds`` are in
    ``results`` with the config that ``steps`` gives (earlier runs of the study), read back without training.
    An entry with some of those cells missing is named on stdout and left out."""
    from zoo import data
    from zoo.methods import ENTRIES

    rows = {}
    studied = {path.name.rsplit("_s", 1)[0] for path in (results / CELLS).glob("*_s*.json")}
    for entry in sorted(studied - set(skip)):
        if entry not in ENTRIES or not data.is_mixture(ENTRIES[entry]["dataset"]):
            continue
        cells = {seed: read_cell(results / CELLS / f"{entry}_s{seed}.json", entry_config(entry, seed, steps))
                 for seed in seeds}
        missing = [seed for seed, cell in cells.items() if cell is None]
        if missing:
            print(f"{entry}: no finished cell for training seed(s) {missing} at these steps; left out of the report "
                  f"(run --entries {entry} to finish it)", flush=True)
            continue
        rows[entry] = entry_row(entry, cells, results, redraw=False)
    return rows

if __name__ == "__main__":
    sys.exit(main())
