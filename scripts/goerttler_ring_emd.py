"""Goerttler & Kloft (2019) Sec. 4.1: EMD on the 8-Gaussian ring, the rate sweep (Fig. 4) and Fig. 3.

    python -m scripts.goerttler_ring_emd                       # defaults below, a few minutes per run
    python -m scripts.goerttler_ring_emd --seeds 0 1 2 3 4 --steps 4000 --sweep-seeds 0 1 2

Part 1 (the EMD table, paper: constant 0.3195, constant masked at generation only 0.3378, weighted
0.0891, masked 0.1328). For every seed three models are trained with the same networks and schedule
(the ``weighted_prior_ring8`` zoo entry: the WGAN-GP baseline's networks and optimizers, batch 256,
pre-sample n = 2m = 512, see ``zoo/methods/goerttler_kloft.py`` and docs/methods/learned_priors.md):

* a constant-prior GAN (entry ``constant_prior_ring8``), evaluated with its prior as is and masked at
  generation only (r = 0.5, ``zoo.methods.goerttler_kloft.masked_at_generation``);
* a weighted-prior GAN (w ∝ s) and a masked-prior GAN (r = 0.5), evaluated with their learned prior
  (and, for reference, with the constant prior).

Part 2 (Fig. 4): masked-prior GANs with pre-sample n = 2000 for r ∈ {0.1, …, 1.0}, EMD averaged over
the sweep seeds, drawn against r with the constant-prior mean and the real-vs-real floor.

Part 3 (Fig. 3): the learned prior s(z) of the seed-0 models over the z-plane.

EMD: exact W1 with Euclidean cost between ``--n-eval`` generated points and as many fresh data points
(docs/evaluation.md#emd); the floor is the EMD between two independent real samples of that size.
Results: ``results/goerttler_ring_emd.{json,md}``, ``results/goerttler_rate_sweep.png`` (its JSON with
``--skip-table``) and ``results/goerttler_learned_prior.png`` (``--results-dir`` moves them). Trained
models go to ``runs/goerttler_ring/`` (``--runs-dir``) and are reused when the script is run again with
the same settings.
"""
from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

import numpy as np

from scripts.common import REPO, RESULTS, fmt, mean_std, report_head, train_run, write_json, write_text

PAPER = {"constant": 0.3195, "constant_masked_at_generation": 0.3378, "weighted": 0.0891, "masked": 0.1328}
LABELS = {"constant": "constant prior", "constant_masked_at_generation": "constant prior, masked at generation only",
          "weighted": "weighted prior (w ∝ s)", "masked": "masked prior (r = 0.5)",
          "weighted_constant_generation": "weighted-trained, constant prior at generation",
          "masked_constant_generation": "masked-trained, constant prior at generation",
          "floor": "real vs real (floor)"}


# The three models of the table, each a zoo entry of the Goerttler & Kloft module.
ENTRIES = {"gan": "constant_prior_ring8", "weighted_prior": "weighted_prior_ring8",
           "masked_prior": "masked_prior_ring8"}


def method_config(method, steps=None, loss=None, seed=0, **method_kwargs):
    """The zoo entry of ``method`` on ring8 (Goerttler & Kloft Table 1 setup) with optional overrides.

    ``gan`` (the constant prior), ``weighted_prior`` and ``masked_prior`` resolve to the entries of
    :data:`ENTRIES`, so seed 0 with the default steps reuses ``checkpoints/<entry>``. Another ``loss``
    than the entry's switches the gradient penalty off unless it is ``wasserstein_gp``.
    """
    from zoo import configs

    entry = configs.resolve(ENTRIES[method])
    overrides = {"seed": seed}
    if steps:
        overrides["steps"] = steps
    if loss and loss != entry["loss"]:
        overrides["loss"] = loss
        if loss != "wasserstein_gp":
            overrides["gp_weight"] = 0.0
    if method_kwargs:
        overrides["method_kwargs"] = {**entry["method_kwargs"], **method_kwargs}
    return configs.resolve(ENTRIES[method], overrides=overrides)


def evaluate(sample_fn, mixture, n, seed):
    """EMD, modes and HQ fraction of ``n`` samples drawn with sampling seed ``seed``."""
    from eval.emd import emd
    from eval.mixture import mixture_metrics

    x = np.asarray(sample_fn(n, 1000 + seed))
    m = mixture_metrics(x, mixture)
    return {"emd": emd(x, mixture.sample(n, seed=10_000 + seed)), "modes": m["modes"],
            "hq_fraction": m["hq_fraction"], "kl": m["kl"]}


