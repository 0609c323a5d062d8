"""Count the modes a generator captures, from a checkpoint or from saved samples.

    python -m eval.missing_modes --checkpoint NAME_OR_DIR
    python -m eval.missing_modes --samples x.npy --mixture spec.json     # any generator's samples
    python -m eval.missing_modes --samples x.npy --dataset mnist

Picks the metrics that fit the data (the same :func:`eval.evaluate` the library offers):

* mixtures (ring8, grid25, grid25_aniso, cube27, or your own from a spec): modes captured, % high-quality
  samples (within 3 std), reverse KL and JSD of the HQ histogram against the true weights, EMD to a fresh
  data sample and the EMD floor between two real samples of the same size
  (docs/evaluation.md#mixture-benchmarks, docs/evaluation.md#emd), mean ± std over runs;
* vectors of an array data set (``--data``): the EMD and its floor;
* MNIST and stacked MNIST: the image report (digits covered, class KL, Inception and MODE scores, FID,
  third-party discriminator counts; docs/evaluation.md#fid-and-feature-metrics).

A checkpoint is sampled ``--runs`` times (seeds ``--seed``, ``--seed`` + 1, ...); a samples file is split
into ``--runs`` equal chunks standing for those seeds, so the file ``--save-samples`` writes gives the
checkpoint's report exactly. Prints a table, or JSON with ``--json``; ``--plot FILE`` draws the samples
over the true modes (or a grid of images).
"""
from __future__ import annotations

import argparse
import math
import sys

from eval import cli
from eval import defaults as protocol

__all__ = ["evaluate", "format_table", "main"]


def evaluate(model, samples: int | None = None, seed: int = 0, runs: int = protocol.MIXTURE_RUNS,
             third_party: bool | dict = True) -> dict:
    """Metrics for a loaded zoo model on its own dataset (``runs`` sampling seeds from ``seed``).

    ``samples`` defaults to 2,500 per run for the mixtures and to the protocol size for images (see
    :data:`eval.defaults.IMAGE_SAMPLES`). Image models are scored once (``runs`` is for vectors);
    ``third_party`` adds the third-party-discriminator counts there (True, False or keyword arguments of
    :func:`eval.third_party.third_party_missing_modes`).
    """
    from eval.api import evaluate as evaluate_any
    from zoo import data

    if model.dataset and len(data.data_shape(model.dataset)) == 1:
        return evaluate_any(model, model.dataset, num=samples, runs=runs, seed=seed)
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


MAX_MIXTURE_SAMPLES = protocol.MAX_MIXTURE_SAMPLES
MAX_IMAGE_SAMPLES = protocol.MAX_SAMPLES
MAX_RUNS = protocol.MAX_RUNS
MAX_THIRD_PARTY_STEPS = 1_000_000


def _samples_arg(text: str):
    """``--samples``: a samples file, or (the older meaning, still accepted) a count per run."""
    try:
        return cli.count(text)
    except argparse.ArgumentTypeError:
        return text


