"""Train any zoo method or entry with one command.

    python -m train.run --model gan --dataset ring8 --steps 300 --out /tmp/x
    python -m train.run --model wgan_gp_ring8 --publish       # retrain a published entry
    python -m train.run --model wgan_gp --mixture spec.json   # your own data: --mixture, --data, --dataset tfds:NAME

The output folder is a checkpoint (``eval.missing_modes --checkpoint DIR`` and ``zoo.load(DIR)`` read
it): Keras' ``config.json``/``model.weights.h5``, ``train_config.json``, ``metrics.json``, ``samples.png``
and ``SHA256SUMS``, written at the end into a sibling folder and swapped into place atomically
(:func:`zoo.checkpoint.save`; identical runs give byte-identical files). While training, ``DIR/logs``
holds TensorBoard scalars and periodic sample plots, and ``DIR/.backup`` the resume state, saved
atomically after every epoch: the weights with every optimizer's state, the random-number generators'
state and the epoch, from which the data position follows. Run the same command again after an
interruption (even ``kill -9``) and it resumes from the last finished epoch and ends with exactly the
weights of an uninterrupted run. The resume state is removed only once the final checkpoint is written
and verified. One run at a time may use an output folder: a lock file ``.DIR.lock`` beside it holds the
owner's PID (a lock left by a dead process is taken over). Steps are compiled with ``tf.function`` and
grouped by ``steps_per_execution``; data comes through a prefetching ``tf.data`` pipeline.

On a mixture the run records its training curve: modes, HQ share and reverse KL every ``curve_every`` generator
steps (default 500; ``--set curve_every=0`` switches it off) on samples of a fixed sampling seed, kept in the
resume state and written into the checkpoint as ``curve.json`` (summed) and ``curve.png`` (:mod:`eval.curve`;
docs/evaluation.md#training-curves). Recording it leaves the trained weights bit-identical.

Every input (config values, ``--out``, ``--strategy``) is checked before any work starts; a bad one,
a busy or unreadable output folder, or a missing data set prints one line and exits with status 2.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["train", "main", "split_steps", "compile_model", "publish", "resume_state", "check_output_folder",
           "RunLock", "STRATEGIES", "multiworker_role", "worker_scratch"]



def _checkout() -> Path:
    """The source checkout ``--publish`` writes into; RuntimeError (one line) for an installed copy."""
    from zoo import checkout_root

    root = checkout_root()
    if root is None or not (root / "zoo" / "manifest.json").is_file():
        raise RuntimeError(f"--publish is a developer action: it writes checkpoints/ and zoo/manifest.json of a "
                           f"mode-zoo source checkout, and this is an installed copy ({Path(__file__).parent}); run "
                           f"it from a checkout (pip install -e .), or train with --out DIR instead")
    return root


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


STRATEGIES = ("default", "mirrored", "multiworker", "tpu")


def multiworker_role(env: str | None = None) -> dict:
    """This process's place in a multi-worker cluster, from ``TF_CONFIG`` (``env``: its JSON text,
    default the environment variable): ``{"task_type", "task_index", "workers", "chief"}``.

    ``TF_CONFIG`` is ``{"cluster": {"worker": ["host:port", ...], ("chief": [...])}, "task": {"type":
    "worker", "index": i}}`` (docs/distributed.md). The chief is the ``chief`` task, or worker 0 when
    the cluster has none. Raises RuntimeError (one line) when it is missing or malformed.
    """
    text = os.environ.get("TF_CONFIG") if env is None else env
    usage = ("set TF_CONFIG to {\"cluster\": {\"worker\": [\"host:port\", ...]}, \"task\": {\"type\": "
             "\"worker\", \"index\": i}} on every worker (docs/distributed.md)")
    if not text:
        raise RuntimeError(f"--strategy multiworker needs the TF_CONFIG environment variable; {usage}")
    try:
        config = json.loads(text)
        cluster, task = config["cluster"], config["task"]
        task_type, index = task["type"], task["index"]
        members = {kind: list(hosts) for kind, hosts in cluster.items()}
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise RuntimeError(f"--strategy multiworker: TF_CONFIG is not valid ({type(err).__name__}: {err}); "
                           f"{usage}") from None
    if task_type not in ("worker", "chief") or not members.get("worker") and not members.get("chief"):
        raise RuntimeError(f"--strategy multiworker: TF_CONFIG must list workers and give this task's type "
                           f"worker or chief (got type {task_type!r}); {usage}")
    hosts = members.get(task_type) or []
    if not isinstance(index, int) or not 0 <= index < len(hosts) or \
            not all(isinstance(h, str) and h.rpartition(":")[2].isdigit() and h.rpartition(":")[0]
                    for kind in members.values() for h in kind):
        raise RuntimeError(f"--strategy multiworker: TF_CONFIG task index {index!r} or its host:port entries "
                           f"do not match the cluster {members}; {usage}")
    chief = task_type == "chief" or (index == 0 and not members.get("chief"))
    return {"task_type": task_type, "task_index": index, "chief": chief,
            "workers": len(members.get("worker", [])) + len(members.get("chief", []))}


def _strategy(name: str):
    import tensorflow as tf

    if name == "multiworker":
        multiworker_role()  # a clear error before TensorFlow tries to reach the cluster
        # Collective ops need a strategy created before TensorFlow initialises its devices, which is
        # why main() builds it first thing; gRPC between the workers, collectives over the ring.
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "tpu":
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
            return tf.distribute.TPUStrategy(resolver)
        except Exception as err:  # noqa: BLE001 - no TPU: ValueError, NotFoundError, RuntimeError, ...
            from zoo.checkpoint import short_error

            raise RuntimeError(f"--strategy tpu: no TPU could be reached ({short_error(err, 120)}); "
                               f"use --strategy default or mirrored") from None
    raise ValueError(f"unknown strategy {name!r}; known: {', '.join(STRATEGIES)}")


def _plot_samples(model, config, path, title=""):
    from eval import plots
    from zoo import data

    if data.is_mixture(config["dataset"]):
        return plots.plot_mixture(model.sample(2500, seed=0), data.mixture(config["dataset"]), path, title)
    if len(data.data_shape(config["dataset"])) == 1:  # your own vectors: drawn over the real ones
        return plots.plot_vectors(model.sample(2500, seed=0), data.real_sample(config["dataset"], 2500, 0), path,
                                  title)
    return plots.plot_image_grid(model.sample(100, seed=0), path, title=title)


def evaluate_checkpoint(model, config) -> dict:
    """Metrics stored in ``metrics.json``, from :func:`eval.evaluate`: on vectors (mixtures, your own
    arrays) over 5 sampling seeds, on images the report of ``eval.image_report`` (``skipped`` with the
    reason for image data without an evaluation classifier); then the method's own figures
    (``model.checkpoint_metrics()``, e.g. a learned prior's ``score_spread``; none for most methods)."""
    from zoo import data

    if len(data.data_shape(config["dataset"])) == 1:
        from eval.api import evaluate

        metrics = evaluate(model, config["dataset"])
    else:
        from eval.image_report import evaluate_checkpoint_images

        metrics = evaluate_checkpoint_images(model, config["dataset"])
    return {**metrics, **model.checkpoint_metrics()}


BACKUP = ".backup"
_STATE = "training_metadata.json"
_RECORD = "train_config.json"


def check_output_folder(out) -> None:
    """Raise RuntimeError unless ``out`` can be a checkpoint folder: a folder (or nothing yet) whose
    nearest existing ancestor lets us create entries (checked by creating one, so root and read-only
    file systems are judged correctly). Nothing is left behind."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RuntimeError(f"--out {out} exists and is not a folder")
    probe_in = out if out.is_dir() else next((p for p in out.parents if p.exists()), Path("."))
    if not probe_in.is_dir():
        raise RuntimeError(f"--out {out} cannot be written ({probe_in} is a file, not a folder)")
    try:
        shutil.rmtree(tempfile.mkdtemp(dir=probe_in, prefix=".write-test-"))
    except OSError as err:
        raise RuntimeError(f"--out {out} cannot be written ({probe_in}: {err.strerror or err}); "
                           f"pass a writable --out") from None


class RunLock:
    """Exclusive lock of an output folder while a run uses it: the file ``.NAME.lock`` beside the folder,
    holding the owner's PID, locked with ``flock`` (released by the kernel when the owner dies, even
    by ``kill -9``; a lock file left by a dead PID is simply taken over). Without ``fcntl`` a lock file
    created with ``O_EXCL`` is used, and one whose PID is no longer alive is stale and replaced."""

    def __init__(self, out):
        out = Path(out)
        self.out = out
        self.path = out.parent / f".{out.name}.lock"
        self.fd = None

    def _busy(self, pid: str):
        return RuntimeError(f"{self.out} is in use by another training run (PID {pid or '?'}); wait for it to "
                            f"finish or pass another --out")

    def acquire(self) -> RunLock:
        """Take the lock or raise RuntimeError naming the PID that holds it."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return self._acquire_excl()
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pid = os.pread(fd, 32, 0).decode(errors="replace").strip()
                os.close(fd)
                raise self._busy(pid) from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:  # else the previous owner removed the file between our open and flock: retry
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd
        return self

    def _acquire_excl(self) -> RunLock:  # pragma: no cover - not POSIX
        from zoo.checkpoint import _pid_alive

        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                pid = self.path.read_text().strip()
                if pid.isdigit() and _pid_alive(int(pid)):
                    raise self._busy(pid) from None
                self.path.unlink(missing_ok=True)  # stale: its owner is dead
                continue
            os.write(fd, f"{os.getpid()}\n".encode())
            self.fd = fd
            return self
        raise self._busy("")

    def release(self) -> None:
        """Remove the lock file and release the lock."""
        if self.fd is not None:
            Path(self.path).unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def _seed_generators(model) -> dict:
    """Every Keras ``SeedGenerator`` whose state drives training: the model's (latents, interpolation
    weights, dropout) by variable path, and Keras' global one when it exists."""
    from keras.src.backend.common import global_state

    found = {}
    for layer in model._flatten_layers(include_self=True, recursive=True):
        for gen in getattr(layer, "_seed_generators", ()):
            found.setdefault(gen.state.path, gen)
    gen = global_state.get_global_attribute("global_seed_generator")
    if gen is not None:
        found.setdefault("<global>", gen)
    return found


