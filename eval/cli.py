"""What the evaluation command lines share: arguments, loading a checkpoint, errors and output.

``python -m eval.missing_modes``, ``python -m eval.inception_score`` and ``python -m eval.mode_score``
are thin layers over this module:

* the common arguments (:func:`add_checkpoint`, :func:`add_seed`, :func:`add_json`, :func:`add_plot`)
  and, for the sample-scoring CLIs, :func:`sample_parser` (``--samples FILE`` or ``--checkpoint``, the
  classifier, ``--json``);
* user errors (a bad flag value, a missing or corrupt checkpoint, samples of the wrong shape or range)
  raise :class:`CLIError` or :class:`eval.samples.SampleError`; :func:`report_errors` turns them into one
  line ``PROG: error: MESSAGE`` on stderr and exit status 2, never a traceback;
* :func:`emit` prints a result as JSON (``--json``) or as text.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import numpy as np

from eval.samples import SampleError

__all__ = [
    "DEFAULT_SCORE_SAMPLES", "CLIError", "add_checkpoint", "add_json", "add_plot", "add_seed", "emit",
    "load_checkpoint", "obtain_samples", "report_errors", "run_sample_cli", "sample_parser", "scored_probs"
]

#: Samples drawn with ``--checkpoint`` by the score CLIs (docs/evaluation.md#inception-score).
DEFAULT_SCORE_SAMPLES = 50_000


class CLIError(Exception):
    """A user error: reported as one line on stderr with exit status 2."""


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


# ----------------------------------------------------------------------------- errors and output
def load_checkpoint(name: str):
    """``zoo.load(name)``; any failure (unknown name, missing files, checksum ...) becomes a :class:`CLIError`."""
    import zoo

    try:
        return zoo.load(name)
    except Exception as err:  # noqa: BLE001 - unknown name, missing files, checksum failure, bad config
        raise CLIError(f"cannot load checkpoint {name!r}: {err}") from None


def report_errors(prog: str, body: Callable[[], int]) -> int:
    """Run ``body()`` and return its exit status; a user error prints one stderr line and returns 2."""
    try:
        return body()
    except (CLIError, SampleError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2


def emit(result: dict, text: str, as_json: bool, indent: int | None = None) -> None:
    """Print ``result`` as JSON (non-JSON numbers such as numpy scalars as floats) or ``text``."""
    print(json.dumps(result, indent=indent, default=float) if as_json else text)


# ---------------------------------------------------------------------------- sample-scoring CLIs
def sample_parser(prog: str, description: str, classifiers=("mnist", "inception")) -> argparse.ArgumentParser:
    """Arguments of the sample-scoring CLIs (sample source, classifier, output format)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--samples", help=".npy or .npz file of samples in [-1, 1] ([N, H, W, C])")
    add_checkpoint(src, help="zoo model name or checkpoint directory (sampled with zoo.load)")
    parser.add_argument("--key", help="array name inside an .npz (default: 'samples' or its only array)")
    parser.add_argument("--num", type=int, default=DEFAULT_SCORE_SAMPLES,
                        help=f"samples to draw with --checkpoint (default {DEFAULT_SCORE_SAMPLES})")
    add_seed(parser, help="sampling seed with --checkpoint")
    parser.add_argument("--classifier", choices=classifiers, default=classifiers[0])
    parser.add_argument("--classifier-dir",
                        help="MNIST classifier checkpoint (default checkpoints/mnist_classifier)")
    parser.add_argument("--weights", help="InceptionV3 ImageNet weights file (default: Keras' cache)")
    add_json(parser, help="print one JSON object instead of text")
    return parser


def obtain_samples(args) -> tuple[np.ndarray, str]:
    """The raw sample array and a description of where it came from (file or checkpoint)."""
    from eval.samples import load_samples

    if args.samples:
        return load_samples(args.samples, args.key), args.samples
    if args.num < 1:
        raise CLIError(f"--num must be positive, got {args.num}")
    samples = np.asarray(load_checkpoint(args.checkpoint).sample(args.num, seed=args.seed))
    return samples, f"{args.checkpoint} (num={args.num}, seed={args.seed})"


def scored_probs(samples, args) -> tuple[np.ndarray, str, str]:
    """Checked samples -> ``(class probabilities, data set, classifier name)`` for the chosen classifier."""
    from eval.classifier import ChecksumError, load_classifier, mnist_scorer
    from eval.digits import classify
    from eval.samples import check_images, infer_dataset

    if args.classifier == "inception":
        from eval.inception import InceptionScorer

        x = check_images(samples, "any", min_n=2)
        try:
            scorer = InceptionScorer(args.weights)
        except (FileNotFoundError, ValueError) as err:
            raise CLIError(str(err)) from None
        return scorer.probs(x), "images", scorer.name
    x = check_images(samples, None, min_n=2)
    dataset = infer_dataset(x)
    try:
        scorer = mnist_scorer(load_classifier(args.classifier_dir))
    except ChecksumError as err:
        raise CLIError(str(err)) from None
    return classify(scorer, x, dataset)["probs"], dataset, scorer.name


def run_sample_cli(argv, prog: str, description: str, compute, classifiers=("mnist", "inception"),
                   extra_args=None) -> int:
    """Driver of a sample-scoring CLI: parse, obtain and check samples, score, print.

    ``compute(probs, dataset, args) -> (result dict, text line)``; ``extra_args(parser)`` adds the CLI's
    own flags. Prints the text (with classifier, data set and source) or one JSON object.
    """
    parser = sample_parser(prog, description, classifiers)
    if extra_args:
        extra_args(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        samples, source = obtain_samples(args)
        probs, dataset, name = scored_probs(samples, args)
        result, text = compute(probs, dataset, args)
        result = {"source": source, "dataset": dataset, "classifier": name, **result}
        emit(result, f"{text}  [{name}, {dataset}, {source}]", args.json)
        return 0

    return report_errors(prog, body)
