"""mode-zoo: GAN methods that fight mode collapse, with pretrained checkpoints.

    import zoo
    zoo.list()                                  # names with published weights
    model = zoo.load("wgan_gp_ring8")           # verified, ready to sample
    x = model.sample(2500, seed=0)

One name resolves to method + networks + dataset + config (``zoo.configs``) + weights: the weights are
read from ``checkpoints/<name>/`` of this repository when present, else from the Hugging Face Hub
(``hf://mode-zoo/<name>``), and their sha256 is checked against ``zoo/manifest.json`` before Keras
loads them (``safe_mode=True``).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from zoo.checkpoint import CheckpointError

__all__ = ["list", "load", "checkpoint_dir", "manifest", "HF_ORG", "CheckpointError"]

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


def load(name_or_path: str):
    """Load a pretrained model by zoo name, or any checkpoint folder written by ``train.run``.

    Raises :class:`CheckpointError` for an unknown name (listing the known ones), a missing, incomplete
    or corrupt checkpoint, or weights whose sha256 differs from the registry.
    """
    from zoo import checkpoint

    path = Path(name_or_path)
    if path.is_dir():
        return checkpoint.load(path)
    entries = manifest()
    if name_or_path not in entries:
        hint = "" if os.sep not in str(name_or_path) else f"no checkpoint folder at {str(path)!r}; "
        raise CheckpointError(f"{hint}unknown model {name_or_path!r}; available: {', '.join(_list(entries))}")
    expected = entries[name_or_path]["files"]
    local = checkpoint_dir() / name_or_path
    folder = local if local.is_dir() else _download(name_or_path)
    return checkpoint.load(folder, expected)
