"""Checkpoint files: atomic, reproducible saves, sha256 sums, verified loads.

A checkpoint is a folder in Keras' own unzipped format (``config.json``, ``model.weights.h5``,
``metadata.json`` from ``model.save(dir, zipped=False)``, which is also what ``hf://`` serves) plus our
``metrics.json``, ``train_config.json`` (and, for runs on a mixture, ``curve.json``) and ``SHA256SUMS``.
``SHA256SUMS`` is written last, so a folder without it (or whose files do not match it) is an incomplete or
corrupt save and is refused.

Saving is atomic at the folder level: the new checkpoint is written and verified in a hidden sibling
folder (``.OUT.saving-<pid>``), then swapped with ``OUT`` in one ``renameat2(RENAME_EXCHANGE)`` (or, where
the kernel lacks it, two renames through ``.OUT.old-<pid>``); whatever else ``OUT`` held (logs, resume
state) is moved across. A reader therefore sees the old or the new checkpoint, never a mix, and the
leftovers of a killed save are cleaned up (or rolled forward) by the next save to the same folder.

Saves are reproducible: Keras writes a memory address (``shared_object_id``) into ``config.json`` and
the wall-clock time into ``metadata.json``; both are normalised, so saving the same model twice gives
byte-identical files and identical hashes (``model.weights.h5`` itself has no timestamps).
"""
from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import keras

__all__ = ["CheckpointError", "MODEL_FILES", "SUMS", "PLOTS", "sha256", "write_json", "read_json", "save",
           "update", "read_sums", "verify", "load", "replace_folder", "clean_leftovers", "normalise_keras_files",
           "short_error"]

MODEL_FILES = ("config.json", "metadata.json", "model.weights.h5")
SUMS = "SHA256SUMS"
#: Figures a checkpoint folder may carry beside its summed files (not summed: they are views of them):
#: the sample plot and, for runs on a mixture, the training curve (``train.run``).
PLOTS = ("samples.png", "curve.png")
_HEX64 = re.compile(r"[0-9a-f]{64}")


class CheckpointError(RuntimeError):
    """A checkpoint is missing, incomplete, corrupt or does not match its registry hash."""


def short_error(err: BaseException, limit: int = 200) -> str:
    """``Type: first line of the message``, cut to ``limit`` characters (Keras errors can quote whole
    configs, several KB, in one message)."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


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


def normalise_keras_files(folder) -> None:
    """Make ``model.save``'s JSON files reproducible, in place.

    ``config.json``: every ``shared_object_id`` (Keras writes ``id(obj)``, a memory address) becomes
    1, 2, ... in order of first appearance, so objects that were shared stay shared on loading.
    ``metadata.json``: the save time (``date_saved``) is dropped; the Keras version stays.
    """
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text())
    ids: dict = {}

    def walk(node):
        if isinstance(node, dict):
            if "shared_object_id" in node:
                node["shared_object_id"] = ids.setdefault(node["shared_object_id"], len(ids) + 1)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    (folder / "config.json").write_text(json.dumps(config))
    meta = json.loads((folder / "metadata.json").read_text())
    meta.pop("date_saved", None)
    (folder / "metadata.json").write_text(json.dumps(meta, sort_keys=True))


# ------------------------------------------------------------------------------- folder swaps
def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths with ``renameat2(RENAME_EXCHANGE)``; False when unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _move_missing(src: Path, dest: Path) -> None:
    """Move every entry of ``src`` that ``dest`` lacks into ``dest`` (logs, resume state, user files)."""
    for entry in src.iterdir():
        if not (dest / entry.name).exists():
            os.rename(entry, dest / entry.name)


def replace_folder(new, dest) -> None:
    """Put folder ``new`` at ``dest`` atomically, keeping ``dest``'s other entries.

    ``new`` must be a sibling of ``dest`` (same file system). With ``dest`` absent it is one rename.
    Otherwise the two folders are exchanged in one system call, then entries of the old folder that
    the new one lacks (``logs/``, ``.backup/``, ...) are moved across and the old folder is deleted.
    """
    new, dest = Path(new), Path(dest)
    if not dest.exists():
        os.rename(new, dest)
        return
    if not dest.is_dir():
        raise CheckpointError(f"{dest} exists and is not a folder")
    if _exchange(new, dest):
        old = new  # the old contents now live at the staging path
    else:
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(dest, old)
        os.rename(new, dest)
    _move_missing(old, dest)
    shutil.rmtree(old, ignore_errors=True)


def _leftovers(out: Path) -> list[tuple[Path, str, int]]:
    found = []
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(saving|old)-(\d+)$")
    if out.parent.is_dir():
        for p in out.parent.iterdir():
            m = pattern.match(p.name)
            if m and p.is_dir():
                found.append((p, m.group(1), int(m.group(2))))
    return sorted(found, key=lambda t: t[1] != "saving")  # staged new folders first


def clean_leftovers(out) -> list[str]:
    """Finish or remove what a killed save of ``out`` left behind; return what was done (for logs).

    A staged ``.OUT.saving-<pid>`` or set-aside ``.OUT.old-<pid>`` of a process that is no longer alive
    is rolled forward when ``OUT`` itself is missing and it verifies as a complete checkpoint (a kill
    between the two renames of the fallback swap); otherwise its entries that ``OUT`` lacks (logs,
    resume state) are moved into ``OUT`` and it is deleted. ``.saving-*`` folders inside ``OUT``
    (written by older versions) are deleted.
    """
    out = Path(out)
    done = []
    for path, _kind, pid in _leftovers(out):
        if pid != os.getpid() and _pid_alive(pid):
            continue  # another process is saving right now
        if not out.exists():
            try:
                verify(path)
            except CheckpointError:
                pass
            else:
                os.rename(path, out)
                done.append(f"restored {out} from {path.name}")
                continue
        if out.is_dir():
            _move_missing(path, out)
        shutil.rmtree(path, ignore_errors=True)
        done.append(f"removed {path.name}")
    if out.is_dir():
        for path in out.glob(".saving-*"):
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"removed {out.name}/{path.name}")
    return done


# ----------------------------------------------------------------------------------- save / load
def save(model, out_dir, extra: dict | None = None) -> dict:
    """Save ``model`` and JSON side files as checkpoint folder ``out_dir`` atomically; return the hashes.

    Everything is written to the hidden sibling ``.OUT.saving-<pid>``, normalised (reproducible
    hashes), summed (``SHA256SUMS`` last) and verified, then swapped into place with
    :func:`replace_folder`. A kill at any point leaves ``OUT`` as it was or complete and new.
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(out)
    staged = out.with_name(f".{out.name}.saving-{os.getpid()}")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir()
    try:
        model.save(staged / ".model", zipped=False)
        for name in MODEL_FILES:
            os.replace(staged / ".model" / name, staged / name)
        shutil.rmtree(staged / ".model")
        normalise_keras_files(staged)
        return _sum_and_swap(staged, out, MODEL_FILES, extra)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _sum_and_swap(staged: Path, out: Path, files, extra: dict | None) -> dict:
    """Write the JSON side files ``extra`` into ``staged``, sum them with ``files`` (``SHA256SUMS`` last),
    verify, and swap ``staged`` into place at ``out``; return the sums."""
    files = list(files)
    for name, obj in (extra or {}).items():
        write_json(staged / name, obj)
        if name not in files:
            files.append(name)
    sums = {name: sha256(staged / name) for name in files}
    body = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    (staged / SUMS).write_text(body)
    verify(staged, sums)
    replace_folder(staged, out)
    return sums


