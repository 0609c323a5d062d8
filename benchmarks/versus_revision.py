"""Training-step speed of this checkout against another git revision, measured side by side in one run.

    python -m benchmarks.versus_revision --against HEAD~3 [--rounds 5] [--steps 300]

The other revision is checked out into a temporary ``git worktree``; each round times every workload
once with this checkout's code and once with the other's (alternating which goes first), each in a
fresh subprocess whose ``PYTHONPATH`` points at that code, so background load hits both alike. It prints
the median milliseconds per generator step of each side and their ratio (this / other; below 1 is
faster). The workloads are the speed benchmark's (``benchmarks/train_speed.py``): the toy GAN and
WGAN-GP, the LOGAN BiGAN and the compact DCGAN, each through ``model.fit`` with its config's
``steps_per_execution``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKLOADS = ("gan:ring8", "wgan_gp:ring8", "logan_bigan:ring8", "dcgan:mnist")

# Runs inside the subprocess, against whichever code is first on PYTHONPATH. It uses only calls that
# both the old and the new method base offer.
_PROBE = r"""
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import warnings; warnings.filterwarnings("ignore")
import tensorflow as tf
from zoo import configs, data
from zoo.methods import build_model, build_optimizer
method, dataset, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = configs.resolve(method, dataset)
model = build_model(config)
opt = config["optimizer"]
model.compile(d_optimizer=build_optimizer(config.get("d_optimizer") or opt),
              g_optimizer=build_optimizer(config.get("g_optimizer") or opt),
              steps_per_execution=config["steps_per_execution"])
per_step = (model.examples_per_step(config["batch_size"]) if hasattr(model, "examples_per_step")
            else config["batch_size"] * model.d_steps)
if data.is_mixture(dataset):
    ds = data.mixture_dataset(dataset, per_step)
else:  # a fixed in-memory batch: the figure measures the step, not image decoding
    ds = tf.data.Dataset.from_tensors(tf.random.uniform((per_step, *data.data_shape(dataset)), -1, 1)).repeat()
spe = config["steps_per_execution"]
model.fit(ds, epochs=1, steps_per_epoch=max(spe, 2 * spe), verbose=0)  # trace and warm up
start = time.perf_counter()
model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
print(json.dumps({"ms": 1000 * (time.perf_counter() - start) / steps}))
"""


def time_step(code_dir: Path, workload: str, steps: int) -> float:
    """Milliseconds per generator step of ``workload`` with the code in ``code_dir``."""
    method, dataset = workload.split(":")
    env = {**os.environ, "PYTHONPATH": str(code_dir), "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", _PROBE, method, dataset, str(steps)], cwd=code_dir, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["ms"]


def main(argv=None) -> int:
    """Time every workload on both sides, round by round, and print the medians."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--against", required=True, help="git revision to compare with (e.g. HEAD~3)")
    p.add_argument("--rounds", type=int, default=5, help="timings per side and workload (default 5)")
    p.add_argument("--steps", type=int, default=300, help="timed steps per toy run; DCGAN runs a tenth")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="method:dataset, comma-separated")
    args = p.parse_args(argv)
    if args.rounds < 1 or args.steps < 1:
        print("error: --rounds and --steps must be >= 1", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        made = subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(other), args.against],
                              capture_output=True, text=True)
        if made.returncode:
            print(f"error: cannot check out {args.against!r}: {made.stderr.strip()}", file=sys.stderr)
            return 2
        try:
            print(f"{'workload':<20} {'this ms':>9} {'other ms':>9} {'ratio':>6}   (median of {args.rounds})")
            for workload in args.workloads.split(","):
                steps = args.steps if "mnist" not in workload else max(20, args.steps // 10)
                this, that = [], []
                for r in range(args.rounds):
                    sides = [(REPO, this), (other, that)]
                    for code, out in (sides if r % 2 == 0 else sides[::-1]):
                        out.append(time_step(code, workload, steps))
                a, b = statistics.median(this), statistics.median(that)
                print(f"{workload:<20} {a:>9.2f} {b:>9.2f} {a / b:>6.2f}", flush=True)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(other)],
                           capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
