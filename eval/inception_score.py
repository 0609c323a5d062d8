"""CLI: Inception score of generated samples (Salimans et al. 2016, arXiv:1606.03498).

    python -m eval.inception_score --samples FILE.npy|.npz [--classifier mnist|inception] [--json]
    python -m eval.inception_score --checkpoint NAME_OR_DIR [--num 50000] [--seed 0] [--json]

Samples are generator outputs in [-1, 1], ``[N, H, W, C]``. With ``--classifier mnist`` (default) they
must be MNIST ``[N,28,28,1]`` or stacked MNIST ``[N,28,28,3]`` (classified per channel; the joint
1000-class distribution is scored); ``--classifier inception`` uses Keras' InceptionV3 with local
ImageNet weights (``--weights`` or Keras' cache). 10 splits, natural log, mean ± std over splits
(docs/evaluation.md#inception-score).

Bad input (missing file, wrong shape or range, missing or altered classifier, ``--splits`` outside
[1, N]) prints one error line on stderr and exits with status 2, before any scoring. The argument
handling is shared with ``eval.mode_score`` (see ``eval.cli``).
"""
from __future__ import annotations

import sys

from eval.cli import run_sample_cli
from eval.defaults import IS_SPLITS

__all__ = ["main"]


def _check(args, n) -> None:
    from eval.cli import CLIError

    if args.splits < 1:
        raise CLIError(f"--splits must be a positive integer, got {args.splits}")
    if n is not None and args.splits > n:
        raise CLIError(f"--splits {args.splits} is more than the {n} samples; each split needs at least one "
                       f"sample (and ~5,000 for a meaningful score)")


def _text(result, args) -> str:
    score = result["inception_score"]
    return f"Inception score: {score['mean']:.4f} ± {score['std']:.4f} (N={score['n']}, {score['splits']} splits)"


def main(argv=None) -> int:
    """Entry point of ``python -m eval.inception_score``."""
    return run_sample_cli(argv, "python -m eval.inception_score", __doc__.splitlines()[0], "inception_score", _text,
                          extra_args=lambda p: p.add_argument(
                              "--splits", type=int, default=IS_SPLITS,
                              help="number of splits, 1 to the number of samples (default 10, as the "
                              "reference code)"),
                          check=_check)


if __name__ == "__main__":
    sys.exit(main())