def update(folder, extra: dict) -> dict:
    """Replace or add JSON side files (``{"metrics.json": {...}}``) of the finished checkpoint ``folder``,
    atomically like :func:`save`: its summed files are verified and copied to a hidden sibling, the new
    side files written there and summed, and the copy swapped into place. The model files are untouched
    (their registry hashes stay valid); returns the new sums."""
    folder = Path(folder)
    sums = verify(folder)
    clean_leftovers(folder)
    staged = folder.with_name(f".{folder.name}.saving-{os.getpid()}")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir()
    try:
        for name in sums:
            shutil.copy2(folder / name, staged / name)
        return _sum_and_swap(staged, folder, sums, extra)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def read_sums(path) -> dict:
    """Parse ``SHA256SUMS`` of a checkpoint folder into ``{file: sha256}``.

    Raises :class:`CheckpointError` when it is missing or malformed (not UTF-8, a line that is not
    ``<64 hex digits>  <file name>``, a name with a path in it, a file listed twice).
    """
    sums_file = Path(path) / SUMS
    if not sums_file.is_file():
        raise CheckpointError(f"{path}: no {SUMS}; the checkpoint is incomplete (an interrupted save?) "
                              f"or not a mode-zoo checkpoint")
    fix = "delete the folder and fetch or train it again"
    try:
        text = sums_file.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise CheckpointError(f"{path}: {SUMS} is malformed (not UTF-8 text); {fix}") from None
    sums = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        name = parts[1].strip().lstrip("*") if len(parts) == 2 else ""
        if len(parts) != 2 or not _HEX64.fullmatch(parts[0]) or not name or "/" in name or "\\" in name \
                or name in (".", "..") or name in sums:
            raise CheckpointError(f"{path}: {SUMS} is malformed at line {number} (expected '<sha256>  <file>' "
                                  f"once per file); {fix}")
        sums[name] = parts[0]
    return sums


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
    """Verify and load a checkpoint folder with Keras (``safe_mode=True``, no lambdas or pickles).

    Every failure is a :class:`CheckpointError` with a one-line message (Keras' own errors, which can
    quote the whole config, are cut to their first line).
    """
    path = Path(path)
    if not path.is_dir():
        raise CheckpointError(f"checkpoint folder {str(path)!r} does not exist")
    verify(path, expected)
    import zoo.methods  # noqa: F401  (registers every method class with Keras)

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as err:
        raise CheckpointError(f"{path}: Keras refused or could not load the model ({short_error(err)})") from None


def read_json(path, name) -> dict:
    """Read a JSON side file of a checkpoint, ``{}`` when absent."""
    file = Path(path) / name
    return json.loads(file.read_text()) if file.is_file() else {}