def part_table(args, mixture):
    """Part 1: the four EMDs of Sec. 4.1 (and two reference rows) over ``args.seeds``."""
    from eval.emd import emd
    from zoo.methods.goerttler_kloft import masked_at_generation

    rows = {k: [] for k in LABELS}
    models0 = {}
    for seed in args.seeds:
        config = method_config("gan", args.steps, args.loss, seed)
        runs = args.runs_dir / f"{config['loss']}_{config['steps']}"
        t = time.time()
        constant = train_run(config, runs / f"constant_s{seed}")
        weighted = train_run(method_config("weighted_prior", args.steps, args.loss, seed),
                             runs / f"weighted_s{seed}")
        masked = train_run(method_config("masked_prior", args.steps, args.loss, seed, rate=0.5),
                           runs / f"masked_s{seed}")
        rows["constant"].append(evaluate(constant.sample, mixture, args.n_eval, seed))
        rows["constant_masked_at_generation"].append(
            evaluate(masked_at_generation(constant, 0.5), mixture, args.n_eval, seed))
        rows["weighted"].append(evaluate(weighted.sample, mixture, args.n_eval, seed))
        rows["masked"].append(evaluate(masked.sample, mixture, args.n_eval, seed))
        rows["weighted_constant_generation"].append(
            evaluate(functools.partial(weighted.sample, prior="constant"), mixture, args.n_eval, seed))
        rows["masked_constant_generation"].append(
            evaluate(functools.partial(masked.sample, prior="constant"), mixture, args.n_eval, seed))
        floor = emd(mixture.sample(args.n_eval, seed=20_000 + seed),
                    mixture.sample(args.n_eval, seed=10_000 + seed))
        rows["floor"].append({"emd": floor, "modes": 8, "hq_fraction": None, "kl": None})
        print(f"seed {seed}: " + ", ".join(f"{k} {v[-1]['emd']:.4f}" for k, v in rows.items()) +
              f" ({time.time() - t:.0f} s)", flush=True)
        if seed == args.seeds[0]:
            models0 = {"constant prior": constant, "weighted prior": weighted, "masked prior (r=0.5)": masked}
    summary = {k: {m: mean_std([r[m] for r in v]) for m in ("emd", "modes", "hq_fraction", "kl")}
               for k, v in rows.items()}
    return config, rows, summary, models0


def part_sweep(args, mixture):
    """Part 2: masked-prior EMD against the masking rate r (paper Fig. 4, pre-sample n = 2000)."""
    points = []
    for rate in args.rates:
        emds, modes = [], []
        for seed in args.sweep_seeds:
            config = method_config("masked_prior", args.sweep_steps, args.loss, seed, presample=2000, rate=rate)
            out = args.runs_dir / f"sweep_{config['loss']}_{config['steps']}" / f"r{rate:.2f}_s{seed}"
            model = train_run(config, out)
            r = evaluate(model.sample, mixture, args.n_eval, seed)
            emds.append(r["emd"])
            modes.append(r["modes"])
        points.append({"rate": rate, "emd": mean_std(emds), "modes": mean_std(modes)})
        print(f"r = {rate:.2f}: EMD {fmt(points[-1]['emd'])}, modes {fmt(points[-1]['modes'], 1)}", flush=True)
    return points


