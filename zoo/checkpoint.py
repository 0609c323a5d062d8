"""Checkpoint files: atomic saves, sha256 sums, verified loads.

A checkpoint is a folder in Keras' own unzipped format (``config.json``, ``model.weights.h5``,
``metadata.json`` from ``model.save(dir, zipped=False)``, which is also what ``hf://`` serves) plus our
``metrics.json``, ``train_config.json`` and ``SHA256SUMS``. ``SHA256SUMS`` is written last, so a folder
without it (or whose files do not match it) is an incomplete or corrupt save and is refused.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import keras

__all__ = ["CheckpointError", "MODEL_FILES", "sha256", "write_json", "read_json", "save", "read_sums", "verify", "load"]

MODEL_FILES = ("config.json", "metadata.json", "model.weights.h5")
SUMS = "SHA256SUMS"


class CheckpointError(RuntimeError):
    """A checkpoint is missing, incomplete, corrupt or does not match its registry hash."""


def sha256(path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path, obj) -> None:
    """Write JSON atomically: to a temporary file in the same folder, then ``os.replace``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp creates 0600; checkpoints are meant to be shared
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=2, sort_keys=True, default=float)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(model, out_dir, extra: dict | None = None) -> dict:
    """Save ``model`` and JSON side files into ``out_dir`` atomically; return the file hashes.

    Everything is written to a temporary sibling folder first and then moved file by file with
    ``os.replace``; ``SHA256SUMS`` goes last, so an interrupted save never looks complete.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / SUMS).unlink(missing_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out, prefix=".saving-"))
    try:
        model.save(tmp / "model", zipped=False)
        staged = {name: tmp / "model" / name for name in MODEL_FILES}
        for name, obj in (extra or {}).items():
            write_json(tmp / name, obj)
            staged[name] = tmp / name
        sums = {name: sha256(path) for name, path in staged.items()}
        for name, path in staged.items():
            os.replace(path, out / name)
        body = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
        (tmp / SUMS).write_text(body)
        os.replace(tmp / SUMS, out / SUMS)
        return sums
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_sums(path) -> dict:
    """Parse ``SHA256SUMS`` of a checkpoint folder into ``{file: sha256}``."""
    sums_file = Path(path) / SUMS
    if not sums_file.is_file():
        raise CheckpointError(f"{path}: no {SUMS}; the checkpoint is incomplete (an interrupted save?) "
                              f"or not a mode-zoo checkpoint")
    pairs = (line.split(None, 1) for line in sums_file.read_text().splitlines() if line.strip())
    return {name.strip(): digest for digest, name in pairs}


def verify(path, expected: dict | None = None) -> dict:
    """Check every file against ``SHA256SUMS`` and, when given, the registry's ``expected`` hashes."""
    path = Path(path)
    if not path.is_dir():
        raise CheckpointError(f"checkpoint folder {str(path)!r} does not exist")
    sums = read_sums(path)
    for name in MODEL_FILES:
        if name not in sums:
            raise CheckpointError(f"{path}: {SUMS} does not list {name}")
    for name, digest in {**sums, **(expected or {})}.items():
        file = path / name
        if not file.is_file():
            raise CheckpointError(f"{path}: missing file {name}")
        actual = sha256(file)
        if actual != digest or sums.get(name, digest) != digest:
            raise CheckpointError(f"{path}: {name} is corrupt or altered (sha256 {actual[:12]}…, "
                                  f"expected {digest[:12]}…); delete the folder and fetch or train it again")
    return sums


def load(path, expected: dict | None = None):
    """Verify and load a checkpoint folder with Keras (``safe_mode=True``, no lambdas or pickles)."""
    path = Path(path)
    if not path.is_dir():
        raise CheckpointError(f"checkpoint folder {str(path)!r} does not exist")
    verify(path, expected)
    import zoo.methods  # noqa: F401  (registers every method class with Keras)

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as err:
        raise CheckpointError(f"{path}: Keras could not load the model: {type(err).__name__}: {err}") from err


def read_json(path, name) -> dict:
    """Read a JSON side file of a checkpoint, ``{}`` when absent."""
    file = Path(path) / name
    return json.loads(file.read_text()) if file.is_file() else {}
