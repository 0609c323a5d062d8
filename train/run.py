"""Train any zoo method or entry with one command.

    python -m train.run --model gan --dataset ring8 --steps 300 --out /tmp/x
    python -m train.run --model wgan_gp_ring8 --publish       # retrain a published entry

The output folder is a checkpoint (``eval.missing_modes --checkpoint DIR`` and ``zoo.load(DIR)`` read
it): Keras' ``config.json``/``model.weights.h5``, ``train_config.json``, ``metrics.json``, ``samples.png``
and ``SHA256SUMS``, all written atomically at the end. While training, ``DIR/logs`` holds TensorBoard
scalars and periodic sample plots, and ``DIR/.backup`` the resume state (Keras ``BackupAndRestore``,
saved every epoch): run the same command again after an interruption and it resumes from the last
finished epoch. Steps are compiled with ``tf.function`` and grouped by ``steps_per_execution``; data
comes through a prefetching ``tf.data`` pipeline.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from pathlib import Path

__all__ = ["train", "main", "split_steps", "compile_model"]

REPO = Path(__file__).resolve().parents[1]


def split_steps(steps: int, target: int) -> tuple[int, int]:
    """(epochs, steps_per_epoch) with epochs × steps_per_epoch == steps and steps_per_epoch ≤ target.

    Keras counts progress, logging and checkpoints per epoch, so the epoch length is the largest
    divisor of ``steps`` in [target/4, target]. When there is none (``steps`` prime, say) the epochs are
    made as even as possible and the total rounds up by less than one step per epoch.
    """
    target = max(1, min(target, steps))
    for spe in range(target, max(1, target // 4) - 1, -1):
        if steps % spe == 0:
            return steps // spe, spe
    epochs = math.ceil(steps / target)
    return epochs, math.ceil(steps / epochs)


def _strategy(name: str):
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(f"unknown strategy {name!r}; known: default, mirrored, tpu")


def _plot_samples(model, config, path, title=""):
    from eval import plots
    from zoo import data

    if data.is_mixture(config["dataset"]):
        return plots.plot_mixture(model.sample(2500, seed=0), data.mixture(config["dataset"]), path, title)
    return plots.plot_image_grid(model.sample(100, seed=0), path, title=title)


def evaluate_checkpoint(model, config) -> dict:
    """Metrics stored in ``metrics.json``: the mixture metrics (``docs/evaluation.md``) over 5 sampling
    seeds, or the image metrics of ``eval.image_report`` for image data sets."""
    from zoo import data

    if data.is_mixture(config["dataset"]):
        from eval.mixture import evaluate_mixture

        return evaluate_mixture(model.sample, data.mixture(config["dataset"]))
    try:
        from eval.image_report import evaluate_checkpoint_images
    except ImportError:
        return {}
    return evaluate_checkpoint_images(model, config["dataset"])


def _check_resume_state(out: Path, config: dict) -> bool:
    """True when ``out/.backup`` holds an interrupted run of ``config`` to resume; records ``config`` there.

    Resume state left by a run with another config (or by a version that did not record its config)
    would be loaded into the wrong networks, so it stops the run with an error that says what to do.
    """
    from zoo import checkpoint

    backup = out / ".backup"
    wanted = json.loads(json.dumps(config))
    if backup.is_dir() and any(backup.iterdir()):
        recorded = backup / "train_config.json"
        found = json.loads(recorded.read_text()) if recorded.is_file() else None
        if found != wanted:
            why = "was started with another config" if found is not None else "does not record its config"
            raise RuntimeError(f"{backup} holds the resume state of an interrupted run that {why}; delete "
                               f"that folder to start afresh, or pass another --out")
        return (backup / "latest.weights.h5").exists()
    backup.mkdir(parents=True, exist_ok=True)
    checkpoint.write_json(backup / "train_config.json", wanted)
    return False


def compile_model(model, config: dict, **kwargs) -> None:
    """Compile ``model`` with one optimizer per player: the config's ``<prefix>_optimizer`` where set
    (``d_optimizer`` for two time-scale updates), else the shared ``optimizer``; ``kwargs`` go to Keras."""
    from zoo.methods import build_optimizer

    specs = {p.prefix: config.get(f"{p.prefix}_optimizer") or config["optimizer"] for p in model.players}
    model.compile(optimizers={prefix: build_optimizer(spec) for prefix, spec in specs.items()}, **kwargs)


def train(config: dict, out, strategy: str = "default", verbose: int | None = None, jit: bool = False,
          plot_every: int = 5, evaluate: bool = True, callbacks=()):
    """Train ``config`` (from :func:`zoo.configs.resolve`) into checkpoint folder ``out``; return the model.

    ``callbacks`` are extra Keras callbacks appended to the standard ones.
    """
    import keras

    from zoo import checkpoint, data
    from zoo.methods import build_model

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "logs" / "samples").mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config["seed"])
    epochs, steps_per_epoch = split_steps(config["steps"], config["steps_per_epoch"])
    with _strategy(strategy).scope():
        model = build_model(config)
        compile_model(model, config, steps_per_execution=min(config["steps_per_execution"], steps_per_epoch),
                      jit_compile=jit)
    resuming = _check_resume_state(out, config)
    ds = data.dataset(config["dataset"], model.examples_per_step(config["batch_size"]), seed=config["seed"])
    covering = None
    if config.get("covering_init") and not resuming:
        # Lopez-Paz & Oquab Sec. 3: match G's sample mean/covariance to the data's before the game
        # (any method). Skipped on resume: BackupAndRestore brings back the trained weights instead.
        from zoo.methods.lopez_paz_oquab import covering_init_from_config

        covering = covering_init_from_config(model, config)
    # A method's own preparation before the game (the Dual Importance Weight GAN's auto-encoder);
    # skipped on resume for the same reason.
    pretrained = None if resuming else model.pretrain(config)

    class SamplePlots(keras.callbacks.Callback):
        """Writes ``logs/samples/step_XXXXXXX.png`` every ``plot_every`` epochs."""

        def on_epoch_end(self, epoch, logs=None):
            if plot_every and ((epoch + 1) % plot_every == 0 or epoch + 1 == epochs):
                step = (epoch + 1) * steps_per_epoch
                _plot_samples(model, config, out / "logs" / "samples" / f"step_{step:07d}.png", f"step {step}")

    callbacks = [
        keras.callbacks.BackupAndRestore(str(out / ".backup"), save_freq="epoch", delete_checkpoint=True),
        keras.callbacks.TensorBoard(str(out / "logs"), update_freq="epoch", write_graph=False),
        keras.callbacks.TerminateOnNaN(),
        SamplePlots(),
        *callbacks,
    ]
    if verbose is None:
        verbose = 1 if sys.stdout.isatty() else 2
    start = time.time()
    history = model.fit(ds, epochs=epochs, steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose=verbose)
    seconds = time.time() - start
    if any(not math.isfinite(v) for vs in history.history.values() for v in vs):
        raise RuntimeError("training diverged (NaN loss); nothing was saved")
    metrics = evaluate_checkpoint(model, config) if evaluate else {}
    metrics["train_seconds_last_run"] = round(seconds, 2)
    if covering:
        metrics["covering_init"] = {k: v for k, v in covering.items() if k != "history"}
    if pretrained:
        metrics["pretrain"] = pretrained
    checkpoint.save(model, out, {"train_config.json": config, "metrics.json": metrics})
    _plot_samples(model, config, out / "samples.png", config["name"])
    return model


def publish(run_dir, name: str) -> Path:
    """Copy a finished run's checkpoint files to ``checkpoints/<name>/`` and record their sha256 in the
    registry (``zoo/manifest.json``). Logs and resume state stay behind."""
    from zoo import checkpoint

    run_dir = Path(run_dir)
    sums = checkpoint.verify(run_dir)
    dest = REPO / "checkpoints" / name
    if dest.resolve() != run_dir.resolve():
        staging = dest.with_name(f".{name}.staging")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for file in [*sums, "SHA256SUMS", "samples.png"]:
            if (run_dir / file).exists():
                shutil.copy2(run_dir / file, staging / file)
        shutil.rmtree(dest, ignore_errors=True)
        staging.rename(dest)
    manifest_path = REPO / "zoo" / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    config = json.loads((dest / "train_config.json").read_text())
    manifest[name] = {"files": {f: sums[f] for f in checkpoint.MODEL_FILES}, "method": config["method"],
                      "dataset": config["dataset"], "hf": f"hf://mode-zoo/{name}"}
    checkpoint.write_json(manifest_path, manifest)
    return dest


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (``--help`` documents every flag)."""
    p = argparse.ArgumentParser(prog="python -m train.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=False, help="method (gan, wgan, wgan_gp, dcgan, ...) or zoo entry "
                   "(gan_ring8, ...); see --list")
    p.add_argument("--dataset", help="ring8, grid25, grid25_aniso, cube27, mnist, fashion_mnist, cifar10, celeba "
                   "(default: the entry's or the method's)")
    p.add_argument("--steps", type=int, help="generator updates (default: the config's)")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, data order and latents (default 0)")
    p.add_argument("--out", help="checkpoint folder (default: runs/<name>, or checkpoints/<name> with --publish)")
    p.add_argument("--batch-size", type=int, help="examples per discriminator step")
    p.add_argument("--loss", help="adversarial loss: minimax, non_saturating (vanilla), wasserstein, "
                   "wasserstein_gp, lol1, lol2")
    p.add_argument("--penalty", choices=["none", "gp", "pairwise"],
                   help="gradient penalty on D: none, gp (WGAN-GP at random interpolates) or pairwise (LOGAN, "
                   "between x and G(E(x)); encoder methods only); λ is the config's gp_weight")
    p.add_argument("--covering-init", action="store_true", help="pre-train G to match the data's mean and "
                   "covariance before adversarial training (Lopez-Paz & Oquab; config key covering_init)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any config key; VALUE is JSON when it parses (e.g. --set gp_weight=1)")
    p.add_argument("--strategy", default="default", choices=["default", "mirrored", "tpu"],
                   help="tf.distribute strategy (mirrored: all local GPUs; tpu: the attached TPU)")
    p.add_argument("--jit", action="store_true", help="compile the train step with XLA")
    p.add_argument("--plot-every", type=int, default=5, help="sample plot every N epochs (0: never)")
    p.add_argument("--no-eval", action="store_true", help="skip the final evaluation (metrics.json stays short)")
    p.add_argument("--publish", action="store_true", help="write to checkpoints/<name> and record its sha256 "
                   "in zoo/manifest.json (for maintainers)")
    p.add_argument("--show-config", action="store_true", help="print the resolved config as JSON and exit")
    p.add_argument("--list", action="store_true", help="list methods, entries and datasets and exit")
    return p


