"""Wall time of ``eval.image_metrics.evaluate_images`` at the protocol sample sizes.

    python -m benchmarks.eval_cost [--mnist-n 10000] [--stacked-n 26000] [--json]

Real data stands in for generated samples (MNIST test digits; stacked MNIST built from the test split
with a seed different from the floor's), so the printed scores are also the real-data reference values
(IS, digits covered, class KL, stacked modes/KL). Each evaluation runs twice:

* **cold**: the first call in a process — loads MNIST, classifies the samples, the N-image training
  reference and the N-image test floor, computes the k-NN radii of both real sets;
* **warm**: a second call with new samples — the reference and floor are cached, so this is the cost of
  evaluating one more generator.

Wall time and process CPU time (all threads) are both printed: on a shared machine wall time mostly
measures the other jobs, CPU time the work done.

Needs the trained classifier (``python -m eval.classifier``). Run with ``nice -n 10`` on shared machines.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _timed(fn):
    """``(result, wall seconds, process CPU seconds)``; CPU time (all threads) is the figure that
    stays comparable on a shared machine, where wall time mostly measures the other jobs."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _summary(result):
    keys = ("n", "digits_covered", "class_kl", "mode_score", "precision", "recall", "density", "coverage",
            "modes", "modes_kl")
    out = {k: result[k] for k in keys if k in result}
    out["inception_score"] = [result["inception_score"]["mean"], result["inception_score"]["std"]]
    out["fid"] = result["fid"]["fid"]
    out["kid"] = result["kid"]["kid"]
    return out


def main(argv=None) -> int:
    """Run the benchmark and print the timings (and the real-data scores)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-n", type=int, default=10_000)
    parser.add_argument("--stacked-n", type=int, default=26_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from eval.classifier import load_classifier, mnist_scorer
    from eval.image_metrics import evaluate_images
    from eval.reference import real_images

    scorer, t_load, _ = _timed(lambda: mnist_scorer(load_classifier()))
    report = {"classifier_load_s": t_load, "cpu_count": os.cpu_count(), "load_average": os.getloadavg()}

    runs = [("mnist", args.mnist_n), ("stacked_mnist", args.stacked_n)]
    for dataset, n in runs:
        # Samples: real test images, drawn with seeds the reference (seed) and floor (seed + 1) do not use.
        (samples, _), t_data, _ = _timed(functools.partial(real_images, dataset, "test", n, seed=args.seed + 100))
        score = functools.partial(evaluate_images, dataset=dataset, classifier=scorer, seed=args.seed)
        cold, t_cold, c_cold = _timed(functools.partial(score, samples))
        samples2, _ = real_images(dataset, "test", n, seed=args.seed + 200)
        _, t_warm, c_warm = _timed(functools.partial(score, samples2))
        report[dataset] = {"n": n, "sample_build_s": t_data, "cold_s": t_cold, "warm_s": t_warm,
                           "cold_cpu_s": c_cold, "warm_cpu_s": c_warm,
                           "samples": _summary(cold), "floor": _summary(cold["floor"]),
                           "floor_digit_accuracy": cold["floor"]["digit_accuracy"]}

    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    load = ", ".join(f"{x:.1f}" for x in report["load_average"])
    print(f"classifier load: {t_load:.1f} s  (cpu_count={report['cpu_count']}, load average {load})")
    for dataset, n in runs:
        r = report[dataset]
        s = r["samples"]
        print(f"\n{dataset}: N={n}")
        print(f"  evaluate_images cold: {r['cold_s']:.1f} s wall / {r['cold_cpu_s']:.1f} s CPU;  warm "
              f"(reference/floor cached): {r['warm_s']:.1f} s wall / {r['warm_cpu_s']:.1f} s CPU")
        print(f"  building the real samples: {r['sample_build_s']:.1f} s wall")
        print(f"  real samples: IS {s['inception_score'][0]:.3f} ± {s['inception_score'][1]:.3f}, "
              f"digits covered {s['digits_covered']}/10, class KL {s['class_kl']:.4f}, MODE {s['mode_score']:.3f}, "
              f"FID {s['fid']:.3f}, KID {s['kid']:.5f}")
        print(f"  precision {s['precision']:.3f}, recall {s['recall']:.3f}, density {s['density']:.3f}, "
              f"coverage {s['coverage']:.3f}")
        if "modes" in s:
            print(f"  stacked modes {s['modes']}/1000, KL {s['modes_kl']:.4f}")
        print(f"  floor digit accuracy {r['floor_digit_accuracy']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
