"""Print the MODEL_CARDS.md table of published mixture checkpoints from their ``metrics.json``.

    python -m scripts.mixture_table [NAME ...]

``metrics.json`` is written by ``python -m train.run --model NAME --publish`` (2,500 samples, 5 sampling
seeds); ``python -m eval.missing_modes --checkpoint NAME`` recomputes the same figures.
"""
from __future__ import annotations

import sys

import zoo
from zoo import checkpoint, data


def row(name: str) -> str | None:
    """One markdown row (mean ± std over the sampling seeds) for a mixture checkpoint, else None."""
    metrics = checkpoint.read_json(zoo.checkpoint_dir() / name, "metrics.json")
    if "summary" not in metrics or not data.is_mixture(metrics.get("dataset", "")):
        return None
    s = metrics["summary"]
    k = data.mixture(metrics["dataset"]).num_modes

    def fmt(key, scale=1.0, digits=3):
        if key not in s:
            return "n/a (no HQ sample)"
        return f"{scale * s[key]['mean']:.{digits}f} ± {scale * s[key]['std']:.{digits}f}"

    return (f"| `{name}` | {metrics['dataset']} | {fmt('modes', digits=1)} / {k} | {fmt('hq_fraction', 100, 1)} | "
            f"{fmt('kl')} | {fmt('jsd')} | {fmt('emd')} | {fmt('emd_floor')} |")


def main(argv=None) -> int:
    """Print the table header and one row per mixture checkpoint."""
    names = (argv if argv is not None else sys.argv[1:]) or zoo.list()
    print("| model | data | modes | HQ % | reverse KL | JSD | EMD | EMD floor |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        line = row(name)
        if line:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