def _unreadable(backup: Path, what: str) -> RuntimeError:
    return RuntimeError(f"{backup}: the resume state is unreadable ({what}); delete that folder to start "
                        f"afresh (the run then restarts from step 0), or pass another --out")


def _read_json_file(path: Path, backup: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise _unreadable(backup, f"{path.name}: {type(err).__name__}") from None


def resume_state(out, config: dict) -> dict | None:
    """The resume state of an interrupted run of ``config`` in ``out/.backup``, or None to start afresh.

    Returns ``{"epoch", "weights", "sha256", "seed_generators", "prepared", "curve"}`` after checking that
    it belongs to ``config`` (:func:`zoo.configs.same_config`) and is intact; a folder without a finished
    epoch (a run that failed before its first epoch) is reset and recorded for ``config``, so it never
    blocks a corrected command.
    Raises RuntimeError (one line: the folder and what to do) for the state of another config or of a
    version that did not record it, and for a damaged state (an empty or truncated file).
    """
    from zoo import checkpoint, configs

    backup = Path(out) / BACKUP
    wanted = json.loads(json.dumps(config))
    if backup.is_dir() and ((backup / _STATE).exists() or (backup / "latest.weights.h5").exists()):
        recorded = backup / _RECORD
        found = _read_json_file(recorded, backup) if recorded.is_file() else None
        if not configs.same_config(found, wanted):
            why = "was started with another config" if found is not None else "does not record its config"
            raise RuntimeError(f"{backup} holds the resume state of an interrupted run that {why}; delete "
                               f"that folder to start afresh, or pass another --out")
        if not (backup / _STATE).is_file():
            raise _unreadable(backup, f"no {_STATE}")
        state = _read_json_file(backup / _STATE, backup)
        if not isinstance(state, dict) or not isinstance(state.get("weights"), str) or \
                not isinstance(state.get("epoch"), int) or "/" in state["weights"]:
            raise _unreadable(backup, f"{_STATE} was not written by this version of train.run")
        weights = backup / state["weights"]
        if not weights.is_file():
            raise _unreadable(backup, f"{state['weights']} is missing")
        if checkpoint.sha256(weights) != state.get("sha256"):
            raise _unreadable(backup, f"{state['weights']} is truncated or altered")
        return state
    shutil.rmtree(backup, ignore_errors=True)
    backup.mkdir(parents=True)
    checkpoint.write_json(backup / _RECORD, wanted)
    return None


def _resume_callback(model, backup: Path, prepared: dict, curve: list | None = None):
    """A Keras callback that saves the resume state atomically after every finished epoch.

    The weights (with every optimizer's slots) go to a new ``epoch-NNNNNN.weights.h5``, then
    ``training_metadata.json`` (epoch, that file's sha256, the seed generators' states, the figures of
    the preparation before the game, the training curve's points so far, ``curve``: a list the curve
    callback fills, or None) replaces the old one in one rename, then older weight files are
    removed: a kill at any moment leaves one complete, consistent state. An epoch with a non-finite
    loss is not saved.
    """
    import keras

    from zoo import checkpoint

    class ResumeState(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            """Write the state after epoch ``epoch`` (0-based): weights file, then metadata, then clean-up."""
            if any(isinstance(v, float) and not math.isfinite(v) for v in (logs or {}).values()):
                return
            done = epoch + 1
            name = f"epoch-{done:06d}.weights.h5"
            tmp = backup / f".tmp-{name}"
            model.save_weights(str(tmp), overwrite=True)
            os.replace(tmp, backup / name)
            seeds = {path: [int(v) for v in gen.state.numpy().ravel()] for path, gen in _seed_generators(model).items()}
            checkpoint.write_json(backup / _STATE, {"epoch": done, "weights": name,
                                                    "sha256": checkpoint.sha256(backup / name),
                                                    "seed_generators": seeds, "prepared": prepared,
                                                    "curve": curve})
            for old in backup.glob("epoch-*.weights.h5"):
                if old.name != name:
                    old.unlink(missing_ok=True)

    return ResumeState()


def _curve_callback(model, mixture, every: int, points: list, steps_per_epoch: int, first_step: int,
                    last_step: int):
    """A Keras callback that appends training-curve points (:func:`eval.curve.curve_point`) to ``points``.

    A point is taken at step 0 (when the run starts there), at the end of the first compiled execution
    at or after every multiple of ``every`` generator steps (its actual step is recorded) and after the
    last step. Points are taken between executions, never during one, and sample with a fixed seed, so
    they leave the training state and every random stream as they were. ``points`` is the list the
    resume state saves after each epoch: a resumed run continues it and ends with the same curve.
    """
    import keras

    from eval.curve import curve_point

    class TrainingCurve(keras.callbacks.Callback):
        epoch = 0

        def on_train_begin(self, logs=None):
            if first_step == 0 and not points:
                points.append(curve_point(model, mixture, 0))

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            step = self.epoch * steps_per_epoch + batch + 1  # ``batch``: the execution's last step in the epoch
            last = points[-1]["step"] if points else first_step
            if step // every > last // every or (step >= last_step and last < step):
                points.append(curve_point(model, mixture, step))

    return TrainingCurve()


def _restore(model, backup: Path, state: dict) -> None:
    """Load the resume state's weights and seed-generator states into the compiled ``model``."""
    import numpy as np

    try:
        model.load_weights(str(backup / state["weights"]))
    except Exception as err:  # noqa: BLE001 - h5py/Keras raise many types for a damaged file
        from zoo.checkpoint import short_error

        raise _unreadable(backup, f"{state['weights']}: {short_error(err, 120)}") from None
    generators = _seed_generators(model)
    for path, values in (state.get("seed_generators") or {}).items():
        if path in generators:
            gen = generators[path]
            gen.state.assign(np.asarray(values, dtype=gen.state.dtype).reshape(gen.state.shape))


def compile_model(model, config: dict, **kwargs) -> None:
    """Compile ``model`` with one optimizer per player: the config's ``<prefix>_optimizer`` where set
    (``d_optimizer`` for two time-scale updates), else the shared ``optimizer``; ``kwargs`` go to Keras."""
    from zoo.methods import build_optimizer

    specs = {p.prefix: config.get(f"{p.prefix}_optimizer") or config["optimizer"] for p in model.players}
    model.compile(optimizers={prefix: build_optimizer(spec) for prefix, spec in specs.items()}, **kwargs)


def worker_scratch(out, index: int) -> Path:
    """Where a non-chief worker of a multi-worker run writes: ``.OUT.workertemp_<index>`` beside ``out``.

    Every worker has to run the same callbacks (the resume state, the logs), but only the chief's
    files are the run's result, as in TensorFlow's multi-worker guide: the others write to this
    folder (which also holds their resume state) and remove it once the run has finished.
    """
    out = Path(out)
    return out.parent / f".{out.name}.workertemp_{index}"


def train(config: dict, out, strategy="default", verbose: int | None = None, jit: bool = False,
          plot_every: int = 5, evaluate: bool = True, callbacks=()):
    """Train ``config`` (from :func:`zoo.configs.resolve`) into checkpoint folder ``out``; return the model.

    On a mixture with ``config["curve_every"] > 0`` the checkpoint also gets the training curve
    (``curve.json``, ``curve.png``; :mod:`eval.curve`). ``strategy`` is a name (:data:`STRATEGIES`) or a
    ready ``tf.distribute.Strategy``. With
    ``multiworker`` only the chief writes ``out`` (and evaluates); the other workers write to
    :func:`worker_scratch` and remove it at the end. ``callbacks`` are extra Keras callbacks appended
    to the standard ones. Raises RuntimeError (one line) for an output folder that cannot be written or
    is used by another run, a strategy that cannot be set up, or resume state of another config or in
    a damaged state.
    """
    out = Path(out)
    dist = _strategy(strategy) if isinstance(strategy, str) else strategy  # a missing TPU stops here
    role = multiworker_role() if _is_multiworker(dist) else {"chief": True}
    if not role["chief"]:
        out, evaluate, plot_every = worker_scratch(out, role["task_index"]), False, 0
    check_output_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with RunLock(out):
        model = _train_locked(config, out, dist, verbose, jit, plot_every, evaluate, callbacks)
    if not role["chief"]:
        shutil.rmtree(out, ignore_errors=True)
    return model


def _shard_global_batches(ds, dist, global_batch: int):
    """A distributed data set in which replica r of the cluster gets rows [r·b, (r+1)·b) of every global
    batch of ``ds`` (b = global batch / replicas), exactly as a single device would see them.

    Every worker iterates the same seeded pipeline of global batches and keeps only its own replicas'
    rows, so the union over replicas of one step is exactly the single-device batch (TensorFlow's
    automatic sharding by elements or files does not promise that), and the latents of
    :meth:`zoo.core.model.GAN.replica_slice` line up with the same rows.
    """
    import tensorflow as tf

    replicas = dist.num_replicas_in_sync
    if global_batch % replicas:
        raise RuntimeError(f"the global batch ({global_batch} examples per step) is not divisible by the "
                           f"{replicas} replicas; pick a --batch-size that is")
    per = global_batch // replicas

    def per_worker(context):
        local = replicas // context.num_input_pipelines  # replicas this worker feeds, in replica-id order
        first = context.input_pipeline_id * local * per

        def pieces(batch):  # this worker's rows of a global batch, one element per local replica
            return tf.data.Dataset.from_tensor_slices(tf.nest.map_structure(
                lambda t: tf.reshape(t[first:first + local * per], tf.concat([[local, per], tf.shape(t)[1:]], 0)),
                batch))

        return ds.flat_map(pieces).prefetch(tf.data.AUTOTUNE)

    return dist.distribute_datasets_from_function(per_worker)


def _is_multiworker(dist) -> bool:
    import tensorflow as tf

    return isinstance(dist, tf.distribute.MultiWorkerMirroredStrategy)


@contextlib.contextmanager
def _canonical_names():
    """Keras' automatic names (``gan``, ``leaky_re_lu``, ``adam_1``, ...) counted from zero inside, so the
    saved config and weights do not depend on what the process built before: identical runs give
    identical files from the command line or from a script. Counts taken outside are kept afterwards."""
    import collections

    from keras.src.backend.common import global_state

    saved = global_state.get_global_attribute("object_name_uids")
    fresh = collections.defaultdict(int)
    global_state.set_global_attribute("object_name_uids", fresh)
    try:
        yield
    finally:
        for key, value in (saved or {}).items():
            fresh[key] = max(fresh[key], value)


def _train_locked(config, out: Path, dist, verbose, jit, plot_every, evaluate, callbacks):
    import keras

    from eval import plots
    from eval.curve import CURVE_FILE, CURVE_PLOT, curve_record
    from zoo import checkpoint, data
    from zoo.methods import build_model

    checkpoint.clean_leftovers(out)
    out.mkdir(parents=True, exist_ok=True)
    state = resume_state(out, config)
    backup = out / BACKUP
    (out / "logs" / "samples").mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config["seed"])
    epochs, steps_per_epoch = split_steps(config["steps"], config["steps_per_epoch"])
    per_execution = min(config["steps_per_execution"], steps_per_epoch)
    if _is_multiworker(dist):
        # Keras' loop of several steps per call fails with collective ops across workers (TensorFlow
        # 2.x: "You must feed a value for placeholder tensor ... while/cond"): one step per call.
        per_execution = 1
    with dist.scope(), _canonical_names():
        model = build_model(config)
        compile_model(model, config, steps_per_execution=per_execution, jit_compile=jit)
    ds = data.dataset(config["dataset"], model.examples_per_step(config["batch_size"]), seed=config["seed"])
    initial_epoch, prepared = 0, {}
    # The training curve's points (mixtures with curve_every > 0), continued from the resume state.
    curve = [] if config["curve_every"] and data.is_mixture(config["dataset"]) else None
    if state is not None:
        _restore(model, backup, state)
        initial_epoch, prepared = state["epoch"], state.get("prepared") or {}
        if curve is not None:
            curve = list(state.get("curve") or [])
        # The data position: every execution takes ``per_execution`` batches, so an epoch consumes
        # ceil(steps_per_epoch / per_execution) of them; the seeded pipeline replays the same order.
        ds = ds.skip(initial_epoch * math.ceil(steps_per_epoch / per_execution) * per_execution)
    if _is_multiworker(dist):
        ds = _shard_global_batches(ds, dist, model.examples_per_step(config["batch_size"]))
    else:
        if config.get("covering_init"):
            # Lopez-Paz & Oquab Sec. 3: match G's sample mean/covariance to the data's before the game
            # (any method). Skipped on resume: the resume state brings back the trained weights instead.
            from zoo.methods.lopez_paz_oquab import covering_init_from_config

            covering = covering_init_from_config(model, config)
            if covering:
                prepared["covering_init"] = {k: v for k, v in covering.items() if k != "history"}
        # A method's own preparation before the game (the Dual Importance Weight GAN's auto-encoder);
        # skipped on resume for the same reason.
        pretrained = model.pretrain(config)
        if pretrained:
            prepared["pretrain"] = pretrained
        prepared = json.loads(json.dumps(prepared, default=float))

    class SamplePlots(keras.callbacks.Callback):
        """Writes ``logs/samples/step_XXXXXXX.png`` every ``plot_every`` epochs."""

        def on_epoch_end(self, epoch, logs=None):
            if plot_every and ((epoch + 1) % plot_every == 0 or epoch + 1 == epochs):
                step = (epoch + 1) * steps_per_epoch
                _plot_samples(model, config, out / "logs" / "samples" / f"step_{step:07d}.png", f"step {step}")

    callbacks = [
        keras.callbacks.TerminateOnNaN(),
        *([] if curve is None else [_curve_callback(model, data.mixture(config["dataset"]), config["curve_every"],
                                                    curve, steps_per_epoch, initial_epoch * steps_per_epoch,
                                                    epochs * steps_per_epoch)]),
        _resume_callback(model, backup, prepared, curve),
        keras.callbacks.TensorBoard(str(out / "logs"), update_freq="epoch", write_graph=False),
        SamplePlots(),
        *callbacks,
    ]
    if verbose is None:
        verbose = 1 if sys.stdout.isatty() else 2
    start = time.time()
    history = model.fit(ds, epochs=epochs, initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
                        callbacks=callbacks, verbose=verbose, shuffle=False)  # the pipeline shuffles (seeded)
    seconds = time.time() - start
    if any(not math.isfinite(v) for vs in history.history.values() for v in vs):
        raise RuntimeError(f"training diverged (NaN loss); nothing was saved (the last finite epoch's resume "
                           f"state stays in {backup}; delete it to start afresh)")
    metrics = evaluate_checkpoint(model, config) if evaluate else {}
    metrics["train_seconds_last_run"] = round(seconds, 2)
    metrics.update(prepared)
    files = {"train_config.json": config, "metrics.json": metrics}
    if curve is not None:
        files[CURVE_FILE] = curve_record(curve, data.mixture(config["dataset"]), config["curve_every"])
    sums = checkpoint.save(model, out, files)
    checkpoint.verify(out, sums)
    shutil.rmtree(backup, ignore_errors=True)  # only now: the final checkpoint is in place and verified
    _plot_samples(model, config, out / "samples.png", config["name"])
    if curve is not None:
        plots.plot_curves({"": files[CURVE_FILE]}, out / CURVE_PLOT, f"{config['name']}: training curve")
    else:
        (out / CURVE_PLOT).unlink(missing_ok=True)  # an earlier run's plot in this folder is not this run's
    return model


def publish(run_dir, name: str) -> Path:
    """Copy a finished run's checkpoint files (and its plots, :data:`zoo.checkpoint.PLOTS`) to
    ``checkpoints/<name>/`` of the source checkout and record the model files' sha256 in the registry
    (``zoo/manifest.json``). Logs and resume state stay behind. The copy is
    staged beside the destination and swapped into place atomically (:func:`zoo.checkpoint.replace_folder`).
    The manifest names the Hub repository without its organisation (``"hf": name``): the organisation is
    ``$MODE_ZOO_HF_ORG`` where the entry is loaded (:func:`zoo.hf_repo_id`). RuntimeError outside a checkout."""
    from zoo import checkpoint

    repo = _checkout()
    run_dir = Path(run_dir)
    sums = checkpoint.verify(run_dir)
    dest = repo / "checkpoints" / name
    if dest.resolve() != run_dir.resolve():
        staging = dest.with_name(f".{name}.staging-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            # A published folder holds the checkpoint and its plots only (and no plot of an older version).
            keep = {file for file in [*sums, "SHA256SUMS", *checkpoint.PLOTS] if (run_dir / file).exists()}
            for file in keep:
                shutil.copy2(run_dir / file, staging / file)
            checkpoint.verify(staging, sums)
            checkpoint.replace_folder(staging, dest)
            for entry in list(dest.iterdir()):
                if entry.name not in keep:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    manifest_path = repo / "zoo" / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    config = json.loads((dest / "train_config.json").read_text())
    manifest[name] = {"files": {f: sums[f] for f in checkpoint.MODEL_FILES}, "method": config["method"],
                      "dataset": config["dataset"], "hf": name}
    checkpoint.write_json(manifest_path, manifest)
    return dest


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)  # one line, no usage dump
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (``--help`` documents every flag)."""
    p = _Parser(prog="python -m train.run", description=__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=False, help="method (gan, wgan, wgan_gp, dcgan, ...) or zoo entry "
                   "(gan_ring8, ...); see --list")
    p.add_argument("--dataset", help="ring8, grid25, grid25_aniso, cube27, mnist, fashion_mnist, cifar10, celeba, "
                   "stacked_mnist, or tfds:NAME for any tensorflow-datasets image set (default: the entry's or "
                   "the method's)")
    p.add_argument("--mixture", metavar="SPEC", help="train on your own Gaussian mixture: a JSON/YAML spec with "
                   "means, std or covs, optional weights and name (docs/your_own_data.md)")
    p.add_argument("--data", metavar="FILE", help="train on your own array: .npy/.npz of vectors [N, D] or "
                   "images [N, S, S, C] (S = 28, 32, 64; uint8 or floats in [-1, 1])")
    p.add_argument("--data-key", metavar="KEY", help="array name inside an .npz given to --data")
    p.add_argument("--steps", type=int, help="generator updates (default: the config's)")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, data order and latents (default 0)")
    p.add_argument("--out", help="checkpoint folder (default: runs/<name> in the current directory, or the "
                   "checkout's checkpoints/<name> with --publish)")
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
    p.add_argument("--strategy", default="default", choices=list(STRATEGIES),
                   help="tf.distribute strategy (mirrored: all local GPUs; multiworker: the cluster of the "
                   "TF_CONFIG environment variable, run the same command on every worker; tpu: the attached "
                   "TPU); --batch-size is the global batch (docs/distributed.md)")
    p.add_argument("--jit", action="store_true", help="compile the train step with XLA")
    p.add_argument("--plot-every", type=int, default=5, help="sample plot every N epochs (0: never)")
    p.add_argument("--no-eval", action="store_true", help="skip the final evaluation (metrics.json stays short)")
    p.add_argument("--publish", action="store_true", help="write to checkpoints/<name> and record its sha256 "
                   "in zoo/manifest.json (for maintainers)")
    p.add_argument("--show-config", action="store_true", help="print the resolved config as JSON and exit")
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines and Keras' warnings "
                   "(hidden by default; see zoo/quiet.py)")
    p.add_argument("--list", action="store_true", help="list methods, entries and datasets and exit")
    return p


def _data_source(args) -> str | None:
    """The dataset name of ``--dataset``/``--mixture``/``--data`` (one of them at most), registering your
    own data as a ``zoo.data`` source so the config records where it came from."""
    from zoo import configs, data

    given = [flag for flag, value in (("--dataset", args.dataset), ("--mixture", args.mixture),
                                      ("--data", args.data)) if value]
    if len(given) > 1:
        raise configs.ConfigError(f"give one data set, not {' and '.join(given)}")
    if args.data_key and not args.data:
        raise configs.ConfigError("--data-key needs --data")
    if args.mixture:
        return data.mixture_source(args.mixture)
    if args.data:
        return data.array_source(args.data, args.data_key)
    if args.dataset and args.dataset.startswith("tfds:"):
        return data.tfds_source(args.dataset)
    return args.dataset


def _fail(err) -> int:
    print(f"error: {' '.join(str(err).split())}", file=sys.stderr)  # one line, whatever the message
    return 2


def main(argv=None) -> int:
    """Entry point; returns the process exit code (2 for bad input)."""
    args = build_parser().parse_args(argv)
    from zoo import configs

    if args.list:
        from zoo.methods import ENTRIES, METHODS

        print("methods:  " + ", ".join(sorted(METHODS)))
        print("entries:  " + ", ".join(sorted(ENTRIES)))
        print("datasets: " + ", ".join(sorted(configs.DATASET_DEFAULTS)))
        print("your own: --mixture SPEC.json|yaml, --data FILE.npy|npz, --dataset tfds:NAME (docs/your_own_data.md)")
        return 0
    if not args.model:
        print("error: --model is required (see --list)", file=sys.stderr)
        return 2
    strategy = args.strategy
    if strategy == "multiworker" and not args.show_config:
        try:  # first: collective ops must be configured before TensorFlow initialises its devices
            strategy = _strategy(strategy)
        except (RuntimeError, ValueError) as err:
            return _fail(err)
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
        dataset = _data_source(args)
        config = configs.resolve(args.model, dataset, overrides, penalty=args.penalty)
        if args.covering_init and not config["covering_init"]:
            config["covering_init"] = True
        if not args.show_config:
            from zoo.methods import build_model

            build_model(config)  # the method's own arguments are checked before any work starts
    except (ValueError, TypeError) as err:
        return _fail(err)
    if args.show_config:
        print(json.dumps(config, indent=2))
        return 0
    try:
        # --publish writes into the source checkout: refused before any work when there is none.
        root = _checkout() if args.publish else None
    except RuntimeError as err:
        return _fail(err)
    # Outside a checkout (an installed wheel) runs go to ./runs/<name> of the current directory.
    out = Path(args.out) if args.out else (root / "checkpoints" if root else Path("runs")) / config["name"]
    try:
        from zoo.data import DataError

        train(config, out, strategy=strategy, jit=args.jit, plot_every=args.plot_every,
              evaluate=not args.no_eval)
    except (DataError, RuntimeError) as err:
        return _fail(err)
    if not isinstance(strategy, str) and not multiworker_role()["chief"]:
        print(f"worker {multiworker_role()['task_index']} finished; the chief wrote the checkpoint")
        return 0
    if args.publish:
        dest = publish(out, config["name"])
        print(f"published {config['name']} to {dest}")
    print(f"saved checkpoint to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
