"""Add each published entry's own method figures to its ``metrics.json``, without retraining or re-evaluating.

    python -m scripts.checkpoint_metrics                       # every published entry whose method reports any
    python -m scripts.checkpoint_metrics weighted_prior_mnist  # named entries

A method can report figures of its own beside the protocol's (``model.checkpoint_metrics()``; the learned priors
of Goerttler & Kloft 2019 report ``score_spread``, the 5th/95th percentile of the score s over a fresh pre-sample
and the max/min weight ratio, issue #13). ``train.run`` writes them when it evaluates a new checkpoint; this
script adds them to checkpoints published before the method reported them. They are deterministic functions of
the weights (a fixed pre-sample seed): the script loads only the entries whose method reports any, writes what
is missing or different with :func:`zoo.checkpoint.update` (atomically; the model files and their registry hashes
are untouched) and prints per entry whether its ``metrics.json`` changed.
"""
from __future__ import annotations

import argparse
import sys


def reports_figures(name: str) -> bool:
    """True when the method of published entry ``name`` reports figures of its own (its model class overrides
    ``checkpoint_metrics``), decided from the registry without loading the model."""
    import zoo
    from zoo.core.model import GAN
    from zoo.methods import METHODS

    cls = METHODS[zoo.manifest()[name]["method"]].cls
    return cls.checkpoint_metrics is not GAN.checkpoint_metrics


def refresh(name: str) -> bool:
    """Write the method figures of published entry ``name`` into its local ``metrics.json`` when they are missing
    or differ from what is stored; True when the file changed. RuntimeError when the entry has no local folder
    (a copy in the Hugging Face cache is not rewritten)."""
    import zoo
    from zoo import checkpoint

    folder = zoo.checkpoint_dir() / name
    if not (folder / checkpoint.SUMS).is_file():
        raise RuntimeError(f"{name} has no published folder in {zoo.checkpoint_dir()}")
    figures = checkpoint.load(folder, zoo.manifest()[name]["files"]).checkpoint_metrics()  # registry-verified
    metrics = checkpoint.read_json(folder, "metrics.json")
    if not figures or all(metrics.get(key) == value for key, value in figures.items()):
        return False
    checkpoint.update(folder, {"metrics.json": {**metrics, **figures}})
    return True


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
    for name in [n for n in (args.names or zoo.list()) if reports_figures(n)]:
        try:
            changed = refresh(name)
        except RuntimeError as err:
            p.error(str(err))
        state = f"metrics.json updated (upload it with python -m zoo.hub push {name})" if changed else "up to date"
        print(f"{name}: {state}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
