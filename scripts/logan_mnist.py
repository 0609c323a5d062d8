"""LOGAN on MNIST (Sharma & Namboodiri 2018, Sec. 4.3, Tables 1–3): reconstructions and sample scores.

Models (zoo entries with ``--steps`` and the seed set, each trained with ``scripts.common.train_run``
into ``--runs-dir`` unless a finished run of the same config is there):

* ``logan_bigan``: BiGAN + lol1 + pair-wise penalty, λ = 1 (entry ``logan_bigan_mnist``);
* ``bigan``: the vanilla BiGAN (loss ``v``, no penalty) trained the same way (same networks, steps,
  batch, optimizer and seed), the paper's "Vanilla" row (entry ``bigan_mnist``);
* ``logan_dcgan``: DCGAN + lol1 + WGAN-GP penalty, λ = 1 (entry ``logan_dcgan_mnist``; Table 1's setting).

Metrics:

* **SSIM** between test images x and their reconstructions G(E(x)) (``tf.image.ssim``, images mapped
  to [0, 1], max_val 1, 11×11 Gaussian window): mean ± std over the images, as the authors' code
  reports (``get_inception_score_diff``: mean and std of per-image SSIM). The paper's Table 2 reports
  the *best moving average* of that mean over training, so a callback also scores 500 fixed test
  images after every epoch (250 steps) and the best 3-point moving average is reported beside the
  final checkpoint's value on ``--ssim-images`` images.
* **Inception score / MODE score / digit coverage / class KL / FID** of 10,000 samples with the MNIST
  classifier (``eval.image_metrics.evaluate_images``, docs/evaluation.md; real-test-data floors of the
  same N), when ``checkpoints/mnist_classifier`` exists.

Writes ``results/logan_mnist.{json,md}`` (``--out``) and ``results/figures/logan_mnist_reconstructions.png``
(beside ``--out``, in ``figures/``).

    python -m scripts.logan_mnist --steps 3000 --seeds 0
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from scripts.common import REPO, fmt, mean_std, mnist_images, train_run, write_results

MODELS = {"logan_bigan": "logan_bigan_mnist", "bigan": "bigan_mnist", "logan_dcgan": "logan_dcgan_mnist"}
PAPER = {"ssim": {"vanilla BiGAN": ".223 ± .08", "LOGAN lol1": ".238 ± .09", "LOGAN lol2": ".230 ± .09"},
         "is_cifar_bigan": {"vanilla": "5.31 ± .07", "Wasserstein": "4.8 ± .15", "lol1": "6.11 ± .05",
                            "lol2": "6.23 ± .03"},
         "is_cifar_dcgan": {"DCGAN": "6.16 ± .07", "lol1": "6.52 ± .15", "lol2": "6.55 ± .19"}}


def _rel(path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def ssim_reconstruction(model, images, batch_size: int = 500) -> np.ndarray:
    """Per-image SSIM(x, G(E(x))) on [0, 1]-scaled images (Wang et al. 2004 via ``tf.image.ssim``)."""
    import tensorflow as tf

    out = []
    for i in range(0, len(images), batch_size):
        x = np.asarray(images[i:i + batch_size], np.float32)
        rec = model.reconstruct(x)
        out.append(tf.image.ssim((x + 1) / 2, np.clip((rec + 1) / 2, 0, 1), max_val=1.0).numpy())
    return np.concatenate(out)


def test_images(n: int, seed: int = 0) -> np.ndarray:
    """``n`` MNIST test images in [-1, 1] (a fixed random subset)."""
    x = mnist_images("test")
    return x[np.random.default_rng(seed).permutation(len(x))[:n]]


def ssim_tracker(images, path):
    """Keras callback: mean SSIM(x, G(E(x))) on ``images`` after every epoch, appended to ``path`` (JSON)."""
    import keras

    class SSIMTracker(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            history = json.loads(path.read_text()) if path.is_file() else []
            history = [h for h in history if h["epoch"] < epoch + 1]  # a resumed run rewrites its tail
            history.append({"epoch": epoch + 1, "ssim": float(ssim_reconstruction(self.model, images).mean())})
            path.write_text(json.dumps(history))

    return SSIMTracker()


def best_moving_average(values, window: int = 3):
    """Largest mean over ``window`` consecutive values (paper Table 2's "best moving average")."""
    if len(values) < window:
        return float(np.mean(values)) if values else None
    return float(max(np.convolve(values, np.ones(window) / window, mode="valid")))


def train_model(kind, steps, seed, runs_dir, track_images) -> Path:
    """Train one model (entry ``MODELS[kind]``) into ``runs_dir`` unless a finished run of its config is
    there; return the folder. Published checkpoints are not reused: they lack the SSIM history."""
    from zoo import configs

    out = Path(runs_dir) / f"{kind}_mnist_s{seed}"
    config = configs.resolve(MODELS[kind], overrides={"steps": steps, "seed": seed})
    callbacks = [ssim_tracker(track_images, out / "ssim_history.json")] if kind != "logan_dcgan" else []
    print(f"{MODELS[kind]}: {steps} steps, seed {seed} -> {out}", flush=True)
    train_run(config, out, published=False, callbacks=callbacks)
    return out


def evaluate(folder, x_test, num_samples, seed) -> dict:
    """SSIM of reconstructions (BiGANs) and the classifier scores of ``num_samples`` samples."""
    import zoo

    model = zoo.load(str(folder))
    result = {"checkpoint": _rel(folder)}
    if hasattr(model, "reconstruct"):
        s = ssim_reconstruction(model, x_test)
        result["ssim"] = {"mean": float(s.mean()), "std": float(s.std()), "n": int(len(s))}
        history_file = Path(folder) / "ssim_history.json"
        if history_file.is_file():
            history = json.loads(history_file.read_text())
            result["ssim_history"] = history
            result["ssim_best_moving_average"] = best_moving_average([h["ssim"] for h in history])
    try:
        from eval.image_report import evaluate_checkpoint_images

        # KID is not reported here, so one subset instead of 100 (the other scores do not depend on it).
        scores = evaluate_checkpoint_images(model, "mnist", num_samples=num_samples, seed=seed, kid_subsets=1)
    except Exception as err:  # the classifier belongs to another issue; report its absence
        scores = {"skipped": f"{type(err).__name__}: {err}"}
    if "skipped" in scores:
        result["scores_skipped"] = scores["skipped"]
    else:
        result["inception_score"] = scores["inception_score"]
        for key in ("mode_score", "digits_covered", "class_kl", "class_histogram"):
            result[key] = scores.get(key)
        result["fid"] = scores["fid"]["fid"]
        result["floor"] = {k: (scores["floor"]["inception_score"]["mean"] if k == "inception_score" else
                               scores["floor"].get(k)) for k in ("inception_score", "mode_score", "digits_covered",
                                                                "class_kl")}
        result["n_samples"] = scores["n"]
    return result


def recon_figure(folders, labels, x, path):
    """Rows: test images, then each model's reconstructions G(E(x)) (paper supplementary Fig. 5)."""
    import zoo
    from eval.plots import plot_image_grid

    rows = [x] + [zoo.load(str(f)).reconstruct(x) for f in folders]
    return plot_image_grid(np.concatenate(rows), path, cols=len(x), title="rows: x, " + ", ".join(labels))


def _cell(runs, key, sub=None, digits=3) -> str:
    """Mean ± std over training seeds of ``run[key]`` (``run[key][sub]``), the mean alone for one seed."""
    s = mean_std([(r.get(key) or {}).get(sub) if sub else r.get(key) for r in runs])
    if s["runs"] > 1:
        return fmt(s, digits)
    return "—" if s["mean"] is None else f"{s['mean']:.{digits}f}"


def to_markdown(result) -> str:
    """Tables for MODEL_CARDS.md."""
    lines = [f"MNIST, {result['args']['steps']} steps, training seeds {result['args']['seeds']}; SSIM on "
             f"{result['args']['ssim_images']} test images (mean ± std over images, averaged over seeds); "
             f"scores on {result['args']['num_samples']} samples.", "",
             "| model | SSIM(x, G(E(x))) final | SSIM best moving avg. | IS (10 splits) | MODE | digits covered | "
             "class KL | FID |",
             "|---|---|---|---|---|---|---|---|"]
    for kind, runs in result["models"].items():
        ssim = "—"
        if runs and "ssim" in runs[0]:
            ssim = f"{np.mean([r['ssim']['mean'] for r in runs]):.3f} ± {np.mean([r['ssim']['std'] for r in runs]):.3f}"
        lines.append(f"| {kind} | {ssim} | {_cell(runs, 'ssim_best_moving_average')} | "
                     f"{_cell(runs, 'inception_score', 'mean', 2)} | {_cell(runs, 'mode_score', digits=2)} | "
                     f"{_cell(runs, 'digits_covered', digits=1)} | {_cell(runs, 'class_kl')} | "
                     f"{_cell(runs, 'fid', digits=1)} |")
    floor = next((r["floor"] for runs in result["models"].values() for r in runs if "floor" in r), None)
    if floor:
        lines.append(f"| real test data (floor) | 1 | 1 | {floor['inception_score']:.2f} | {floor['mode_score']:.2f} | "
                     f"{floor['digits_covered']} | {floor['class_kl']:.3f} | — |")
    lines += ["", "Paper (CIFAR-10 BiGAN, Table 2 SSIM best moving average): " +
              ", ".join(f"{k} {v}" for k, v in PAPER["ssim"].items()), ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    """Entry point."""
    p = argparse.ArgumentParser(prog="python -m scripts.logan_mnist", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines (hidden by default)")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--ssim-images", type=int, default=2000)
    p.add_argument("--num-samples", type=int, default=10_000)
    p.add_argument("--checkpoint", action="append", default=[], metavar="KIND=DIR",
                   help="use an existing checkpoint (e.g. logan_bigan=checkpoints/logan_bigan_mnist) for seed 0")
    p.add_argument("--runs-dir", default=str(REPO / "runs" / "logan_mnist"), help="trained models (reused)")
    p.add_argument("--out", default=str(REPO / "results" / "logan_mnist"), help="writes OUT.json and OUT.md")
    args = p.parse_args(argv)
    given = dict(item.split("=", 1) for item in args.checkpoint)
    x_test = test_images(args.ssim_images)
    track = x_test[:500]
    result = {"args": {k: v for k, v in vars(args).items() if k not in ("runs_dir", "out")}, "paper": PAPER,
              "models": {}}
    folders = {}
    for kind in args.models:
        for seed in args.seeds:
            folder = Path(given[kind]) if (kind in given and seed == args.seeds[0]) else \
                train_model(kind, args.steps, seed, args.runs_dir, track)
            folders.setdefault(kind, folder)
            run = {"seed": seed, **evaluate(folder, x_test, args.num_samples, seed)}
            result["models"].setdefault(kind, []).append(run)
            print(kind, seed, json.dumps({k: v for k, v in run.items() if k != "class_histogram"}), flush=True)
    bigans = [k for k in ("bigan", "logan_bigan") if k in folders]
    if bigans:
        fig = Path(args.out).parent / "figures" / "logan_mnist_reconstructions.png"
        recon_figure([folders[k] for k in bigans], bigans, x_test[:12], fig)
        result["reconstruction_figure"] = _rel(fig)
    return write_results(args.out, result, to_markdown(result))


if __name__ == "__main__":
    sys.exit(main())