def plot_sweep(points, constant, floor, path, loss):
    """EMD against r with ± std bars, the constant prior and the floor (paper Fig. 4)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from eval.plots import save_figure

    fig, ax = plt.subplots(figsize=(6, 4))
    r = [p["rate"] for p in points]
    ax.errorbar(r, [p["emd"]["mean"] for p in points], yerr=[p["emd"]["std"] for p in points], marker="o",
                capsize=3, label="masked prior (n = 2000)")
    if constant is not None:
        ax.axhline(constant, color="grey", ls="--", label="constant prior (table runs)")
    ax.axhline(floor, color="black", ls=":", label="real vs real floor")
    ax.set(xlabel="masking rate r", ylabel="EMD", title=f"8 Gaussians, EMD vs masking rate ({loss})")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def markdown(args, config, summary, points, argv=None):
    """The results as a markdown report (tables beside the paper's numbers)."""
    lines = report_head("Goerttler & Kloft Sec. 4.1 on the 8-Gaussian ring", "scripts.goerttler_ring_emd", argv) + [
             f"Loss `{config['loss']}` (d_steps {config.get('d_steps') or 'loss default'}), optimizer "
             f"`{config['optimizer']}`, batch {config['batch_size']}, {config['steps']} generator steps, "
             f"G {config['g_hidden']} {config['activation']}, D {config['d_hidden']} "
             f"{config.get('d_activation', config['activation'])}; seeds {args.seeds}; "
             f"EMD on {args.n_eval} samples (exact W1, Euclidean).", "",
             "| setting | paper EMD | EMD (mean ± std) | modes /8 | HQ % |", "|---|---|---|---|---|"]
    for key, label in LABELS.items():
        s = summary[key]
        paper = PAPER.get(key)
        lines.append(f"| {label} | {paper if paper is not None else '—'} | {fmt(s['emd'])} | "
                     f"{fmt(s['modes'], 1)} | {fmt(s['hq_fraction'], 1, 100, missing='—')} |")
    if points:
        lines += ["", f"Masking-rate sweep (pre-sample 2000, seeds {args.sweep_seeds}, "
                  f"{args.sweep_steps or config['steps']} steps): see `goerttler_rate_sweep.png`.", "",
                  "| r | EMD | modes |", "|---|---|---|"]
        lines += [f"| {p['rate']:.1f} | {fmt(p['emd'])} | {fmt(p['modes'], 1)} |" for p in points]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    """Run parts 1–3 and write the result files."""
    p = argparse.ArgumentParser(prog="python -m scripts.goerttler_ring_emd", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines (hidden by default)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds of the EMD table")
    p.add_argument("--steps", type=int, help="generator steps (default: the weighted_prior_ring8 entry's)")
    p.add_argument("--loss", help="adversarial loss (default: the config's; non_saturating = the paper's "
                   "'standard GAN with the alternative loss')")
    p.add_argument("--rates", type=float, nargs="+", default=[round(0.1 * i, 1) for i in range(1, 11)])
    p.add_argument("--sweep-seeds", type=int, nargs="+", default=[0, 1], help="seeds per sweep point (paper: 3)")
    p.add_argument("--sweep-steps", type=int, help="generator steps of the sweep runs (default: --steps)")
    p.add_argument("--skip-sweep", action="store_true", help="only the EMD table and the learned-prior plot")
    p.add_argument("--skip-table", action="store_true", help="only the sweep (writes goerttler_rate_sweep<tag>.json)")
    p.add_argument("--n-eval", type=int, default=2500, help="generated and real points per EMD")
    p.add_argument("--runs-dir", default=str(REPO / "runs" / "goerttler_ring"), help="trained models (reused)")
    p.add_argument("--results-dir", default=str(RESULTS), help="where the result files go (default results/)")
    p.add_argument("--tag", default="", help="suffix of the result file names (e.g. _nonsat)")
    args = p.parse_args(argv)
    from zoo import data

    args.runs_dir = Path(args.runs_dir)
    results = Path(args.results_dir)
    args.sweep_steps = args.sweep_steps or args.steps
    mixture = data.mixture("ring8")
    if args.skip_table:  # only train/evaluate the sweep (e.g. to fill the run cache in parallel)
        points = part_sweep(args, mixture)
        write_json(results / f"goerttler_rate_sweep{args.tag}.json", {"sweep": points, "seeds": args.sweep_seeds})
        return 0
    config, rows, summary, models0 = part_table(args, mixture)
    from scripts.learned_prior_plot import plot_learned_prior

    islands = plot_learned_prior(list(models0.values()), list(models0),
                                 results / f"goerttler_learned_prior{args.tag}.png")
    points = [] if args.skip_sweep else part_sweep(args, mixture)
    result = {"paper": PAPER, "config": config, "seeds": args.seeds, "n_eval": args.n_eval, "summary": summary,
              "runs": rows, "learned_prior_seed0": islands, "sweep": points, "sweep_seeds": args.sweep_seeds}
    write_json(results / f"goerttler_ring_emd{args.tag}.json", result)
    if points:
        plot_sweep(points, summary["constant"]["emd"]["mean"], summary["floor"]["emd"]["mean"],
                   results / f"goerttler_rate_sweep{args.tag}.png", config["loss"])
    text = markdown(args, config, summary, points, argv)
    text += "\nLearned prior of the seed-0 models (`goerttler_learned_prior.png`): " + "; ".join(
        f"{s['model']}: {s['islands']} islands, {s['modes_from_mask']} modes from the mask" for s in islands) + "\n"
    write_text(results / f"goerttler_ring_emd{args.tag}.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
