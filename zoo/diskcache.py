"""A small on-disk cache of numpy arrays for results that are expensive to recompute but pure functions
of their inputs (the evaluation's classified real reference and floor sets).

* Folder: ``$MODE_ZOO_CACHE`` if set, else ``~/.cache/mode-zoo`` (:func:`cache_dir`).
* One ``.npz`` file per entry, named by the sha256 of its **key** (a JSON-able dict of everything the
  result depends on). The key itself is stored inside the file and compared on every read, so a hash
  collision or a file copied under another name can never be served for the wrong inputs.
* Writes are atomic: a temporary file in the same folder is written, flushed and ``os.replace``-d into
  place, so a reader sees the old entry, the new one, or none, never half a file.
* A corrupt, truncated or mismatching file is treated as a miss (the caller rebuilds and overwrites it);
  a folder that cannot be written only costs the speed-up (a warning, never an error).
* Files are read with ``allow_pickle=False``: the cache folder is not trusted to hold code.

Values may be numpy arrays or JSON-able objects (stored as one JSON string). float64 arrays that are
exactly representable in float32 (network outputs widened to float64) are stored as float32 and widened
again on load, which halves the file without changing a bit.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

__all__ = ["cache_dir", "key_digest", "load", "save"]

_KEY = "__key__"
_JSON = "__json__"
_WIDEN = "__widen__"  # names of arrays stored as float32 that were float64


def cache_dir() -> Path:
    """The cache folder: ``$MODE_ZOO_CACHE``, else ``~/.cache/mode-zoo`` (not created here)."""
    env = os.environ.get("MODE_ZOO_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "mode-zoo"


def _canonical(key: dict) -> str:
    return json.dumps(key, sort_keys=True, separators=(",", ":"))


def key_digest(key: dict) -> str:
    """sha256 (hex) of the canonical JSON of ``key``: the entry's file name."""
    return hashlib.sha256(_canonical(key).encode()).hexdigest()


def _path(kind: str, key: dict) -> Path:
    return cache_dir() / f"{kind}-{key_digest(key)}.npz"


def load(kind: str, key: dict) -> dict | None:
    """The entry stored for ``key``, or None when there is none, or it is corrupt or for another key."""
    path = _path(kind, key)
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data[_KEY]) != _canonical(key):
                return None
            widen = set(json.loads(str(data[_WIDEN])))
            out = {name: (data[name].astype(np.float64) if name in widen else data[name])
                   for name in data.files if name not in (_KEY, _JSON, _WIDEN)}
            out.update(json.loads(str(data[_JSON])))
    except Exception:  # noqa: BLE001 - missing, truncated, not a zip, bad JSON, missing member: all a miss
        return None
    return out


def save(kind: str, key: dict, values: dict) -> Path | None:
    """Store ``values`` (arrays and JSON-able objects) for ``key`` atomically; returns the file or None.

    Failing to write (read-only folder, full disk) is reported as a warning: the cache is an
    optimisation, never a reason for an evaluation to fail.
    """
    arrays, plain, widen = {}, {}, []
    for name, value in values.items():
        if isinstance(value, np.ndarray):
            if value.dtype == np.float64:
                narrow = value.astype(np.float32)
                if np.array_equal(narrow.astype(np.float64), value, equal_nan=True):
                    value = narrow
                    widen.append(name)
            arrays[name] = value
        else:
            plain[name] = value
    path = _path(kind, key)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays, **{_KEY: np.array(_canonical(key)), _JSON: np.array(json.dumps(plain)),
                                     _WIDEN: np.array(json.dumps(widen))})
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic: readers see the old file or the complete new one
        return path
    except OSError as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        warnings.warn(f"mode-zoo cache: could not write {path} ({err}); results are recomputed next time",
                      stacklevel=2)
        return None
