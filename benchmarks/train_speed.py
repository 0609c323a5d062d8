"""Training throughput: generator steps per second for the toy MLPs and the compact DCGAN.

    python -m benchmarks.train_speed [--steps 1000] [--methods gan,wgan_gp,dcgan]

Compares ``steps_per_execution`` 1 vs the config's value and XLA (``jit_compile``) off vs on, with the
same prefetching ``tf.data`` pipeline the training command uses (a fixed in-memory batch for DCGAN so
the figure measures the step, not JPEG/tfds decoding). Prints one row per setting.
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

from zoo import configs, data  # noqa: E402
from zoo.methods import build_model, build_optimizer  # noqa: E402


def measure(method: str, dataset: str, steps: int, spe: int, jit: bool) -> float:
    """Generator steps per second after a warm-up epoch (tracing and XLA compilation excluded)."""
    config = configs.resolve(method, dataset)
    model = build_model(config)
    model.compile(d_optimizer=build_optimizer(config["optimizer"]), g_optimizer=build_optimizer(config["optimizer"]),
                  steps_per_execution=spe, jit_compile=jit)
    batch = config["batch_size"] * model.d_steps
    if data.is_mixture(dataset):
        ds = data.mixture_dataset(dataset, batch)
    else:
        fake = tf.random.uniform((batch, *data.data_shape(dataset)), -1, 1)
        ds = tf.data.Dataset.from_tensors(fake).repeat().prefetch(tf.data.AUTOTUNE)
    warm = max(spe, 50)
    model.fit(ds, epochs=1, steps_per_epoch=warm, verbose=0)
    start = time.perf_counter()
    model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
    return steps / (time.perf_counter() - start)


def main():
    """Run the grid of settings and print steps/s."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--methods", default="gan:ring8,wgan_gp:ring8,dcgan:mnist")
    args = p.parse_args()
    print(f"{'method':<10} {'dataset':<8} {'steps/exec':>10} {'xla':>5} {'steps/s':>9}")
    for item in args.methods.split(","):
        method, dataset = item.split(":")
        steps = args.steps if data.is_mixture(dataset) else max(50, args.steps // 10)
        spe_default = configs.resolve(method, dataset)["steps_per_execution"]
        for spe, jit in ((1, False), (spe_default, False), (spe_default, True)):
            rate = measure(method, dataset, steps, spe, jit)
            print(f"{method:<10} {dataset:<8} {spe:>10} {str(jit):>5} {rate:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