def main(argv=None) -> int:
    """Entry point; returns the process exit code (2 for bad input)."""
    args = build_parser().parse_args(argv)
    from zoo import configs

    if args.list:
        from zoo.methods import ENTRIES, METHODS

        print("methods:  " + ", ".join(sorted(METHODS)))
        print("entries:  " + ", ".join(sorted(ENTRIES)))
        print("datasets: " + ", ".join(sorted(configs.DATASET_DEFAULTS)))
        return 0
    if not args.model:
        print("error: --model is required (see --list)", file=sys.stderr)
        return 2
    try:
        if args.plot_every < 0:
            raise configs.ConfigError(f"--plot-every must be >= 0 (0: never), got {args.plot_every}")
        overrides = {"seed": args.seed}
        for item in args.set:
            if "=" not in item:
                raise configs.ConfigError(f"--set needs KEY=VALUE, got {item!r}")
            key, value = item.split("=", 1)
            overrides[key] = _parse_value(value)
        for key, value in (("steps", args.steps), ("batch_size", args.batch_size), ("loss", args.loss)):
            if value is not None:
                overrides[key] = value
        config = configs.resolve(args.model, args.dataset, overrides, penalty=args.penalty)
        if args.covering_init and not config["covering_init"]:
            config["covering_init"] = True
        if not args.show_config:
            from zoo.methods import build_model

            build_model(config)  # the method's own arguments are checked before any work starts
    except (ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.show_config:
        print(json.dumps(config, indent=2))
        return 0
    out = Path(args.out or (REPO / ("checkpoints" if args.publish else "runs") / config["name"]))
    try:
        from zoo.data import DataError

        train(config, out, strategy=args.strategy, jit=args.jit, plot_every=args.plot_every,
              evaluate=not args.no_eval)
    except (DataError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.publish:
        dest = publish(out, config["name"])
        print(f"published {config['name']} to {dest}")
    print(f"saved checkpoint to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
