"""Helpers shared by the reproduction scripts: entry configs, quiet training runs, result cells keyed by config,
mean ± std tables and the median seed, MNIST arrays, result files.

Scripts are modules of the ``scripts`` package, run as ``python -m scripts.NAME`` from the repository root.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np

__all__ = ["REPO", "RESULTS", "entry_config", "finished_run", "train_run", "read_cell", "mean_std", "rank_seeds",
           "median_seed", "fmt", "mnist_images", "write_json", "write_text", "write_report", "write_results",
           "report_head"]

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "results"


def entry_config(entry: str, seed: int, steps: int | None = None, method_kwargs: dict | None = None,
                 **extra) -> dict:
    """The resolved config of zoo entry ``entry`` with training seed ``seed`` (and ``steps``, ``method_kwargs``,
    any other config values ``extra``)."""
    from zoo import configs

    overrides = {"seed": int(seed), **extra}
    if steps:
        overrides["steps"] = int(steps)
    if method_kwargs is not None:
        overrides["method_kwargs"] = dict(method_kwargs)
    return configs.resolve(entry, overrides=overrides)


def finished_run(config: dict, out, published: bool = True) -> Path | None:
    """The folder of a finished checkpoint trained with exactly ``config`` (:func:`zoo.configs.same_config`),
    or None.

    Looked for (with ``published``) in the published zoo entry ``checkpoints/<name>``, which ``python -m
    train.run --model <name> --publish`` wrote, then in ``out``.
    """
    from zoo import checkpoint, configs

    folders = ([REPO / "checkpoints" / str(config.get("name"))] if published else []) + [Path(out)]
    for folder in folders:
        if (folder / "SHA256SUMS").is_file() and \
                configs.same_config(checkpoint.read_json(folder, "train_config.json"), config):
            return folder
    return None


def train_run(config: dict, out, reuse: bool = True, *, published: bool = True, evaluate: bool = False,
              callbacks=()):
    """Train ``config`` (from :func:`zoo.configs.resolve`) into ``out`` with ``train.run.train``; return the model.

    No sample plots; ``evaluate`` writes the checkpoint's built-in metrics (``metrics.json``), and
    ``callbacks`` are extra Keras callbacks. With ``reuse`` a finished checkpoint with the same config
    (:func:`finished_run`: with ``published`` the zoo entry, or an earlier run in ``out``) is loaded
    instead of retrained, so an interrupted script resumes where it stopped.
    """
    import zoo
    from train.run import train
    from zoo import checkpoint

    folder = finished_run(config, out, published) if reuse else None
    if folder is not None:
        print(f"reusing {folder}", flush=True)
        # A published entry is loaded by name, so the registry's hashes are checked.
        return zoo.load(config["name"]) if folder.parent == REPO / "checkpoints" else checkpoint.load(folder)
    from train.run import BACKUP, resume_state

    try:
        resume_state(out, config)
    except RuntimeError as err:
        # A script's run folder is its own scratch space: the resume state of a run with another config
        # (an earlier version of the script) or a damaged one cannot be resumed, so it is started afresh.
        print(f"starting afresh: {err}", flush=True)
        shutil.rmtree(Path(out) / BACKUP)
    return train(config, out, verbose=0, plot_every=0, evaluate=evaluate, callbacks=callbacks)


def read_cell(path, config: dict) -> dict | None:
    """A finished result cell: the JSON file ``path`` when its ``"config"`` is ``config``
    (:func:`zoo.configs.same_config`), else None. Scripts keep one cell per run in ``results/<script>_cells/``
    (written with :func:`write_json` as ``{"config": config, ...}``) so a study resumes where it stopped,
    across sessions and machines, and a changed config is trained again."""
    from zoo import configs

    path = Path(path)
    if not path.is_file():
        return None
    cell = json.loads(path.read_text())
    return cell if isinstance(cell, dict) and configs.same_config(cell.get("config"), config) else None


def rank_seeds(seeds, keys) -> list:
    """``seeds`` sorted by their ``keys`` (one sortable key per seed, smaller first), ties by seed."""
    seeds, keys = list(seeds), list(keys)
    if not seeds or len(seeds) != len(keys):
        raise ValueError(f"need one key per seed, got {len(seeds)} seeds and {len(keys)} keys")
    return [seeds[i] for i in sorted(range(len(seeds)), key=lambda i: (keys[i], seeds[i]))]


def median_seed(seeds, keys):
    """The median of ``seeds`` ranked by ``keys`` (:func:`rank_seeds`; give keys best first): the seed at
    position (N − 1) // 2 of the ranking, so for an even N the better of the two middle seeds."""
    ranking = rank_seeds(seeds, keys)
    return ranking[(len(ranking) - 1) // 2]


def mean_std(values) -> dict:
    """``{"mean", "std", "runs", "values"}`` over the non-None values (population std, as eval.mixture)."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return {"mean": None, "std": None, "runs": 0, "values": []}
    return {"mean": float(np.mean(vals)), "std": float(np.std(vals)), "runs": len(vals), "values": vals}


def fmt(stat: dict | None, digits: int = 4, scale: float = 1.0, missing: str = "n/a") -> str:
    """``mean ± std`` of a :func:`mean_std` result (or any ``{"mean", "std"}``) for a markdown table;
    ``missing`` when there is no value."""
    if not stat or stat.get("mean") is None:
        return missing
    return f"{scale * stat['mean']:.{digits}f} ± {scale * stat['std']:.{digits}f}"


def mnist_images(split: str = "test") -> np.ndarray:
    """MNIST ``split`` as float32 ``[N, 28, 28, 1]`` in [-1, 1], in the split's order: the bytes of
    :func:`zoo.stacked_mnist.mnist_digits` scaled as ``zoo.data.load_images`` scales them."""
    from zoo.stacked_mnist import mnist_digits

    digits, _ = mnist_digits(split)
    return (digits.astype(np.float32) / 127.5 - 1.0)[..., None]


def write_json(path, obj) -> Path:
    """Write ``obj`` as indented JSON (atomically, via zoo.checkpoint.write_json)."""
    from zoo.checkpoint import write_json as _write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, obj)
    return path


def write_text(path, text: str) -> Path:
    """Write a text (markdown) result file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def display_path(path) -> str:
    """``path`` as a report names it: relative to the checkout when inside it (so a report reads the same in
    any clone), else as given."""
    resolved = Path(path).resolve()
    return resolved.relative_to(REPO).as_posix() if resolved.is_relative_to(REPO) else str(path)


def write_report(lines, name: str, figure: str | None = None, results=None) -> int:
    """Join markdown ``lines`` (plus a pointer to ``figure``), write ``<results>/<name>.md`` (default
    :data:`RESULTS`), print it; return 0."""
    figure = display_path(figure) if figure else figure
    text = "\n".join(lines) + "\n" + (f"\nFigure: `{figure}`.\n" if figure else "")
    write_text(Path(results or RESULTS) / f"{name}.md", text)
    print(text)
    return 0


def write_results(out, result: dict, text: str) -> int:
    """Write ``result`` to ``OUT.json`` and the markdown ``text`` to ``OUT.md`` (``out`` without suffix),
    print the markdown; return 0."""
    out = Path(out)
    write_json(out.with_suffix(".json"), result)
    write_text(out.with_suffix(".md"), text)
    print(text)
    return 0


def report_head(title: str, module: str, argv=None) -> list[str]:
    """First lines of a result report: the title and the exact command that produced it (``argv``: the
    script's arguments, default ``sys.argv[1:]``)."""
    args = sys.argv[1:] if argv is None else list(argv)
    return [f"# {title}", "", f"Command: `python -m {module} {' '.join(map(str, args))}`".rstrip(), ""]
