"""Helpers shared by the reproduction scripts: quiet training runs, mean ± std tables, result files."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # allow `python scripts/NAME.py` as well as `python -m scripts.NAME`
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

__all__ = ["REPO", "RESULTS", "train_run", "mean_std", "fmt", "write_json", "write_text"]

RESULTS = REPO / "results"


def train_run(config: dict, out, reuse: bool = True):
    """Train ``config`` into ``out`` with ``train.run.train`` (no plots, no built-in evaluation).

    With ``reuse`` a finished checkpoint with the same config is loaded instead of retrained: the
    published zoo entry ``checkpoints/<name>`` (what ``python -m train.run --model <name> --publish``
    wrote) or an earlier run in ``out``, so an interrupted script resumes where it stopped.
    """
    from train.run import train
    from zoo import checkpoint

    out = Path(out)
    if reuse:
        wanted = json.loads(json.dumps(config))
        for folder in (REPO / "checkpoints" / str(config.get("name")), out):
            if (folder / "SHA256SUMS").is_file() and checkpoint.read_json(folder, "train_config.json") == wanted:
                print(f"reusing {folder}", flush=True)
                return checkpoint.load(folder)
    return train(config, out, verbose=0, plot_every=0, evaluate=False)


def mean_std(values) -> dict:
    """``{"mean", "std", "runs", "values"}`` over the non-None values (population std, as eval.mixture)."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return {"mean": None, "std": None, "runs": 0, "values": []}
    return {"mean": float(np.mean(vals)), "std": float(np.std(vals)), "runs": len(vals), "values": vals}


def fmt(stat: dict, digits: int = 4, scale: float = 1.0) -> str:
    """``mean ± std`` of a :func:`mean_std` result for a markdown table."""
    if stat["mean"] is None:
        return "n/a"
    return f"{scale * stat['mean']:.{digits}f} ± {scale * stat['std']:.{digits}f}"


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


def write_report(lines, name: str, figure: str | None = None) -> int:
    """Join markdown ``lines`` (plus a pointer to ``figure``), write ``results/<name>.md``, print it; return 0."""
    text = "\n".join(lines) + "\n" + (f"\nFigure: `{figure}`.\n" if figure else "")
    write_text(RESULTS / f"{name}.md", text)
    print(text)
    return 0


def report_head(title: str, module: str) -> list[str]:
    """First lines of a result report: the title and the exact command that produced it."""
    return [f"# {title}", "", f"Command: `python -m {module} {' '.join(sys.argv[1:])}`".rstrip(), ""]
