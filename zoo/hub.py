"""Publish zoo checkpoints to the Hugging Face Hub: ``python -m zoo.hub push NAME [--repo ORG/NAME]``.

Uploads exactly the files ``SHA256SUMS`` lists (plus the sums and the sample plot) after verifying them
against the registry, so what lands on the Hub is what ``zoo.load`` will accept. Needs a token
(``huggingface-cli login`` or ``$HF_TOKEN``) and internet; ``zoo.load`` downloads with
``huggingface_hub.snapshot_download`` and verifies again.
"""
from __future__ import annotations

import argparse
import sys

import zoo
from zoo import checkpoint

__all__ = ["files_to_upload", "push", "main"]


def files_to_upload(name: str) -> list[str]:
    """Files of ``checkpoints/<name>`` that a push uploads, after checking them against the registry."""
    entries = zoo.manifest()
    if name not in entries:
        raise checkpoint.CheckpointError(f"unknown model {name!r}; available: {', '.join(sorted(entries))}")
    folder = zoo.checkpoint_dir() / name
    sums = checkpoint.verify(folder, entries[name]["files"])
    extras = [f for f in ("SHA256SUMS", "samples.png") if (folder / f).exists()]
    return sorted(sums) + extras


def push(name: str, repo_id: str | None = None, private: bool = False) -> str:
    """Create ``repo_id`` (default ``<HF_ORG>/<name>``) if needed and upload the verified checkpoint."""
    from huggingface_hub import HfApi

    files = files_to_upload(name)
    repo_id = repo_id or f"{zoo.HF_ORG}/{name}"
    api = HfApi()
    api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
    api.upload_folder(repo_id=repo_id, folder_path=str(zoo.checkpoint_dir() / name), allow_patterns=files,
                      commit_message=f"mode-zoo: upload {name}")
    return repo_id


def main(argv=None) -> int:
    """Entry point; exit code 2 for a bad name or checkpoint."""
    p = argparse.ArgumentParser(prog="python -m zoo.hub", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    push_p = sub.add_parser("push", help="upload checkpoints/NAME to the Hub")
    push_p.add_argument("name")
    push_p.add_argument("--repo", help="target repo id (default mode-zoo/NAME)")
    push_p.add_argument("--private", action="store_true")
    push_p.add_argument("--dry-run", action="store_true", help="verify and list the files, upload nothing")
    args = p.parse_args(argv)
    try:
        if args.dry_run:
            print("\n".join(files_to_upload(args.name)))
        else:
            print(f"uploaded to hf://{push(args.name, args.repo, args.private)}")
    except checkpoint.CheckpointError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
