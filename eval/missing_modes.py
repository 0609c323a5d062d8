"""Count the modes a generator captures: ``python -m eval.missing_modes --checkpoint NAME_OR_DIR``.

Picks the metrics that fit the checkpoint's dataset:

* mixtures (ring8, grid25, grid25_aniso, cube27): modes captured, % high-quality samples (within 3 std),
  reverse KL and JSD of the HQ histogram against the true weights, EMD to a fresh data sample and the
  EMD floor between two real samples of the same size (docs/evaluation.md#mixture-benchmarks,
  docs/evaluation.md#emd), mean ± std over seeds;
* image data sets: the checkpoint report of ``eval.image_report`` (digits covered, class KL, Inception
  and MODE scores, FID, third-party discriminator counts; docs/evaluation.md#fid-and-feature-metrics).

Prints a table, or JSON with ``--json``; ``--plot FILE`` draws the samples over the true modes (or a
grid of images).
"""
from __future__ import annotations

import argparse
import math
import sys

from eval import cli
from eval import third_party as third_party_defaults

__all__ = ["evaluate", "format_table", "main"]


def evaluate(model, samples: int | None = None, seed: int = 0, runs: int = 5, third_party: bool | dict = True) -> dict:
    """Metrics for a loaded zoo model on its own dataset (``runs`` sampling seeds from ``seed``).

    ``samples`` defaults to 2,500 per run for the mixtures and to the protocol size for images (see
    :data:`eval.image_report.DEFAULT_NUM_SAMPLES`). Image models are scored once (``runs`` is for the
    mixtures); ``third_party`` adds the third-party-discriminator counts there (True, False or keyword
    arguments of :func:`eval.third_party.third_party_missing_modes`).
    """
    from zoo import data

    if model.dataset and data.is_mixture(model.dataset):
        from eval.mixture import evaluate_mixture

        return evaluate_mixture(model.sample, data.mixture(model.dataset), n=samples or 2500,
                                seeds=tuple(range(seed, seed + runs)))
    from eval.image_report import evaluate_checkpoint_images

    return evaluate_checkpoint_images(model, model.dataset, num_samples=samples, seed=seed, third_party=third_party)


def format_table(result: dict) -> str:
    """Readable table of a result's summary (mean ± std over runs)."""
    summary = result.get("summary", {})
    lines = [(f"dataset: {result.get('dataset')}   samples per run: {result.get('n')}   "
              f"runs: {len(result.get('seeds', [])) or 1}")]
    labels = {"modes": "modes captured", "hq_fraction": "high-quality samples", "kl": "reverse KL (HQ histogram)",
              "jsd": "JSD (HQ histogram)", "jsd_canonical": "JSD (canonical units)",
              "emd": "EMD to data", "emd_floor": "EMD floor (real vs real)"}
    for key, label in labels.items():
        if key in summary:
            s = summary[key]
            if key == "modes":
                lines.append(f"  {label:<28} {s['mean']:.2f} ± {s['std']:.2f} / {result['runs'][0]['num_modes']}")
            elif key == "hq_fraction":
                lines.append(f"  {label:<28} {100 * s['mean']:.1f} ± {100 * s['std']:.1f} %")
            else:
                lines.append(f"  {label:<28} {s['mean']:.4f} ± {s['std']:.4f}")
    for key, value in result.get("scalars", {}).items():
        lines.append(f"  {key:<28} {value}")
    return "\n".join(lines)


#: Largest --samples per run on a mixture: the exact EMD builds an N × N cost matrix (10^4: 0.8 GB, ~40 s).
MAX_MIXTURE_SAMPLES = 10_000
#: Largest --samples on image data (10^6 MNIST samples are 3.1 GB of float32).
MAX_IMAGE_SAMPLES = cli.MAX_SAMPLES
MAX_RUNS = 100
MAX_THIRD_PARTY_STEPS = 1_000_000


