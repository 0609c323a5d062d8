"""CLI: Inception score of generated samples (Salimans et al. 2016; PROTOCOLS §4, §7 item 11).

    python -m eval.inception_score --samples FILE.npy|.npz [--classifier mnist|inception] [--json]
    python -m eval.inception_score --checkpoint NAME_OR_DIR [--num 50000] [--seed 0] [--json]

Samples are generator outputs in [-1, 1], ``[N, H, W, C]``. With ``--classifier mnist`` (default) they
must be MNIST ``[N,28,28,1]`` or stacked MNIST ``[N,28,28,3]`` (classified per channel; the joint
1000-class distribution is scored); ``--classifier inception`` uses Keras' InceptionV3 with local
ImageNet weights (``--weights`` or Keras' cache). 10 splits, natural log, mean ± std over splits.

Bad input (missing file, wrong shape or range, missing classifier) prints one error line on stderr and
exits with status 2. This module also holds the argument handling shared with ``eval.mode_score``.
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np

__all__ = ["CLIError", "base_parser", "obtain_samples", "scored_probs", "run", "main"]


class CLIError(Exception):
    """A user error: reported as one line on stderr with exit status 2."""


def base_parser(prog: str, description: str, classifiers=("mnist", "inception")) -> argparse.ArgumentParser:
    """Arguments common to the sample-scoring CLIs (sample source, classifier, output format)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--samples", help=".npy or .npz file of samples in [-1, 1] ([N, H, W, C])")
    src.add_argument("--checkpoint", help="zoo model name or checkpoint directory (sampled with zoo.load)")
    parser.add_argument("--key", help="array name inside an .npz (default: 'samples' or its only array)")
    parser.add_argument("--num", type=int, default=50_000,
                        help="samples to draw with --checkpoint (default 50000, PROTOCOLS §7 item 6)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed with --checkpoint")
    parser.add_argument("--classifier", choices=classifiers, default=classifiers[0])
    parser.add_argument("--classifier-dir",
                        help="MNIST classifier checkpoint (default checkpoints/mnist_classifier)")
    parser.add_argument("--weights", help="InceptionV3 ImageNet weights file (default: Keras' cache)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return parser


def obtain_samples(args) -> tuple[np.ndarray, str]:
    """The raw sample array and a description of where it came from (file or checkpoint)."""
    from eval.images import load_samples

    if args.samples:
        return load_samples(args.samples, args.key), args.samples
    try:
        import zoo

        load = zoo.load
    except (ImportError, AttributeError):
        raise CLIError("--checkpoint needs zoo.load, which this checkout does not provide; "
                       "save samples to a .npy file and pass --samples") from None
    if args.num < 1:
        raise CLIError(f"--num must be positive, got {args.num}")
    try:
        model = load(args.checkpoint)
    except Exception as err:  # unknown name, missing files, checksum failure ...
        raise CLIError(f"cannot load checkpoint {args.checkpoint!r}: {err}") from None
    samples = np.asarray(model.sample(args.num, seed=args.seed))
    return samples, f"{args.checkpoint} (num={args.num}, seed={args.seed})"


def scored_probs(samples, args) -> tuple[np.ndarray, str, str]:
    """Checked samples -> ``(class probabilities, data set, classifier name)`` for the chosen classifier."""
    from eval.classifier import ChecksumError, load_classifier, mnist_scorer
    from eval.images import check_images, classify, infer_dataset

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


def run(argv, prog: str, description: str, compute, classifiers=("mnist", "inception"), extra_args=None) -> int:
    """Shared driver: parse, obtain and check samples, ``compute(probs, dataset, args) -> (dict, text)``,
    print text or JSON; user errors become one stderr line and exit status 2."""
    from eval.images import SampleError

    parser = base_parser(prog, description, classifiers)
    if extra_args:
        extra_args(parser)
    args = parser.parse_args(argv)
    try:
        samples, source = obtain_samples(args)
        probs, dataset, name = scored_probs(samples, args)
        result, text = compute(probs, dataset, args)
    except (CLIError, SampleError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    result = {"source": source, "dataset": dataset, "classifier": name, **result}
    print(json.dumps(result) if args.json else f"{text}  [{name}, {dataset}, {source}]")
    return 0


def _inception(probs, dataset, args):
    from eval.scores import inception_score

    splits = min(args.splits, len(probs))
    mean, std = inception_score(probs, splits=splits)
    result = {"inception_score": {"mean": mean, "std": std, "n": len(probs), "splits": splits}}
    return result, f"Inception score: {mean:.4f} ± {std:.4f} (N={len(probs)}, {splits} splits)"


def main(argv=None) -> int:
    """Entry point of ``python -m eval.inception_score``."""
    return run(argv, "python -m eval.inception_score", __doc__.splitlines()[0], _inception,
               extra_args=lambda p: p.add_argument("--splits", type=int, default=10,
                                                   help="number of splits (default 10, as the reference code)"))


if __name__ == "__main__":
    sys.exit(main())
