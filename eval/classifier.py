"""The MNIST evaluation classifier (docs/evaluation.md#mnist-classifier): Keras ``mnist_cnn``, the
network PacGAN's ``train_mnist.py`` uses (Lin et al. 2018, arXiv:1712.04086).

Architecture: Conv32 3×3 ReLU -> Conv64 3×3 ReLU -> MaxPool 2 -> Dropout 0.25 ->
Dense128 ReLU -> Dropout 0.5 -> Dense10 softmax, inputs in **[0, 1]**. The Dense128 activations are the
features for FID/KID/precision-recall (the analogue of Inception's pool3 features).

Training. The protocol uses Adadelta, batch 128, 20 epochs ("99.25 % test accuracy"). That figure was
obtained with Keras 1/2, whose Adadelta default learning rate was **1.0**; Keras 3's default is 0.001,
which barely moves in 20 epochs. ``--optimizer adadelta`` reproduces the original (lr 1.0, rho 0.95,
eps 1e-7). The default is **Adam, lr 1e-3** for fewer epochs (a documented deviation: same network,
same data, same accuracy target ≥ 99.2 %, half the epochs). No early stopping or model selection is done
on the test set: it is used once, for the reported accuracy.

Checkpoint layout (``checkpoints/mnist_classifier/`` of the checkout; an installed wheel ships it as package
data, ``zoo/checkpoints/mnist_classifier/``, see :func:`zoo.shipped_dir`): Keras' unzipped format (``config.json``,
``metadata.json``, ``model.weights.h5``), ``metrics.json`` and ``SHA256SUMS`` (``sha256sum -c`` format).
:func:`load_classifier` verifies every listed hash before Keras reads anything and loads with
``safe_mode=True``. The shipped classifier's hashes are pinned here (:data:`PINNED_SHA256`), as the
registry pins a zoo entry's: every metric that uses the default classifier checks them, so a
classifier that was altered and re-hashed (its own ``SHA256SUMS`` rewritten) is refused instead of
silently changing every score. Another classifier is used only when named explicitly (a path here;
``--classifier-dir DIR --unpinned-classifier`` on the command lines, which print its sha256).

CLI: ``python -m eval.classifier --out checkpoints/mnist_classifier [--epochs N] [--optimizer adam]``.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np

from eval.inception import KerasScorer
from zoo import checkpoint, shipped_dir

__all__ = [
    "DEFAULT_DIR", "FEATURE_LAYER", "PINNED_SHA256", "SCORER_BATCH", "ChecksumError", "MnistScorer", "build_classifier",
    "classifier_sha256", "features", "is_pinned", "load_classifier", "load_mnist_arrays", "mnist_scorer",
    "predict_probs", "save_classifier",
    "to_unit_range", "train_classifier"
]

# The shipped classifier lives with the code (the checkout's checkpoints/, or the wheel's package data), not
# in $MODE_ZOO_CHECKPOINTS: it is pinned below, so there is exactly one default classifier.
DEFAULT_DIR = shipped_dir() / "mnist_classifier"
#: sha256 of the shipped classifier's model files (``checkpoints/mnist_classifier``, 99.29 % test
#: accuracy). A retrained classifier is published by updating these together with the folder.
PINNED_SHA256 = {
    "config.json": "30766cb7b5a4dd3a1b8c063c189d184b1cb5aaceb01f7bc4e5d355e7d4292975",
    "metadata.json": "a85aab71b396d8bcfcd91b310c5461763a0e8ae2da7209ef20bf2c814ee46b1c",
    "model.weights.h5": "65dc65517a180e0e8a5d8fbbe0837ecbb424b6c1f8dc77535c809461fceb3d29",
}
FEATURE_LAYER = "features"
#: Images per forward pass of the MNIST scorer: large batches keep the CPU busy in few graph calls;
#: results do not depend on it (inference mode, per-row outputs).
SCORER_BATCH = 2000
SUMS_FILE = checkpoint.SUMS
# Loaded checkpoints: resolved path -> (SHA-256 of its SHA256SUMS file, model). A checkpoint rewritten
# at the same path has other sums, so it is verified and loaded afresh instead of served stale.
_LOADED: dict[str, tuple[str, object]] = {}
_SCORERS_ATTR = "_eval_mnist_scorers"  # per-model {batch_size: MnistScorer}, see mnist_scorer


# A missing, incomplete or corrupt classifier checkpoint: the zoo's own checkpoint error.
ChecksumError = checkpoint.CheckpointError


def build_classifier(seed: int | None = None):
    """The evaluation CNN (Keras ``mnist_cnn``) as a functional Keras model; inputs [N,28,28,1] in [0,1].

    The Dense128 layer is named ``features`` (see :data:`FEATURE_LAYER`).
    """
    import keras
    from keras import layers

    init = keras.initializers.GlorotUniform(seed=seed)
    x = inp = keras.Input((28, 28, 1), name="digit")
    x = layers.Conv2D(32, 3, activation="relu", kernel_initializer=init, name="conv1")(x)
    x = layers.Conv2D(64, 3, activation="relu", kernel_initializer=init, name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.Dropout(0.25, seed=seed, name="drop1")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(128, activation="relu", kernel_initializer=init, name=FEATURE_LAYER)(x)
    x = layers.Dropout(0.5, seed=seed, name="drop2")(x)
    out = layers.Dense(10, activation="softmax", kernel_initializer=init, name="probs")(x)
    return keras.Model(inp, out, name="mnist_cnn")


def to_unit_range(x):
    """Map generator outputs in [-1, 1] to the classifier's [0, 1] input range: (x + 1) / 2.

    PacGAN's VEEGAN-setting code fed [-1, 1] straight into this classifier; we always rescale
    (docs/evaluation.md#stacked-mnist). Works on numpy arrays and tensors.
    """
    return (x + 1.0) / 2.0


def load_mnist_arrays(split: str) -> tuple[np.ndarray, np.ndarray]:
    """MNIST ``split`` as ``(images [N,28,28,1] float32 in [-1,1], labels [N] int64)`` via ``zoo.data``."""
    from zoo.data import load_images

    ds = load_images("mnist", split, with_labels=True).batch(10_000)
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64)


def _fit(model, x, y, epochs, optimizer, seed, batch_size=128, verbose=2):
    import keras

    if optimizer == "adam":
        opt = keras.optimizers.Adam(1e-3)
    elif optimizer == "adadelta":
        # Keras 1/2 defaults, as used by mnist_cnn / PacGAN train_mnist.py (see module docstring).
        opt = keras.optimizers.Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-7)
    else:
        raise ValueError(f"unknown optimizer {optimizer!r} (adam or adadelta)")
    model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose)
    return model


def save_classifier(model, out_dir: str | os.PathLike, metrics: dict | None = None) -> Path:
    """Save ``model`` (Keras unzipped format), ``metrics.json`` and ``SHA256SUMS`` into ``out_dir``.

    Uses the zoo's atomic checkpoint writer (:func:`zoo.checkpoint.save`): files are staged in a
    temporary folder and ``SHA256SUMS`` lands last, so a crash never leaves a checkpoint that verifies.
    """
    out = Path(out_dir).resolve()
    checkpoint.save(model, out, {"metrics.json": metrics or {}})
    _LOADED.pop(str(out), None)  # a cached model of an older checkpoint at this path is stale
    return out


def train_classifier(out_dir: str | os.PathLike = DEFAULT_DIR, epochs: int = 10, seed: int = 0,
                     optimizer: str = "adam", command: str | None = None, verbose: int = 2) -> dict:
    """Train the evaluation classifier on MNIST train, test it once, save it atomically.

    Writes the Keras unzipped model, ``metrics.json`` (test accuracy, epochs, optimizer, seed, the
    training-label marginal used by the MODE score, command) and ``SHA256SUMS`` into a temporary sibling
    directory and renames it to ``out_dir`` at the end. Returns the metrics dict.
    """
    import keras

    keras.utils.set_random_seed(seed)
    x_train, y_train = load_mnist_arrays("train")
    x_test, y_test = load_mnist_arrays("test")
    start = time.time()
    model = _fit(build_classifier(seed), to_unit_range(x_train), y_train, epochs, optimizer, seed,
                 verbose=verbose)
    seconds = time.time() - start
    # Only inference is needed later: save an uncompiled copy, so no optimizer state goes into the file.
    trained, model = model, build_classifier()
    model.set_weights(trained.get_weights())
    probs = predict_probs(model, x_test)
    accuracy = float(np.mean(probs.argmax(1) == y_test))
    metrics = {
        "test_accuracy": accuracy,
        "test_examples": len(y_test),
        "epochs": int(epochs),
        "optimizer": optimizer,
        "batch_size": 128,
        "seed": int(seed),
        "train_seconds": round(seconds, 1),
        "train_label_marginal": (np.bincount(y_train, minlength=10) / len(y_train)).tolist(),
        "command": command or f"python -m eval.classifier --out {out_dir} --epochs {epochs} "
                              f"--optimizer {optimizer} --seed {seed}",
        "keras_version": keras.__version__,
    }
    save_classifier(model, out_dir, metrics)
    return metrics


def _is_default(directory: Path) -> bool:
    return directory.resolve() == Path(DEFAULT_DIR).resolve()


def classifier_sha256(path: str | os.PathLike | None = None) -> str:
    """sha256 of a classifier checkpoint's ``model.weights.h5`` (what a report prints for a custom one)."""
    return checkpoint.sha256(Path(path if path is not None else DEFAULT_DIR) / "model.weights.h5")


def is_pinned(path: str | os.PathLike | None = None) -> bool:
    """True when the classifier checkpoint at ``path`` has exactly the pinned files (:data:`PINNED_SHA256`)."""
    directory = Path(path) if path is not None else Path(DEFAULT_DIR)
    try:
        return all(checkpoint.sha256(directory / name) == digest for name, digest in PINNED_SHA256.items())
    except OSError:
        return False


def load_classifier(path: str | os.PathLike | None = None):
    """Load the trained classifier from ``path`` (default ``checkpoints/mnist_classifier/``).

    The default classifier (``path`` None or that folder) must match :data:`PINNED_SHA256` as well as
    its own ``SHA256SUMS``; an explicitly named other folder is checked against its own sums only (the
    caller chose it). :class:`ChecksumError` if the checkpoint is missing, corrupt or altered; then
    Keras loads it with ``safe_mode=True``. Loaded models are cached per path and ``SHA256SUMS``
    content, so the same checkpoint is loaded once and a rewritten one is verified and loaded again.
    """
    import keras

    directory = Path(path) if path is not None else Path(DEFAULT_DIR)
    pinned = PINNED_SHA256 if _is_default(directory) else None
    key = str(directory.resolve())
    try:
        digest = hashlib.sha256((directory / SUMS_FILE).read_bytes()).hexdigest()
    except OSError:
        digest = None  # missing: checkpoint.verify below says what is wrong
    cached = _LOADED.get(key)
    if digest is None or cached is None or cached[0] != digest:
        try:
            checkpoint.verify(directory, pinned)
        except (ChecksumError, FileNotFoundError) as err:
            fix = ("restore the shipped files (git checkout -- checkpoints/mnist_classifier in a checkout, "
                   "pip install --force-reinstall mode-zoo otherwise) or name another classifier explicitly"
                   if pinned else f"retrain with `python -m eval.classifier --out {directory}`")
            raise ChecksumError(f"MNIST classifier: {err}; {fix}") from err
        try:
            model = keras.saving.load_model(directory, compile=False, safe_mode=True)
        except Exception as err:
            raise ChecksumError(f"MNIST classifier {directory}: Keras could not load it "
                                f"({checkpoint.short_error(err)})") from None
        cached = (digest, model)
        _LOADED[key] = cached
    return cached[1]


class MnistScorer(KerasScorer):
    """:class:`eval.inception.Scorer` over the MNIST classifier: ``probs``/``features`` of [-1,1] digits.

    Accepts ``[N, 28, 28, 1]`` or ``[N, 28, 28]`` images in the generator range [-1, 1].
    """

    def __init__(self, model=None, batch_size: int = SCORER_BATCH):
        model = model if model is not None else load_classifier()
        super().__init__(model, FEATURE_LAYER, to_unit_range, batch_size, name="mnist_cnn")

    def cache_fingerprint(self) -> str:
        """sha256 of the classifier's architecture and weights (hashed from memory on every call, so a
        model whose weights changed gets a new fingerprint) and of the fixed [-1, 1] -> [0, 1] mapping."""
        return self._weights_fingerprint(f"{FEATURE_LAYER}|to_unit_range=(x+1)/2")


def mnist_scorer(classifier=None, batch_size: int = SCORER_BATCH) -> MnistScorer:
    """The (cached) :class:`MnistScorer` of a Keras classifier (``None``: the trained checkpoint).

    Reusing one scorer per model keeps its traced graph and lets callers cache results per scorer. The
    scorers are kept on the model object itself, so they live exactly as long as the model.
    """
    if classifier is None:
        classifier = load_classifier()
    scorers = vars(classifier).get(_SCORERS_ATTR)
    if scorers is None:
        scorers = {}
        # object.__setattr__: a plain attribute that Keras does not track (nor save with the model).
        object.__setattr__(classifier, _SCORERS_ATTR, scorers)
    if batch_size not in scorers:
        scorers[batch_size] = MnistScorer(classifier, batch_size)
    return scorers[batch_size]


def predict_probs(classifier, images, batch_size: int = SCORER_BATCH) -> np.ndarray:
    """Softmax probabilities ``[N, 10]`` of ``classifier`` for digits in [-1, 1] (rescaled to [0, 1])."""
    return mnist_scorer(classifier, batch_size).probs(images)


def features(classifier, images, batch_size: int = SCORER_BATCH) -> np.ndarray:
    """Penultimate Dense128 activations ``[N, 128]`` for digits in [-1, 1] (for FID/KID/PR)."""
    return mnist_scorer(classifier, batch_size).features(images)


def main(argv=None) -> int:
    """CLI entry point: train, print the test accuracy, save the checkpoint."""
    parser = argparse.ArgumentParser(prog="python -m eval.classifier", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_DIR), help="checkpoint directory")
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines and Keras' warnings")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--optimizer", choices=("adam", "adadelta"), default="adam",
                        help="adam (lr 1e-3, default) or adadelta (lr 1.0: the protocol's Keras-2 setting)")
    args = parser.parse_args(argv)
    command = "python -m eval.classifier " + " ".join(sys.argv[1:] if argv is None else argv)
    metrics = train_classifier(args.out, args.epochs, args.seed, args.optimizer, command=command)
    print(f"test accuracy: {metrics['test_accuracy']:.4f} ({metrics['epochs']} epochs, {metrics['optimizer']}, "
          f"{metrics['train_seconds']} s) -> {args.out}")
    if _is_default(Path(args.out)) and not is_pinned():
        pins = {name: checkpoint.sha256(Path(args.out) / name) for name in PINNED_SHA256}
        print(f"the default classifier changed: every metric refuses it until PINNED_SHA256 in eval/classifier.py "
              f"is updated to {pins}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
