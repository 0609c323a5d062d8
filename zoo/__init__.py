"""mode-zoo: GAN methods that fight mode collapse, with pretrained checkpoints.

    import zoo
    zoo.list()                                  # names with published weights
    model = zoo.load("wgan_gp_ring8")           # verified, ready to sample
    x = model.sample(2500, seed=0)

One name resolves to method + networks + dataset + config (``zoo.configs``) + weights: the weights are
read from :func:`checkpoint_dir` when the entry is there (``$MODE_ZOO_CHECKPOINTS``; else the
checkout's ``checkpoints/``, or in an installed wheel the entries shipped as package data,
``zoo/checkpoints/``), else from the Hugging Face Hub (``hf://<org>/<name>``, org ``$MODE_ZOO_HF_ORG``,
default ``mode-zoo``; offline, from the Hugging Face cache only), and their sha256 is checked against
``zoo/manifest.json`` before Keras loads them (``safe_mode=True``).

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

from zoo.quiet import quiet_cli

# Before TensorFlow is first imported (zoo.checkpoint imports Keras): our command lines start quietly.
quiet_cli()

from zoo.checkpoint import CheckpointError  # noqa: E402

__all__ = ["list", "load", "locate", "Source", "checkpoint_dir", "shipped_dir", "checkout_root", "manifest",
           "HF_ORG", "hf_org", "hf_repo_id", "hub_download", "offline", "CheckpointError"]

DEFAULT_HF_ORG = "mode-zoo"
#: The Hub organisation at import time; :func:`hf_org` reads ``$MODE_ZOO_HF_ORG`` again on every call.
HF_ORG = os.environ.get("MODE_ZOO_HF_ORG") or DEFAULT_HF_ORG
_MANIFEST = Path(__file__).with_name("manifest.json")
_list = list  # ``list`` is part of the public API below


def manifest() -> dict:
    """The registry of published weights: ``{name: {"files": {file: sha256}, ...}}``."""
    return json.loads(_MANIFEST.read_text()) if _MANIFEST.is_file() else {}


def checkout_root() -> Path | None:
    """The mode-zoo source checkout this package is imported from, or None for an installed copy.

    A checkout is recognised by ``setup.cfg`` and ``checkpoints/`` beside the ``zoo`` package (an
    installed wheel puts ``zoo`` in ``site-packages``, which has neither).
    """
    root = Path(__file__).resolve().parents[1]
    return root if (root / "setup.cfg").is_file() and (root / "checkpoints").is_dir() else None


def shipped_dir() -> Path:
    """Checkpoints that come with the code: the checkout's ``checkpoints/``, or, in an installed wheel,
    the package data ``zoo/checkpoints/`` (the MNIST classifier and the small mixture entries; README,
    "Offline and the Hub")."""
    root = checkout_root()
    return root / "checkpoints" if root is not None else Path(__file__).resolve().parent / "checkpoints"


def checkpoint_dir() -> Path:
    """Local folder of published entries: ``$MODE_ZOO_CHECKPOINTS``, else :func:`shipped_dir`."""
    env = os.environ.get("MODE_ZOO_CHECKPOINTS")
    return Path(env) if env else shipped_dir()


def hf_org() -> str:
    """The Hugging Face organisation of the published entries: ``$MODE_ZOO_HF_ORG`` (read on every call),
    default ``mode-zoo``."""
    return os.environ.get("MODE_ZOO_HF_ORG") or DEFAULT_HF_ORG


def hf_repo_id(name: str, entry: dict | None = None) -> str:
    """``<org>/<repo>`` of a registry entry on the Hub, with the org of :func:`hf_org`.

    The manifest's ``hf`` field names the repository without an organisation (``gan_ring8``); older
    manifests wrote ``hf://mode-zoo/gan_ring8``, whose organisation is ignored the same way, so one
    manifest serves every organisation that mirrors the zoo.
    """
    entry = manifest().get(name, {}) if entry is None else entry
    repo = str(entry.get("hf") or name)
    if repo.startswith("hf://"):
        repo = repo[len("hf://"):]
    repo = repo.rstrip("/").rsplit("/", 1)[-1] or name
    return f"{hf_org()}/{repo}"


def offline() -> bool:
    """True when downloads are forbidden: ``$MODE_ZOO_OFFLINE`` or ``$HF_HUB_OFFLINE`` set to 1/true/yes."""
    return any(os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on")
               for var in ("MODE_ZOO_OFFLINE", "HF_HUB_OFFLINE"))


def list() -> list[str]:  # noqa: A001  (mirrors timm.list_models / keras_hub presets)
    """Names of the pretrained models, sorted."""
    return sorted(manifest())


def hub_download(name: str, *, local_only: bool | None = None) -> Path:
    """The snapshot folder of registry entry ``name`` in the Hugging Face cache, downloaded if needed.

    Uses ``huggingface_hub.snapshot_download`` (cache ``$HF_HUB_CACHE``/``$HF_HOME``); with ``local_only``
    (default: :func:`offline`) nothing is downloaded and only the cache is looked at. The files are not
    verified here: :func:`locate` and ``zoo.hub prefetch`` check them against the registry.
    Raises :class:`CheckpointError` (one line) when the entry cannot be had.
    """
    repo_id = hf_repo_id(name)
    local_only = offline() if local_only is None else local_only
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id=repo_id, local_files_only=local_only))
    except Exception as err:  # offline, missing repo, auth: all mean "not available from the Hub"
        if local_only:
            off = " and downloads are off (MODE_ZOO_OFFLINE/HF_HUB_OFFLINE)" if offline() else ""
            how = f"not in the Hugging Face cache{off}; run `python -m zoo.hub prefetch {name}` once with internet"
        else:
            how = f"{type(err).__name__}; check the network, or train it with `python -m train.run --model {name}`"
        raise CheckpointError(f"hf://{repo_id} could not be fetched ({how})") from err


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


def _cache_repo_folder(snapshot: Path) -> Path:
    """``models--ORG--NAME`` of a snapshot folder ``.../models--ORG--NAME/snapshots/<rev>`` (else itself)."""
    return snapshot.parents[1] if snapshot.parent.name == "snapshots" else snapshot


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
        if local.is_dir():
            checkpoint.verify(local, entries[text]["files"])
            return Source(local, text, text)
        try:
            folder = hub_download(text)
        except CheckpointError as err:
            raise CheckpointError(f"{text!r} is not in {checkpoint_dir()} and {err}") from None
        try:
            checkpoint.verify(folder, entries[text]["files"])
        except CheckpointError as err:
            raise CheckpointError(f"{err} (Hugging Face cache copy of hf://{hf_repo_id(text)}: delete "
                                  f"{_cache_repo_folder(folder)} and run `python -m zoo.hub prefetch {text}`)"
                                  ) from None
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
