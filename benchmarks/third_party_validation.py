"""Does the third-party-discriminator count find missing modes that are known to be missing?

    python -m benchmarks.third_party_validation [--sigmas 0.5] [--steps 5000] [--datasets mnist stacked_mnist]

Generators with known missing modes are built from real training images (``eval.third_party.
validate_removed_classes``): MNIST without the digits {0}, {0, 1}, {0, 1, 2}, and stacked MNIST without
every triple whose first digit is 0 (100 of the 1,000 modes), then {0, 1}. For each, the count of test
images with P(real) above the headline threshold is printed beside the number of test images of the
removed classes (``target``), with the counted images that are in fact from a removed class (``hits``)
and the others. The defaults of ``eval.third_party`` pass when every count is within ±20 % of its
target and ``others`` stays small (docs/evaluation.md#third-party-discriminator). ``--sigmas 3.5 4.0``
shows the paper's noise levels. Results also go to ``results/third_party_validation.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REMOVED = {"mnist": [(0,), (0, 1), (0, 1, 2)], "stacked_mnist": [(0,), (0, 1)]}


def main(argv=None) -> int:
    """Run the validation and print one row per (data set, removed set, σ)."""
    from eval import third_party

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", nargs="+", default=["mnist", "stacked_mnist"], choices=sorted(REMOVED))
    p.add_argument("--sigmas", type=float, nargs="+", default=list(third_party.DEFAULT_SIGMAS))
    p.add_argument("--steps", type=int, default=third_party.DEFAULT_STEPS)
    p.add_argument("--threshold", type=float, default=third_party.HEADLINE_THRESHOLD)
    p.add_argument("--n", type=int, default=10_000, help="real images and samples D* is trained on")
    p.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results"))
    args = p.parse_args(argv)
    report = {"threshold": args.threshold, "steps": args.steps, "datasets": {}}
    print(f"| data | removed | σ | target | count (P(real) > {args.threshold}) | count/target | hits | others | pass |")
    print("|---|---|---|---|---|---|---|---|---|")
    for dataset in args.datasets:
        start = time.time()
        out = third_party.validate_removed_classes(REMOVED[dataset], dataset, n=args.n, threshold=args.threshold,
                                                   sigmas=tuple(args.sigmas), steps=args.steps)
        out["seconds"] = round(time.time() - start, 1)
        for r in out["results"]:
            r["pass"] = bool(0.8 <= r["ratio"] <= 1.2)
            what = "{" + ",".join(map(str, r["removed"])) + "}" + (" first digit" if dataset == "stacked_mnist" else "")
            print(f"| {dataset} | {what} | {r['sigma']:g} | {r['target']} | {r['count']} | {r['ratio']:.2f} | "
                  f"{r['hits']} | {r['others']} | {'yes' if r['pass'] else 'no'} |", flush=True)
        report["datasets"][dataset] = out
    path = Path(args.out) / "third_party_validation.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))
    print(f"\nwritten {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
