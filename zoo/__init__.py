"""mode-zoo: GAN methods that fight mode collapse, with pretrained checkpoints.

    import zoo
    zoo.list()                                  # names with published weights
    model = zoo.load("wgan_gp_ring8")           # verified, ready to sample
    x = model.sample(2500, seed=0)

One name resolves to method + networks + dataset + config (``zoo.configs``) + weights: the weights are
read from ``checkpoints/<name>/`` of this repository when present, else from the Hugging Face Hub
(``hf://mode-zoo/<name>``), and their sha256 is checked against ``zoo/manifest.json`` before Keras
loads them (``safe_mode=True``).

How ``zoo.load(x)`` reads ``x`` (:func:`locate`; docs/robustness.md):

* ``x`` is a **registry name** (a key of ``zoo/manifest.json``): always that entry, from the checkpoint
  folder or the Hub, checked against the registry hashes. A folder of the same name in the current
  directory is never looked at; write ``./gan_ring8`` to load such a folder.
* anything else is a **folder path**. Its files are checked against its own ``SHA256SUMS``, and
  also against the registry when it is a published entry's folder (it sits in :func:`checkpoint_dir`
  and its folder name or its ``train_config.json`` names a registry entry). A folder whose files
  match a registry entry exactly is reported as that entry.
* neither (not a name, no such folder): an error listing the known names.
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from zoo.checkpoint import CheckpointError

__all__ = ["list", "load", "locate", "Source", "checkpoint_dir", "manifest", "HF_ORG", "CheckpointError"]

HF_ORG = os.environ.get("MODE_ZOO_HF_ORG", "mode-zoo")
_MANIFEST = Path(__file__).with_name("manifest.json")
_list = list  # ``list`` is part of the public API below


def manifest() -> dict:
    """The registry of published weights: ``{name: {"files": {file: sha256}, ...}}``."""
    return json.loads(_MANIFEST.read_text()) if _MANIFEST.is_file() else {}


def checkpoint_dir() -> Path:
    """Local checkpoint folder: ``$MODE_ZOO_CHECKPOINTS`` or ``checkpoints/`` beside the package."""
    return Path(os.environ.get("MODE_ZOO_CHECKPOINTS", Path(__file__).resolve().parents[1] / "checkpoints"))


def list() -> list[str]:  # noqa: A001  (mirrors timm.list_models / keras_hub presets)
    """Names of the pretrained models, sorted."""
    return sorted(manifest())


def _download(name: str) -> Path:
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id=f"{HF_ORG}/{name}"))
    except Exception as err:  # offline, missing repo, auth: all mean "not available from the Hub"
        raise CheckpointError(
            f"{name!r} is not in {checkpoint_dir()} and could not be fetched from hf://{HF_ORG}/{name} "
            f"({type(err).__name__}). Train it with `python -m train.run --model {name} --publish`.") from err


@dataclasses.dataclass(frozen=True)
class Source:
    """Where :func:`locate` found a checkpoint and what vouches for its files.

    Attributes:
        folder: the verified checkpoint folder.
        entry: the registry entry its files match, or None for an unregistered folder.
        requested: what the caller asked for (a name or a path).
    """

    folder: Path
    entry: str | None
    requested: str

    @property
    def registered(self) -> bool:
        """True when the files were checked against the registry's hashes."""
        return self.entry is not None

    def describe(self) -> str:
        """One line for command-line reports: which checkpoint was loaded and how it was verified."""
        if self.entry is not None:
            return f"registry entry {self.entry} (sha256 verified against zoo/manifest.json; {self.folder})"
        return f"unregistered checkpoint folder {self.folder} (its own SHA256SUMS only)"


def _looks_like_path(text: str) -> bool:
    return os.sep in text or (os.altsep is not None and os.altsep in text) or text.startswith(".")


def _published_entry_of(folder: Path, entries: dict) -> str | None:
    """The registry entry whose published folder ``folder`` is, or None (see the module docstring)."""
    from zoo import checkpoint

    resolved = folder.resolve()
    if resolved.parent != checkpoint_dir().resolve():
        return None
    if resolved.name in entries:
        return resolved.name
    try:
        named = checkpoint.read_json(folder, "train_config.json").get("name")
    except (ValueError, OSError, AttributeError):
        named = None
    return named if isinstance(named, str) and named in entries else None


def locate(name_or_path) -> Source:
    """Resolve and verify a registry name or a checkpoint folder (rules in the module docstring).

    Raises :class:`CheckpointError` for an unknown name (listing the known ones), a missing,
    incomplete or corrupt checkpoint, or files whose sha256 differs from the registry.
    """
    from zoo import checkpoint

    text = os.fspath(name_or_path)
    entries = manifest()
    if isinstance(name_or_path, str) and text in entries:
        local = checkpoint_dir() / text
        folder = local if local.is_dir() else _download(text)
        checkpoint.verify(folder, entries[text]["files"])
        return Source(folder, text, text)
    path = Path(text)
    if not path.is_dir():
        hint = f"no checkpoint folder at {text!r}; " if _looks_like_path(text) or path.exists() else ""
        raise CheckpointError(f"{hint}unknown model {text!r}; available: {', '.join(_list(entries))}")
    sums = checkpoint.verify(path)
    published = _published_entry_of(path, entries)
    if published is not None:
        checkpoint.verify(path, entries[published]["files"])
        return Source(path, published, text)
    for name, entry in sorted(entries.items()):
        files = entry.get("files") or {}
        if files and all(sums.get(f) == digest for f, digest in files.items()):
            return Source(path, name, text)
    return Source(path, None, text)


def load(name_or_path, *, with_source: bool = False):
    """Load a pretrained model by zoo name, or any checkpoint folder written by ``train.run``.

    Names and paths resolve as the module docstring says (:func:`locate`). With ``with_source`` the
    result is ``(model, Source)``, saying which checkpoint was loaded and how it was verified.
    Raises :class:`CheckpointError` for an unknown name (listing the known ones), a missing, incomplete
    or corrupt checkpoint, or weights whose sha256 differs from the registry.
    """
    from zoo import checkpoint

    source = locate(name_or_path)
    expected = manifest()[source.entry]["files"] if source.entry is not None else None
    model = checkpoint.load(source.folder, expected)
    _register_data_source(source.folder)
    return (model, source) if with_source else model


def _register_data_source(folder: Path) -> None:
    """A checkpoint trained on your own data carries its source in ``train_config.json``; registering it
    lets ``model.dataset`` name that data in this process too (the evaluation finds the same reference)."""
    from zoo import checkpoint, data

    try:
        config = checkpoint.read_json(folder, "train_config.json")
    except (ValueError, OSError):
        return
    record = config.get("data_source") if isinstance(config, dict) else None
    if record:
        data.register_source(config["dataset"], record)
