"""CLI: MODE score of generated digits (Che et al. 2017, arXiv:1612.02136).

    python -m eval.mode_score --samples FILE.npy|.npz [--classifier mnist] [--json]
    python -m eval.mode_score --checkpoint NAME_OR_DIR [--num 50000] [--seed 0] [--json]

MODE = exp(E_x KL(p(y|x) ‖ p*(y)) − KL(p*(y) ‖ p_train(y))), p* the generated label marginal, p_train
the training-label distribution, natural log, one marginal over all N samples
(docs/evaluation.md#mode-score). Samples in [-1, 1]: MNIST ``[N,28,28,1]`` (10 classes) or stacked
MNIST ``[N,28,28,3]`` (1000 classes, p_train the product of the MNIST digit frequencies). Only the
MNIST classifier is offered: the score needs the training-label distribution in the classifier's own
label space, which ImageNet labels do not give for other data.

The score depends on N: report N (printed) and compare with real data of the same N
(``eval.image_metrics.evaluate_images`` computes that floor). Bad input exits with status 2.
"""
from __future__ import annotations

import sys

from eval.cli import run_sample_cli

__all__ = ["main"]


def _text(result, args) -> str:
    return f"MODE score: {result['mode_score']:.4f} (N={result['n']})"


def main(argv=None) -> int:
    """Entry point of ``python -m eval.mode_score``."""
    return run_sample_cli(argv, "python -m eval.mode_score", __doc__.splitlines()[0], "mode_score", _text,
                          classifiers=("mnist",), needs_data=True)


if __name__ == "__main__":
    sys.exit(main())
