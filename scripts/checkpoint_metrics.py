"""Add each published entry's own method figures to its ``metrics.json``, without retraining or re-evaluating.

    python -m scripts.checkpoint_metrics                       # every published entry whose method reports any
    python -m scripts.checkpoint_metrics weighted_prior_mnist  # named entries

A method can report figures of its own beside the protocol's (``model.checkpoint_metrics()``; the learned priors
of Goerttler & Kloft 2019 report ``score_spread``, the 5th/95th percentile of the score s over a fresh pre-sample
and the max/min weight ratio, issue #13). ``train.run`` writes them when it evaluates a new checkpoint; this
script adds them to checkpoints published before the method reported them. They are deterministic functions of
the weights (a fixed pre-sample seed), so the script only computes what is missing or different, writes it with
:func:`zoo.checkpoint.update` (atomically; the model files and their registry hashes are untouched) and prints
one line per entry.
"""
from __future__ import annotations

import argparse
import sys


def refresh(name: str) -> dict:
    """The method figures of published entry ``name``, written into its ``metrics.json`` when they differ from
    what is stored; returns them (``{}`` for a method that reports none)."""
    import zoo
    from zoo import checkpoint

    folder = zoo.checkpoint_dir() / name
    figures = zoo.load(name).checkpoint_metrics()
    metrics = checkpoint.read_json(folder, "metrics.json")
    if figures and any(metrics.get(key) != value for key, value in figures.items()):
        checkpoint.update(folder, {"metrics.json": {**metrics, **figures}})
    return figures


def main(argv=None) -> int:
    """Refresh the named (default: every published) entries; 2 for a name that is not published."""
    import zoo

    p = argparse.ArgumentParser(prog="python -m scripts.checkpoint_metrics", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", help="published entries (default: all)")
    args = p.parse_args(argv)
    unknown = [n for n in args.names if n not in zoo.list()]
    if unknown:
        p.error(f"not a published entry: {', '.join(unknown)} (see python -m train.run --list)")
    for name in args.names or zoo.list():
        figures = refresh(name)
        if figures:
            print(f"{name}: {', '.join(sorted(figures))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
