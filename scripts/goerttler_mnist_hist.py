"""Goerttler & Kloft (2019) Fig. 6: class histograms of 2,000 classified MNIST samples.

    python -m scripts.goerttler_mnist_hist
    python -m scripts.goerttler_mnist_hist --checkpoint gan_mnist weighted_prior_mnist masked_prior_mnist \
        --seeds 0 1 2 3 4

For every checkpoint, ``--n`` samples (paper: 2,000) are drawn with each sampling seed, from the model's
own prior (the learned prior for the masked/weighted models, as in the paper) and, for the
learned-prior models, also from the constant prior; each sample is classified with the MNIST CNN of
docs/evaluation.md#mnist-classifier (``eval.classifier``, ``checkpoints/mnist_classifier``). Reported
per model (mean ± std over sampling seeds): digits covered (classes with at least one sample, and with
at least 1 % of the samples), the share of the most and least frequent digit, and KL(p ‖ uniform) of
the class histogram (natural log; 0 = perfectly fair, ln 10 = 2.30 = one digit), with 2,000 real test
digits as the floor.
The paper's result is qualitative: the constant-prior GAN "only captures the digit 1" in its MLP
setting and masking/weighting spread the samples more fairly over the digits.

Writes ``results/goerttler_mnist_hist.{json,md,png}`` (``--results-dir`` moves them). The seeds are
sampling seeds of one trained model per method (training several MNIST GANs per method is beyond our
CPU budget).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from scripts.common import RESULTS, fmt, mean_std, mnist_images, report_head, write_json, write_report


def histogram_stats(labels) -> dict:
    """Counts per digit and the fairness figures of one classified sample."""
    counts = np.bincount(np.asarray(labels), minlength=10)
    p = counts / counts.sum()
    nz = p > 0
    return {"counts": counts.tolist(), "digits_covered": int(nz.sum()), "digits_over_1pct": int((p >= 0.01).sum()),
            "max_share": float(p.max()), "min_share": float(p.min()),
            "kl_uniform": float(np.sum(p[nz] * np.log(p[nz] * 10)))}


def main(argv=None) -> int:
    """Classify samples of each checkpoint, write the histograms and the summary."""
    p = argparse.ArgumentParser(prog="python -m scripts.goerttler_mnist_hist", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines (hidden by default)")
    p.add_argument("--checkpoint", nargs="+", default=["gan_mnist", "masked_prior_mnist", "weighted_prior_mnist"])
    p.add_argument("--n", type=int, default=2000, help="samples per histogram (paper: 2000)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="sampling seeds")
    p.add_argument("--results-dir", default=str(RESULTS), help="where the result files go (default results/)")
    args = p.parse_args(argv)
    import zoo
    from eval.classifier import load_classifier, predict_probs
    from zoo.methods.goerttler_kloft import WeightedPriorGAN

    results = Path(args.results_dir)
    classifier = load_classifier()
    rows = {}
    for name in args.checkpoint:
        model = zoo.load(name)
        priors = [None] + (["constant"] if isinstance(model, WeightedPriorGAN) else [])
        for prior in priors:
            label = name + (f" ({prior} prior at generation)" if prior else "")
            kwargs = {"prior": prior} if prior else {}
            rows[label] = [histogram_stats(predict_probs(classifier, model.sample(args.n, seed=s, **kwargs))
                                           .argmax(1)) for s in args.seeds]
            print(label, [r["digits_covered"] for r in rows[label]], flush=True)
    real = mnist_images("test")[:args.n]  # the first n test digits
    rows["real test digits (floor)"] = [histogram_stats(predict_probs(classifier, real).argmax(1))]
    keys = ("digits_covered", "digits_over_1pct", "max_share", "min_share", "kl_uniform")
    summary = {k: {m: mean_std([r[m] for r in v]) for m in keys} for k, v in rows.items()}
    mean_counts = {k: np.mean([r["counts"] for r in v], 0).tolist() for k, v in rows.items()}
    write_json(results / "goerttler_mnist_hist.json", {"n": args.n, "seeds": args.seeds, "summary": summary,
                                                        "mean_counts": mean_counts, "runs": rows})

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from eval.plots import save_figure

    fig, axes = plt.subplots(1, len(rows), figsize=(3.2 * len(rows), 3), sharey=True, squeeze=False)
    for ax, (label, v) in zip(axes[0], rows.items()):
        c = np.array([r["counts"] for r in v], float)
        ax.bar(range(10), c.mean(0), yerr=c.std(0) if len(c) > 1 else None, capsize=2)
        ax.set(xticks=range(10), title=label.replace(" (", "\n("), xlabel="digit")
        ax.title.set_fontsize(8)
    axes[0, 0].set_ylabel(f"count of {args.n} samples")
    save_figure(fig, results / "goerttler_mnist_hist.png")

    lines = report_head("Goerttler & Kloft Fig. 6: class histograms of classified MNIST samples",
                        "scripts.goerttler_mnist_hist", argv) + [
             f"{args.n} samples per histogram, sampling seeds {args.seeds}, classifier "
             "`checkpoints/mnist_classifier`.", "",
             "| model | digits covered | digits ≥ 1 % | max share % | min share % | KL(p‖U) | mean counts 0–9 |",
             "|---|---|---|---|---|---|---|"]
    for label, s in summary.items():
        lines.append(f"| {label} | {fmt(s['digits_covered'], 1)} | {fmt(s['digits_over_1pct'], 1)} | "
                     f"{fmt(s['max_share'], 1, 100)} | {fmt(s['min_share'], 1, 100)} | {fmt(s['kl_uniform'], 3)} | "
                     f"{' '.join(str(int(round(c))) for c in mean_counts[label])} |")
    return write_report(lines, "goerttler_mnist_hist", "goerttler_mnist_hist.png", results)


if __name__ == "__main__":
    sys.exit(main())
