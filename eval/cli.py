"""What the evaluation command lines share: arguments, loading a checkpoint, errors and output.

``python -m eval.missing_modes``, ``python -m eval.inception_score`` and ``python -m eval.mode_score``
are thin layers over this module:

* the common arguments (:func:`add_checkpoint`, :func:`add_seed`, :func:`add_json`, :func:`add_plot`)
  and, for the sample-scoring CLIs, :func:`sample_parser` (``--samples FILE`` or ``--checkpoint``, the
  classifier, ``--json``);
* every input is checked before any work starts (:func:`check_count`, :func:`check_writable`,
  :func:`check_data`); user errors (a bad flag value, a missing or corrupt checkpoint, samples of the
  wrong shape or range, a data set that cannot be read) raise :class:`CLIError` (or
  :class:`eval.samples.SampleError`, :class:`zoo.data.DataError`); :func:`report_errors` turns them into
  one line ``PROG: error: MESSAGE`` on stderr and exit status 2, never a traceback; argparse's own
  errors are one line too (:class:`Parser`);
* :func:`load_checkpoint` says on stderr which checkpoint it loaded and how it was verified
  (``loaded registry entry gan_ring8 (sha256 verified ...)`` or ``loaded unregistered checkpoint folder
  X (its own SHA256SUMS only)``);
* :func:`emit` prints a result as JSON (``--json``) or as text.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from eval.samples import SampleError

__all__ = [
    "DEFAULT_SCORE_SAMPLES", "MAX_SAMPLES", "CLIError", "Parser", "add_checkpoint", "add_json", "add_plot",
    "add_seed", "check_count", "check_data", "check_sample_args", "check_seed", "check_writable", "count", "emit",
    "load_checkpoint", "obtain_samples", "report_errors", "run_sample_cli", "sample_parser", "scorer_for"
]

# Samples drawn with ``--checkpoint`` by the score CLIs, and the largest count a command line accepts
# (eval.defaults, where every default of the protocol lives).
from eval.defaults import MAX_SAMPLES  # noqa: E402
from eval.defaults import SCORE_SAMPLES as DEFAULT_SCORE_SAMPLES  # noqa: E402


class CLIError(Exception):
    """A user error: reported as one line on stderr with exit status 2."""


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors are one line (``PROG: error: ...``, exit status 2), with
    ``--verbose`` (TensorFlow's start-up lines and Keras' warnings, hidden by default: ``zoo.quiet``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read by zoo.quiet before TensorFlow starts; declared here so that every command accepts it.
        self.add_argument("--verbose", action="store_true",
                          help="show TensorFlow's start-up lines and Keras' warnings (hidden by default)")

    def error(self, message):
        """Print one line and exit with status 2 (argparse prints the whole usage first)."""
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def count(text: str) -> int:
    """argparse type of a count: an integer, also written ``1e6`` or ``10_000``."""
    try:
        return int(text.replace("_", ""))
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not math.isfinite(value) or value != int(value):
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}")
    return int(value)


# ------------------------------------------------------------------------------------- arguments
def add_checkpoint(parser, *, required: bool = False,
                   help: str = "zoo model name (see zoo.list()) or checkpoint folder") -> None:
    """``--checkpoint NAME_OR_DIR`` on ``parser`` (or on a mutually exclusive group)."""
    parser.add_argument("--checkpoint", required=required, help=help)


def add_seed(parser, help: str = "sampling seed (default 0)") -> None:
    """``--seed N`` (default 0)."""
    parser.add_argument("--seed", type=int, default=0, help=help)


def add_json(parser, help: str = "print JSON instead of text") -> None:
    """``--json``: print the result as JSON."""
    parser.add_argument("--json", action="store_true", help=help)


def add_plot(parser, help: str = "write a PNG of the samples") -> None:
    """``--plot FILE``: write a figure."""
    parser.add_argument("--plot", metavar="FILE", help=help)


# ---------------------------------------------------------------------------------------- checks
def check_count(flag: str, value: int | None, maximum: int = MAX_SAMPLES) -> None:
    """Raise :class:`CLIError` unless ``value`` (when given) is an integer in [1, ``maximum``]."""
    if value is None:
        return
    if value < 1:
        raise CLIError(f"{flag} must be positive, got {value}")
    if value > maximum:
        raise CLIError(f"{flag} must be at most {maximum:,}, got {value:,}")


def check_seed(value: int) -> None:
    """Raise :class:`CLIError` unless ``value`` is a seed in [0, 2^31)."""
    if not 0 <= value < 2**31:
        raise CLIError(f"--seed must be in [0, 2^31), got {value}")


def check_writable(path, flag: str = "--plot") -> None:
    """Raise :class:`CLIError` unless file ``path`` can be written (checked by creating it, so it holds
    for root and read-only file systems alike; a file created here is removed again)."""
    p = Path(path)
    if p.is_dir():
        raise CLIError(f"{flag} {str(p)!r} is a folder; give a file name")
    existed = p.exists()
    try:
        with open(p, "ab"):
            pass
    except OSError as err:
        raise CLIError(f"{flag} {str(p)!r} cannot be written: {err.strerror or err}") from None
    if not existed:
        p.unlink(missing_ok=True)


def check_data(dataset: str | None) -> None:
    """Raise :class:`CLIError` when the real data an evaluation of ``dataset`` reads cannot be loaded
    (image data sets; stacked MNIST is built from MNIST). Mixtures need nothing."""
    from zoo import data

    if not dataset or data.is_mixture(dataset):
        return
    source = "mnist" if dataset == "stacked_mnist" else dataset
    try:
        data.load_images(source, "train")
    except data.DataError as err:
        raise CLIError(" ".join(str(err).split())) from None


# ----------------------------------------------------------------------------- errors and output
def load_checkpoint(name: str, quiet: bool = False):
    """``zoo.load(name)``, saying on stderr which checkpoint was loaded and how it was verified (see
    :func:`zoo.locate`); any failure (unknown name, missing files, checksum ...) is a :class:`CLIError`.

    The model carries the :class:`zoo.Source` as ``model.zoo_source``.
    """
    import zoo

    try:
        model, source = zoo.load(name, with_source=True)
    except Exception as err:  # noqa: BLE001 - unknown name, missing files, checksum failure, bad config
        raise CLIError(f"cannot load checkpoint {name!r}: {err}") from None
    object.__setattr__(model, "zoo_source", source)  # a plain attribute Keras does not track
    if not quiet:
        print(f"loaded {source.describe()}", file=sys.stderr, flush=True)
    return model


def report_errors(prog: str, body: Callable[[], int]) -> int:
    """Run ``body()`` and return its exit status; a user error prints one stderr line and returns 2."""
    from eval.api import EvaluationError
    from zoo.checkpoint import CheckpointError
    from zoo.data import DataError

    try:
        return body()
    except (CLIError, SampleError, DataError, CheckpointError, EvaluationError) as err:
        print(f"{prog}: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2


def emit(result: dict, text: str, as_json: bool, indent: int | None = None) -> None:
    """Print ``result`` as JSON (non-JSON numbers such as numpy scalars as floats) or ``text``."""
    print(json.dumps(result, indent=indent, default=float) if as_json else text)


# ---------------------------------------------------------------------------- sample-scoring CLIs
def sample_parser(prog: str, description: str, classifiers=("mnist", "inception")) -> argparse.ArgumentParser:
    """Arguments of the sample-scoring CLIs (sample source, classifier, output format)."""
    parser = Parser(prog=prog, description=description)
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--samples", help=".npy or .npz file of samples in [-1, 1] ([N, H, W, C])")
    add_checkpoint(src, help="zoo model name or checkpoint directory (sampled with zoo.load)")
    parser.add_argument("--key", help="array name inside an .npz (default: 'samples' or its only array)")
    parser.add_argument("--num", type=count, default=DEFAULT_SCORE_SAMPLES,
                        help=f"samples to draw with --checkpoint (default {DEFAULT_SCORE_SAMPLES}, "
                        f"at most {MAX_SAMPLES:,})")
    add_seed(parser, help="sampling seed with --checkpoint")
    parser.add_argument("--classifier", choices=classifiers, default=classifiers[0])
    parser.add_argument("--classifier-dir",
                        help="another MNIST classifier checkpoint (default: the shipped, hash-pinned "
                        "checkpoints/mnist_classifier); one whose files differ from the pinned ones also "
                        "needs --unpinned-classifier")
    parser.add_argument("--unpinned-classifier", action="store_true",
                        help="accept a --classifier-dir that is not the pinned classifier; the report then "
                        "shows its sha256")
    parser.add_argument("--weights", help="InceptionV3 ImageNet weights file (default: Keras' cache)")
    add_json(parser, help="print one JSON object instead of text")
    return parser


def check_sample_args(args) -> None:
    """Checks of the shared sample-CLI flags that need no data: counts, seed, classifier choice."""
    if args.checkpoint is not None:
        check_count("--num", args.num)
    check_seed(args.seed)
    if args.classifier_dir is not None:
        if args.classifier != "mnist":
            raise CLIError("--classifier-dir is for --classifier mnist")
        from eval.classifier import is_pinned

        if not Path(args.classifier_dir).is_dir():
            raise CLIError(f"--classifier-dir {args.classifier_dir!r} is not a folder")
        if not is_pinned(args.classifier_dir) and not args.unpinned_classifier:
            raise CLIError(f"--classifier-dir {args.classifier_dir!r} is not the pinned MNIST classifier "
                           f"(eval/classifier.py PINNED_SHA256); add --unpinned-classifier to score with it "
                           f"anyway (the report then shows its sha256)")
    elif args.unpinned_classifier:
        raise CLIError("--unpinned-classifier needs --classifier-dir")


def obtain_samples(args) -> tuple[np.ndarray, str]:
    """The raw sample array and a description of where it came from (file or checkpoint)."""
    from eval.samples import load_samples

    if args.samples:
        return load_samples(args.samples, args.key), args.samples
    check_count("--num", args.num)
    model = load_checkpoint(args.checkpoint)
    samples = np.asarray(model.sample(args.num, seed=args.seed))
    return samples, f"{model.zoo_source.describe()} (num={args.num}, seed={args.seed})"


def scorer_for(samples, args) -> tuple[np.ndarray, str | None, object, str]:
    """Checked samples -> ``(images, reference, scorer, classifier name)`` for :func:`eval.evaluate`.

    The reference is the data set for the MNIST classifier (``mnist`` or ``stacked_mnist``, from the
    channel count) and None for the Inception network (any images). The MNIST classifier is the pinned
    one unless ``--classifier-dir`` names another (then its name carries the sha256 of its weights).
    """
    from eval.classifier import ChecksumError, classifier_sha256, is_pinned, load_classifier, mnist_scorer
    from eval.samples import check_images, infer_dataset

    if args.classifier == "inception":
        from eval.inception import InceptionScorer

        x = check_images(samples, "any", min_n=2)
        try:
            scorer = InceptionScorer(args.weights)
        except (FileNotFoundError, ValueError) as err:
            raise CLIError(str(err)) from None
        return x, None, scorer, scorer.name
    x = check_images(samples, None, min_n=2)
    dataset = infer_dataset(x)
    try:
        scorer = mnist_scorer(load_classifier(args.classifier_dir))
    except ChecksumError as err:
        raise CLIError(str(err)) from None
    name = scorer.name
    if args.classifier_dir is not None and not is_pinned(args.classifier_dir):
        name = f"{name} UNPINNED {args.classifier_dir} sha256 {classifier_sha256(args.classifier_dir)}"
    return x, dataset, scorer, name


def run_sample_cli(argv, prog: str, description: str, metric: str, text, classifiers=("mnist", "inception"),
                   extra_args=None, check=None, needs_data: bool = False) -> int:
    """Driver of a sample-scoring CLI, a thin layer over :func:`eval.evaluate`: parse, check every input,
    obtain and check samples, score ``metric``, print.

    ``text(result, args)`` renders the metric's line; ``extra_args(parser)`` adds the CLI's own flags;
    ``check(args, n)`` validates them (``n``: the number of samples, None before it is known; called once
    before any work and again once the samples are known). ``needs_data``: the score reads the real
    training data (checked before scoring). Prints the text (with classifier, data set and source) or one
    JSON object.
    """
    parser = sample_parser(prog, description, classifiers)
    if extra_args:
        extra_args(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        from eval.api import evaluate

        check_sample_args(args)
        if check:
            check(args, args.num if args.checkpoint is not None else None)
        samples, source = obtain_samples(args)
        if check:
            check(args, len(samples) if np.ndim(samples) else None)
        if needs_data and args.classifier == "mnist":
            from eval.samples import infer_dataset

            check_data(infer_dataset(samples))
        x, reference, scorer, name = scorer_for(samples, args)
        options = {"splits": args.splits} if hasattr(args, "splits") else {}
        scored = evaluate(x, reference, [metric], classifier=scorer, **options)
        dataset = reference or "images"
        result = {"source": source, "dataset": dataset, "classifier": name, metric: scored[metric],
                  **({"n": scored["n"]} if metric != "inception_score" else {})}
        emit(result, f"{text(scored, args)}  [{name}, {dataset}, {source}]", args.json)
        return 0

    return report_errors(prog, body)
