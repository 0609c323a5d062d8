"""Print the MODEL_CARDS.md tables of published checkpoints from their ``metrics.json``.

    python -m scripts.model_table [NAME ...]          # default: every published entry

``metrics.json`` is written by ``python -m train.run --model NAME --publish``. Mixture checkpoints: modes,
% high-quality samples, reverse KL and JSD of the HQ histogram, EMD and its real-vs-real floor, mean ±
std over 5 sampling seeds of 2,500 samples (docs/evaluation.md); ``python -m eval.missing_modes --checkpoint
NAME`` recomputes them. Image checkpoints: digits covered, class KL, Inception and MODE scores and FID on
the MNIST classifier's features (10,000 samples), with the real test digits' figures as a last row.
Learned-prior models are scored with the prior they were trained with (``model.sample``'s default).
Entries published as the median of several training seeds (``python -m scripts.training_seeds --publish-median``)
get a third table: mean ± std over the **training** seeds and which seed is published.
"""
from __future__ import annotations

import sys

import zoo
from scripts.common import fmt
from zoo import checkpoint, data

MIXTURE_HEADER = ["| model | data | modes | HQ % | reverse KL | JSD | EMD | EMD floor |",
                  "|---|---|---|---|---|---|---|---|"]
SEEDS_HEADER = ["| model | data | training seeds | published (median) seed | modes | HQ % | reverse KL | EMD |",
                "|---|---|---|---|---|---|---|---|"]
IMAGE_HEADER = ["| model | data | digits covered | class KL | Inception score | MODE score | FID |",
                "|---|---|---|---|---|---|---|"]


def mixture_row(name: str, metrics: dict) -> str:
    """One markdown row (mean ± std over the sampling seeds) for a mixture checkpoint."""
    s = metrics["summary"]
    k = data.mixture(metrics["dataset"]).num_modes

    def cell(key, digits=3, scale=1.0):
        return fmt(s.get(key), digits, scale, missing="n/a (no HQ sample)")

    return (f"| `{name}` | {metrics['dataset']} | {cell('modes', 1)} / {k} | {cell('hq_fraction', 1, 100)} | "
            f"{cell('kl')} | {cell('jsd')} | {cell('emd')} | {cell('emd_floor')} |")


def training_seeds_row(name: str, metrics: dict) -> str | None:
    """One markdown row (mean ± std over the training seeds) for a checkpoint published as the median of several
    training seeds, or None for any other."""
    seeds = metrics.get("training_seeds")
    if not seeds:
        return None
    s, k = seeds["summary"], data.mixture(metrics["dataset"]).num_modes
    return (f"| `{name}` | {metrics['dataset']} | {', '.join(map(str, seeds['seeds']))} | {seeds['median_seed']} | "
            f"{fmt(s['modes'], 1)} / {k} | {fmt(s['hq_fraction'], 1, 100)} | "
            f"{fmt(s['kl'], 3, missing='n/a (no HQ sample)')} | {fmt(s['emd'], 3)} |")


def image_row(name: str, m: dict) -> str:
    """One markdown row for an image checkpoint (or the real-data floor) scored by ``eval.image_report``."""
    return (f"| {name} | {m.get('dataset', '')} | {m['digits_covered']}/10 | {m['class_kl']:.4f} | "
            f"{fmt(m['inception_score'], 2)} | {m['mode_score']:.2f} | {m['fid']['fid']:.1f} |")


def main(argv=None) -> int:
    """Print one table of the mixture checkpoints and one of the image checkpoints among ``argv``."""
    names = (argv if argv is not None else sys.argv[1:]) or zoo.list()
    mixtures, seeds, images, floor = [], [], [], None
    for name in names:
        metrics = checkpoint.read_json(zoo.checkpoint_dir() / name, "metrics.json")
        if "summary" in metrics and data.is_mixture(metrics.get("dataset", "")):
            mixtures.append(mixture_row(name, metrics))
            seeds += [row for row in [training_seeds_row(name, metrics)] if row]
        elif "inception_score" in metrics:
            images.append(image_row(f"`{name}`", metrics))
            floor = metrics.get("floor", floor)
    if mixtures:
        print("\n".join(MIXTURE_HEADER + mixtures))
    if seeds:
        print("\nOver training seeds (mean ± std; the published checkpoint is the median seed):\n")
        print("\n".join(SEEDS_HEADER + seeds))
    if images:
        if floor:
            images.append(image_row("real test digits", {**floor, "dataset": "mnist"}))
        print(("\n" if mixtures else "") + "\n".join(IMAGE_HEADER + images))
    return 0


if __name__ == "__main__":
    sys.exit(main())