def main(argv=None) -> int:
    """Entry point; returns the exit code (2 for a bad argument or checkpoint)."""
    p = cli.Parser(prog="python -m eval.missing_modes", description=__doc__,
                   formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_checkpoint(p, required=True)
    p.add_argument("--samples", type=cli.count, help="samples per run (default: 2500 for mixtures, as in VEEGAN; "
                   f"10,000 for MNIST and 26,000 for stacked MNIST; at most {MAX_MIXTURE_SAMPLES:,} on mixtures, "
                   f"{MAX_IMAGE_SAMPLES:,} on images)")
    cli.add_seed(p, help="first sampling seed (default 0)")
    p.add_argument("--runs", type=cli.count, default=5,
                   help=f"sampling runs, mean ± std reported (default 5, at most {MAX_RUNS})")
    p.add_argument("--no-third-party", action="store_true", help="images: skip the third-party discriminator")
    p.add_argument("--third-party-steps", type=cli.count, default=third_party_defaults.DEFAULT_STEPS,
                   help="images: training steps of each third-party discriminator (default "
                   f"{third_party_defaults.DEFAULT_STEPS}, validated: docs/evaluation.md#third-party-discriminator)")
    p.add_argument("--sigmas", type=float, nargs="+", default=list(third_party_defaults.DEFAULT_SIGMAS),
                   help="images: input-noise std of the third-party discriminators on [-1, 1] images (default "
                   f"{' '.join(map(str, third_party_defaults.DEFAULT_SIGMAS))}, validated; Che et al.'s: 3.5 4.0)")
    cli.add_json(p, help="print JSON instead of a table")
    cli.add_plot(p, help="write a PNG of the samples over the true modes (a grid of images for image data)")
    args = p.parse_args(argv)
    return cli.report_errors(p.prog, lambda: _run(args))


def _check_args(args) -> None:
    """Every flag that needs no checkpoint, checked before anything is loaded or written."""
    if (args.samples is not None and args.samples < 1) or args.runs < 1 or args.third_party_steps < 1:
        raise cli.CLIError("--samples, --runs and --third-party-steps must be positive")
    cli.check_count("--samples", args.samples, MAX_IMAGE_SAMPLES)
    cli.check_count("--runs", args.runs, MAX_RUNS)
    cli.check_count("--third-party-steps", args.third_party_steps, MAX_THIRD_PARTY_STEPS)
    if not all(math.isfinite(s) for s in args.sigmas):
        raise cli.CLIError(f"--sigmas must be finite numbers, got {' '.join(map(str, args.sigmas))}")
    if any(s <= 0 for s in args.sigmas):
        raise cli.CLIError("--sigmas must be positive")
    cli.check_seed(args.seed)
    if args.plot:
        cli.check_writable(args.plot, "--plot")


def _check_for_model(args, model) -> None:
    """Checks that need the loaded checkpoint: the sample bound of its data, its real data, the classifier."""
    from zoo import data

    if data.is_mixture(model.dataset):
        cli.check_count("--samples", args.samples, MAX_MIXTURE_SAMPLES)
        return
    from eval.samples import DATASETS

    if model.dataset in DATASETS:  # scored against real digits with the pinned MNIST classifier
        cli.check_data(model.dataset)
        from eval.classifier import ChecksumError, load_classifier

        try:
            load_classifier()
        except ChecksumError as err:
            raise cli.CLIError(str(err)) from None


def _run(args) -> int:
    _check_args(args)
    from zoo import data

    model = cli.load_checkpoint(args.checkpoint)
    _check_for_model(args, model)
    samples = args.samples
    third_party = False if args.no_third_party else {"steps": args.third_party_steps, "sigmas": tuple(args.sigmas)}
    result = evaluate(model, samples, args.seed, args.runs, third_party=third_party)
    result["checkpoint"] = model.zoo_source.describe()
    if args.plot:
        from eval import plots

        if data.is_mixture(model.dataset):
            plots.plot_mixture(model.sample(samples or 2500, seed=args.seed), data.mixture(model.dataset),
                               args.plot, title=str(args.checkpoint))
        else:
            plots.plot_image_grid(model.sample(100, seed=args.seed), args.plot, title=str(args.checkpoint))
    cli.emit(result, format_table(result), args.json, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
