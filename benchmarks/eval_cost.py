"""Wall time of ``eval.image_metrics.evaluate_images`` at the protocol sample sizes, cold and warm.

    python -m benchmarks.eval_cost [--mnist-n 10000] [--stacked-n 26000] [--datasets mnist,stacked_mnist]
                                   [--repeats 3] [--cache-dir DIR] [--json]

Real data stands in for generated samples (MNIST / stacked MNIST built from the test split with seeds
that the reference and the floor do not use), so the printed scores are also real-data reference
values. Three timings per data set (docs/evaluation.md#speed):

* **first run**: a fresh process with an **empty** cache folder: loads MNIST through tfds, classifies
  the samples, the N-image training reference and the N-image test floor, computes their k-NN radii,
  and fills the on-disk cache;
* **cold**: a fresh process (a new ``python``) with the cache filled by an earlier run: only the
  samples are classified and compared. This is the cost of ``python -m eval.missing_modes`` on one
  more checkpoint; ``--repeats`` such processes are run and the median is reported;
* **warm**: a second call in the same process with new samples (everything real already in memory).

Each measured figure is the ``evaluate_images`` call itself; the process start-up (importing
TensorFlow, loading the classifier: printed separately) comes on top. The cold call is also broken
down by stage (:data:`STAGES`: classifying the samples, fingerprinting the MNIST arrays, reading the
cache, each metric). Wall time and process CPU time
(all threads) are both printed: on a shared machine wall time also measures the other jobs.

The cache lives in a temporary folder (``--cache-dir`` to choose one), so the user's cache is neither
used nor changed. Needs the trained classifier (``checkpoints/mnist_classifier``). Run with ``nice`` on
shared machines.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _timed(fn):
    """``(result, wall seconds, process CPU seconds)`` of ``fn()``."""
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


#: The stages of an ``evaluate_images`` call that are timed (inclusive; "PR/DC" contains the samples'
#: k-NN radii, "cache reads" the reference's and floor's statistics, built there on a first run).
STAGES = {
    "classify the samples": ("eval.image_metrics", "classify"),
    "MNIST data fingerprints": ("eval.reference", "data_fingerprint"),
    "cache reads": ("eval.reference", "cached_stats"),
    "Inception score": ("eval.scores", "inception_score"),
    "MODE score": ("eval.scores", "mode_score"),
    "FID": ("eval.scores", "frechet_distance"),
    "KID": ("eval.scores", "kernel_inception_distance"),
    "PR/DC": ("eval.scores", "prdc"),
    "samples' k-NN radii": ("eval.scores", "kth_nn_radii"),
}


def _instrument() -> dict:
    """Wrap the :data:`STAGES` functions in this process so that each call adds its wall and CPU seconds
    to the returned ``{stage: [wall, cpu]}`` (the module attributes are what the callers look up)."""
    import importlib

    times = {}
    for label, (module, name) in STAGES.items():
        mod = importlib.import_module(module)
        original = getattr(mod, name)

        def timed(*args, _fn=original, _label=label, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return _fn(*args, **kwargs)
            finally:
                spent = times.setdefault(_label, [0.0, 0.0])
                spent[0] += time.perf_counter() - wall
                spent[1] += time.process_time() - cpu

        setattr(mod, name, timed)
    return times


def child(dataset: str, n: int, seed: int) -> dict:
    """One fresh-process measurement: start-up, the first ``evaluate_images`` call (also by stage), then
    a warm one."""
    start = time.perf_counter()
    from eval.classifier import load_classifier, mnist_scorer
    from eval.image_metrics import evaluate_images
    from eval.reference import real_images

    scorer = mnist_scorer(load_classifier())
    startup = time.perf_counter() - start
    # Samples: real test images, drawn with seeds the reference (seed) and floor (seed + 1) do not use.
    samples, _ = real_images(dataset, "test", n, seed=seed + 100)
    times = _instrument()
    first, t_first, c_first = _timed(lambda: evaluate_images(samples, dataset, classifier=scorer, seed=seed))
    stages = {k: list(v) for k, v in times.items()}
    samples, _ = real_images(dataset, "test", n, seed=seed + 200)
    _, t_warm, c_warm = _timed(lambda: evaluate_images(samples, dataset, classifier=scorer, seed=seed))
    return {"startup_s": startup, "call_s": t_first, "call_cpu_s": c_first, "warm_s": t_warm,
            "warm_cpu_s": c_warm, "stages": stages, "samples": _summary(first), "floor": _summary(first["floor"]),
            "floor_digit_accuracy": first["floor"]["digit_accuracy"]}


def _run_child(dataset: str, n: int, seed: int, cache: Path) -> dict:
    env = dict(os.environ, MODE_ZOO_CACHE=str(cache))
    wall = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "benchmarks.eval_cost", "--child", dataset, str(n), str(seed)],
                          cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise SystemExit(f"error: the benchmark process failed: {tail}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - wall
    return out


def measure(dataset: str, n: int, seed: int, repeats: int, cache: Path) -> dict:
    """First run (empty ``cache``), then ``repeats`` cold processes with the cache filled; medians."""
    first = _run_child(dataset, n, seed, cache)
    cold = [_run_child(dataset, n, seed, cache) for _ in range(repeats)]
    med = lambda key: statistics.median(r[key] for r in cold)  # noqa: E731
    stages = {k: [statistics.median(r["stages"].get(k, [0.0, 0.0])[i] for r in cold) for i in (0, 1)]
              for k in STAGES if any(k in r["stages"] for r in cold)}
    return {"n": n, "first_run_s": first["call_s"], "first_run_cpu_s": first["call_cpu_s"], "cold_stages": stages,
            "cold_s": med("call_s"), "cold_cpu_s": med("call_cpu_s"), "cold_runs_s": [r["call_s"] for r in cold],
            "warm_s": med("warm_s"), "warm_cpu_s": med("warm_cpu_s"), "startup_s": med("startup_s"),
            "cold_process_s": med("process_s"), "samples": first["samples"], "floor": first["floor"],
            "floor_digit_accuracy": first["floor_digit_accuracy"],
            "same_scores_cold": all(r["samples"] == first["samples"] and r["floor"] == first["floor"] for r in cold)}


def main(argv=None) -> int:
    """Run the benchmark and print the timings (and the real-data scores)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-n", type=int, default=10_000)
    parser.add_argument("--stacked-n", type=int, default=26_000)
    parser.add_argument("--datasets", default="mnist,stacked_mnist",
                        help="comma-separated data sets to measure (default both)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3, help="cold processes per data set (median reported)")
    parser.add_argument("--cache-dir", help="cache folder to use (default: a new temporary one, removed after)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("DATASET", "N", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        dataset, n, seed = args.child
        print(json.dumps(child(dataset, int(n), int(seed))))
        return 0
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    sizes = {"mnist": args.mnist_n, "stacked_mnist": args.stacked_n}
    chosen = [d.strip() for d in args.datasets.split(",") if d.strip()]
    if not chosen or any(d not in sizes for d in chosen):
        parser.error(f"--datasets: a comma-separated list of {', '.join(sizes)}")

    report = {"cpu_count": os.cpu_count(), "load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="mode-zoo-bench-cache-") as tmp:
        runs = [(d, sizes[d]) for d in chosen]
        for dataset, n in runs:
            # A separate empty folder per data set, so each "first run" really starts empty.
            cache = Path(args.cache_dir) / dataset if args.cache_dir else Path(tmp) / dataset
            report[dataset] = measure(dataset, n, args.seed, args.repeats, cache)
    report["load_average_after"] = os.getloadavg()

    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    load = ", ".join(f"{x:.1f}" for x in report["load_average_before"])
    print(f"cpu_count={report['cpu_count']}, load average before: {load}")
    for dataset, n in runs:
        r = report[dataset]
        s = r["samples"]
        print(f"\n{dataset}: N={n}  (evaluate_images call; medians of {args.repeats} cold processes)")
        print(f"  first run (empty cache): {r['first_run_s']:.1f} s wall / {r['first_run_cpu_s']:.1f} s CPU")
        print(f"  cold (new process, cache filled): {r['cold_s']:.1f} s wall / {r['cold_cpu_s']:.1f} s CPU  "
              f"(runs: {', '.join(f'{t:.1f}' for t in r['cold_runs_s'])})")
        print(f"  warm (same process): {r['warm_s']:.1f} s wall / {r['warm_cpu_s']:.1f} s CPU")
        print(f"  process start-up (import TF, load classifier): {r['startup_s']:.1f} s; whole cold process "
              f"{r['cold_process_s']:.1f} s")
        print("  cold call by stage (inclusive, medians), s wall / CPU: " + "; ".join(
            f"{k} {w:.2f} / {c:.2f}" for k, (w, c) in r["cold_stages"].items()))
        print(f"  real samples: IS {s['inception_score'][0]:.3f} ± {s['inception_score'][1]:.3f}, "
              f"digits covered {s['digits_covered']}/10, class KL {s['class_kl']:.4f}, MODE {s['mode_score']:.3f}, "
              f"FID {s['fid']:.3f}, KID {s['kid']:.5f}")
        print(f"  precision {s['precision']:.3f}, recall {s['recall']:.3f}, density {s['density']:.3f}, "
              f"coverage {s['coverage']:.3f}")
        if "modes" in s:
            print(f"  stacked modes {s['modes']}/1000, KL {s['modes_kl']:.4f}")
        print(f"  floor digit accuracy {r['floor_digit_accuracy']:.4f}; cold runs gave the same scores: "
              f"{r['same_scores_cold']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