def main(argv=None) -> int:
    """Entry point; returns the exit code (2 for a bad argument, checkpoint or samples file)."""
    p = cli.Parser(prog="python -m eval.missing_modes", description=__doc__,
                   formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_checkpoint(p)
    p.add_argument("--samples", type=_samples_arg, metavar="FILE",
                      help="a .npy/.npz of samples from any generator (vectors [N, D], images [N, H, W, C] in "
                      "[-1, 1]); needs --mixture, --dataset or --data to say what they are measured against")
    ref = p.add_argument_group("reference for --samples (a checkpoint brings its own)")
    ref.add_argument("--mixture", metavar="SPEC", help="a mixture spec (JSON/YAML: means, std or covs, weights)")
    ref.add_argument("--dataset", help="a data set name: ring8, grid25, grid25_aniso, cube27, mnist, "
                     "stacked_mnist, ...")
    ref.add_argument("--data", metavar="FILE", help="a .npy/.npz of real vectors (EMD and its floor)")
    p.add_argument("--key", help="array name inside an .npz given to --samples")
    p.add_argument("--num", type=cli.count, help="samples per run drawn from a checkpoint (default: 2500 on "
                   "vectors, as in VEEGAN; 10,000 for MNIST and 26,000 for stacked MNIST; at most "
                   f"{MAX_MIXTURE_SAMPLES:,} on vectors, {MAX_IMAGE_SAMPLES:,} on images)")
    cli.add_seed(p, help="first sampling seed (default 0); it also seeds the real reference draws")
    p.add_argument("--runs", type=cli.count, help=f"sampling runs on vectors, mean ± std reported (default "
                   f"{protocol.MIXTURE_RUNS} for a checkpoint, 1 for a samples file; at most {MAX_RUNS})")
    p.add_argument("--save-samples", metavar="FILE", help="with --checkpoint: also write the evaluated samples "
                   "(.npy; all runs, in order), which evaluate to this very report with --samples")
    p.add_argument("--metrics", nargs="+", metavar="NAME", help="only these metrics (eval.api.METRICS: on "
                   "mixtures modes hq_fraction kl jsd jsd_canonical emd; on MNIST / stacked MNIST digits "
                   "inception_score mode_score fid kid prdc modes third_party); e.g. --metrics modes is the "
                   "stacked-MNIST mode count and KL alone, the classifier only")
    p.add_argument("--no-third-party", action="store_true", help="images: skip the third-party discriminator")
    p.add_argument("--third-party-steps", type=cli.count, default=protocol.THIRD_PARTY_STEPS,
                   help="images: training steps of each third-party discriminator (default "
                   f"{protocol.THIRD_PARTY_STEPS}, validated: docs/evaluation.md#third-party-discriminator)")
    p.add_argument("--sigmas", type=float, nargs="+", default=list(protocol.THIRD_PARTY_SIGMAS),
                   help="images: input-noise std of the third-party discriminators on [-1, 1] images (default "
                   f"{' '.join(map(str, protocol.THIRD_PARTY_SIGMAS))}, validated; Che et al.'s: 3.5 4.0)")
    cli.add_json(p, help="print JSON instead of a table")
    cli.add_plot(p, help="write a PNG of the samples over the true modes (a grid of images for image data)")
    args = p.parse_args(argv)
    if isinstance(args.samples, int):  # ``--checkpoint X --samples N``: the count it used to mean
        if args.checkpoint is None or args.num is not None:
            p.error(f"--samples takes a samples file; for a count of samples per run use --num {args.samples}")
        args.num, args.samples = args.samples, None
    if (args.checkpoint is None) == (args.samples is None):
        p.error("give either --checkpoint NAME_OR_DIR or --samples FILE")
    return cli.report_errors(p.prog, lambda: _run(args))


def _check_args(args) -> None:
    """Every flag that needs no checkpoint, checked before anything is loaded or written."""
    if args.third_party_steps < 1 or min(args.num or 1, args.runs or 1) < 1:
        raise cli.CLIError("--num, --runs and --third-party-steps must be positive")
    cli.check_count("--num", args.num, MAX_IMAGE_SAMPLES)
    cli.check_count("--runs", args.runs, MAX_RUNS)
    cli.check_count("--third-party-steps", args.third_party_steps, MAX_THIRD_PARTY_STEPS)
    if not all(math.isfinite(s) for s in args.sigmas):
        raise cli.CLIError(f"--sigmas must be finite numbers, got {' '.join(map(str, args.sigmas))}")
    if any(s <= 0 for s in args.sigmas):
        raise cli.CLIError("--sigmas must be positive")
    cli.check_seed(args.seed)
    references = [f for f, v in (("--mixture", args.mixture), ("--dataset", args.dataset), ("--data", args.data)) if v]
    if args.checkpoint is not None and references:
        raise cli.CLIError(f"{references[0]} is for --samples; a checkpoint is measured against its own data set")
    if args.samples is not None:
        if len(references) != 1:
            raise cli.CLIError("--samples needs exactly one of --mixture, --dataset or --data (what the samples "
                               "are measured against)")
        if args.num is not None:
            raise cli.CLIError("--num is for --checkpoint; a samples file is used whole")
        if args.save_samples:
            raise cli.CLIError("--save-samples is for --checkpoint")
    if args.key and args.samples is None:
        raise cli.CLIError("--key is for --samples")
    for flag, path in (("--plot", args.plot), ("--save-samples", args.save_samples)):
        if path:
            cli.check_writable(path, flag)
    if args.save_samples and not str(args.save_samples).endswith(".npy"):
        raise cli.CLIError("--save-samples must name a .npy file")


def _check_for_model(args, model) -> None:
    """Checks that need the loaded checkpoint: the sample bound of its data, its real data, the classifier."""
    from zoo import data

    if len(data.data_shape(model.dataset)) == 1:
        cli.check_count("--num", args.num, MAX_MIXTURE_SAMPLES)
        return
    if args.runs is not None:  # silently scoring once would report a single run as if it were several
        raise cli.CLIError(f"--runs is for vector data; {model.dataset} checkpoints are scored once on --num "
                           f"samples of --seed (run again with another --seed for more sampling seeds)")
    _check_digits(model.dataset)


def _check_digits(dataset: str) -> None:
    from eval.samples import DATASETS

    if dataset in DATASETS:  # scored against real digits with the pinned MNIST classifier
        cli.check_data(dataset)
        from eval.classifier import ChecksumError, load_classifier

        try:
            load_classifier()
        except ChecksumError as err:
            raise cli.CLIError(str(err)) from None


class _Recorder:
    """Samples a model and keeps what it drew, in order (``--save-samples``)."""

    def __init__(self, model):
        self.model, self.drawn = model, []
        self.dataset = model.dataset

    def sample(self, n, seed=None):
        """Draw from the model and remember the draw."""
        import numpy as np

        x = np.asarray(self.model.sample(n, seed=seed))
        self.drawn.append(x)
        return x


def _save_samples(path, arrays) -> None:
    """Write the drawn samples atomically (temporary file + rename)."""
    import os
    import tempfile
    from pathlib import Path

    import numpy as np

    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy")
    os.close(fd)
    try:
        np.save(tmp, np.concatenate(arrays))
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _run(args) -> int:
    _check_args(args)
    from eval.api import evaluate as evaluate_any
    from zoo import data

    third_party = False if args.no_third_party else {"steps": args.third_party_steps, "sigmas": tuple(args.sigmas)}
    if args.checkpoint is not None:
        model = cli.load_checkpoint(args.checkpoint)
        _check_for_model(args, model)
        source = _Recorder(model) if args.save_samples else model
        if args.metrics:  # a chosen subset, straight through the one API
            vectors = len(data.data_shape(model.dataset)) == 1
            result = evaluate_any(source, model.dataset, args.metrics, num=args.num, seed=args.seed,
                                  runs=args.runs if vectors else None, third_party=third_party or None)
        else:
            result = evaluate(source, args.num, args.seed, args.runs or protocol.MIXTURE_RUNS, third_party=third_party)
        result["checkpoint"] = model.zoo_source.describe()
        if args.save_samples:
            _save_samples(args.save_samples, source.drawn)
        dataset, title = model.dataset, str(args.checkpoint)
        plot_samples = (lambda n: model.sample(n, seed=args.seed))
    else:
        from eval.samples import load_samples

        reference = args.mixture or args.data or args.dataset
        samples = load_samples(args.samples, args.key)
        ref = _reference(reference)
        dataset = ref.name
        if ref.kind == "digits":
            _check_digits(dataset)
        metrics = args.metrics
        if metrics is None and ref.kind == "digits" and third_party:
            from eval.api import digit_metrics

            metrics = digit_metrics(dataset, third_party=True)
        result = evaluate_any(samples, ref, metrics, runs=args.runs, seed=args.seed,
                              third_party=third_party or None)
        result["samples"] = str(args.samples)
        title = str(args.samples)
        plot_samples = (lambda n: samples[:n])
    if args.plot:
        from eval import plots

        if data.is_mixture(dataset):
            plots.plot_mixture(plot_samples(args.num or protocol.MIXTURE_SAMPLES), data.mixture(dataset),
                               args.plot, title=title)
        elif len(data.data_shape(dataset)) == 1:
            plots.plot_vectors(plot_samples(args.num or protocol.MIXTURE_SAMPLES),
                               data.real_sample(dataset, args.num or protocol.MIXTURE_SAMPLES, args.seed),
                               args.plot, title=title)
        else:
            plots.plot_image_grid(plot_samples(100), args.plot, title=title)
    cli.emit(result, format_table(result), args.json, indent=2)
    return 0


def _reference(reference):
    from eval.api import EvaluationError, resolve_reference

    try:
        return resolve_reference(reference)
    except EvaluationError as err:
        raise cli.CLIError(str(err)) from None


if __name__ == "__main__":
    sys.exit(main())
