"""Table of the published prior-method zoo entries (issue 4) from their ``metrics.json``.

    python -m scripts.prior_entries_table            # writes results/prior_entries.md and prints it

Mixture entries: modes captured, % high-quality samples, reverse KL, EMD and its real-vs-real floor
(mean ± std over the 5 sampling seeds of ``train.run``'s evaluation, 2,500 samples each, PROTOCOLS §2/§5).
MNIST entries: digits covered, class KL, Inception/MODE score and FID in the MNIST classifier's feature
space (``eval.images``, numbers beside the real-data floor). Learned-prior models are evaluated with
the prior they were trained with (``model.sample`` default).
"""
from __future__ import annotations

import json
import sys

try:
    from scripts.common import REPO, RESULTS, write_text
except ImportError:
    from common import REPO, RESULTS, write_text

MIXTURE_ENTRIES = ["weighted_prior_ring8", "masked_prior_ring8", "multimodal_covering_ring8",
                   "weighted_prior_grid25", "masked_prior_grid25", "multimodal_covering_grid25"]
MNIST_ENTRIES = ["gan_mnist", "weighted_prior_mnist", "masked_prior_mnist", "multimodal_covering_mnist"]


def _ms(summary, key, scale=1.0, digits=2):
    s = summary.get(key)
    return "n/a" if not s else f"{scale * s['mean']:.{digits}f} ± {scale * s['std']:.{digits}f}"


def main() -> int:
    """Collect the entries' metrics into a markdown table."""
    lines = ["| entry | modes | HQ % | reverse KL | EMD | EMD floor | train s |", "|---|---|---|---|---|---|---|"]
    for name in MIXTURE_ENTRIES:
        path = REPO / "checkpoints" / name / "metrics.json"
        if not path.is_file():
            lines.append(f"| {name} | not trained | | | | | |")
            continue
        m = json.loads(path.read_text())
        s, k = m["summary"], m["runs"][0]["num_modes"]
        lines.append(f"| {name} | {_ms(s, 'modes', digits=1)} /{k} | {_ms(s, 'hq_fraction', 100, 1)} | "
                     f"{_ms(s, 'kl')} | {_ms(s, 'emd', digits=3)} | {_ms(s, 'emd_floor', digits=3)} | "
                     f"{m.get('train_seconds_last_run', 'n/a')} |")
    lines += ["", "| entry | digits covered | class KL | IS (MNIST CNN) | MODE score | FID (CNN features) | train s |",
              "|---|---|---|---|---|---|---|"]
    floor = None
    for name in MNIST_ENTRIES:
        path = REPO / "checkpoints" / name / "metrics.json"
        if not path.is_file():
            lines.append(f"| {name} | not trained | | | | | |")
            continue
        m = json.loads(path.read_text())
        floor = m.get("floor", floor)
        lines.append(f"| {name} | {m.get('digits_covered')} | {m.get('class_kl', float('nan')):.4f} | "
                     f"{m['inception_score']['mean']:.2f} | {m.get('mode_score', float('nan')):.2f} | "
                     f"{m['fid']['fid']:.1f} | {m.get('train_seconds_last_run', 'n/a')} |")
    if floor:
        lines.append(f"| real test digits (floor) | {floor.get('digits_covered')} | {floor.get('class_kl', 0):.4f} | "
                     f"{floor['inception_score']['mean']:.2f} | {floor.get('mode_score', float('nan')):.2f} | "
                     f"{floor['fid']['fid']:.1f} | |")
    text = "\n".join(lines) + "\n"
    write_text(RESULTS / "prior_entries.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
