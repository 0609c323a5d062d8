"""Stacked MNIST for every method, beside PacGAN's Table 2: ``python -m scripts.stacked_mnist_table``.

    python -m scripts.stacked_mnist_table                       # every published *_stacked_mnist entry
    python -m scripts.stacked_mnist_table --evaluate --seeds 0 1 2
    python -m scripts.stacked_mnist_table --runs-dir runs/stacked   # also finished, unpublished runs

Modes (distinct digit triples among N samples, out of 1000) and KL(p_gen ‖ U_1000), natural log, N = 26,000
(the VEEGAN setting; docs/evaluation.md#stacked-mnist). By default the figures are the ones each
checkpoint's ``metrics.json`` holds (``train.run``'s evaluation, sampling seed 0); ``--evaluate`` samples
every checkpoint again with each ``--seeds`` sampling seed through :func:`eval.evaluate` and reports
mean ± std. Every entry is one training run (one training seed). PacGAN's Table 2 (Lin et al. 2018,
arXiv:1712.04086; VEEGAN's numbers for DCGAN, Unrolled and VEEGAN, Srivastava et al. 2017,
arXiv:1705.07761) stands beside: those are their networks and their budgets, not ours.
Writes ``results/stacked_mnist_table.{json,md}``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import zoo
from scripts.common import RESULTS, fmt, mean_std, report_head, write_results
from zoo import checkpoint

#: PacGAN Table 2, the VEEGAN setting (10 runs): paper method -> (modes, KL, zoo method it corresponds to).
PAPER = {
    "DCGAN (VEEGAN's number)": (99.0, 3.40, "dcgan"),
    "Unrolled GAN": (48.7, 4.32, "unrolled"),
    "VEEGAN": (150.0, 2.95, "veegan"),
    "DCGAN (PacGAN's run)": (78.9, 4.50, "dcgan"),
    "PacDCGAN2": (1000.0, 0.06, "pacgan"),
}
SUFFIX = "_stacked_mnist"


def checkpoints(runs_dir: str | None) -> dict[str, Path]:
    """``{name: folder}`` of the published ``*_stacked_mnist`` entries, plus finished runs in ``runs_dir``
    (a folder with a ``metrics.json``) that are not published."""
    found = {name: zoo.checkpoint_dir() / name for name in zoo.list() if name.endswith(SUFFIX)}
    if runs_dir and Path(runs_dir).is_dir():
        for folder in sorted(Path(runs_dir).iterdir()):
            if folder.name.endswith(SUFFIX) and folder.name not in found and (folder / "metrics.json").is_file():
                found[folder.name] = folder
    return found


def row_of(name: str, folder: Path, seeds, evaluate: bool) -> dict:
    """Modes and KL of one checkpoint: from its ``metrics.json``, or sampled again per seed."""
    if not evaluate:
        m = checkpoint.read_json(folder, "metrics.json")
        return {"name": name, "modes": mean_std([m["modes"]]), "kl": mean_std([m["modes_kl"]]), "n": m["n"],
                "seeds": [m.get("sample_seed", 0)], "published": folder.parent == zoo.checkpoint_dir()}
    from eval import evaluate as evaluate_samples

    model = zoo.load(name if folder.parent == zoo.checkpoint_dir() else folder)
    runs = [evaluate_samples(model, "stacked_mnist", ["modes"], seed=s) for s in seeds]
    return {"name": name, "modes": mean_std([r["modes"] for r in runs]), "kl": mean_std([r["modes_kl"] for r in runs]),
            "n": runs[0]["n"], "seeds": list(seeds), "published": folder.parent == zoo.checkpoint_dir()}


def table(rows: list[dict]) -> list[str]:
    """Markdown: our entries (best first), then PacGAN's Table 2."""
    lines = ["| model | modes / 1000 | KL | N | sampling seeds | published |", "|---|---|---|---|---|---|"]
    def cell(stat, digits):  # one sampling seed has no spread to show
        return fmt(stat, digits) if len(rows[0]["seeds"]) > 1 else f"{stat['mean']:.{digits}f}"

    for r in sorted(rows, key=lambda r: -r["modes"]["mean"]):
        lines.append(f"| `{r['name']}` | {cell(r['modes'], 1 if len(r['seeds']) > 1 else 0)} | {cell(r['kl'], 2)} | "
                     f"{r['n']:,} | "
                     f"{' '.join(map(str, r['seeds']))} | {'yes' if r['published'] else 'no (run)'} |")
    lines += ["", "PacGAN Table 2 (Lin et al. 2018), VEEGAN setting, 26,000 samples, 10 runs:", "",
              "| paper | modes / 1000 | KL |", "|---|---|---|"]
    lines += [f"| {k} | {v[0]:g} | {v[1]:.2f} |" for k, v in PAPER.items()]
    return lines


def main(argv=None) -> int:
    """Print (and write) the table; returns 0, or 2 when there is nothing to show."""
    p = argparse.ArgumentParser(prog="python -m scripts.stacked_mnist_table", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--evaluate", action="store_true", help="sample every checkpoint again (26,000 per seed)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="sampling seeds with --evaluate")
    p.add_argument("--runs-dir", help="also list finished, unpublished runs in this folder")
    p.add_argument("--out", default=str(RESULTS / "stacked_mnist_table"), help="writes OUT.json and OUT.md")
    args = p.parse_args(argv)
    found = checkpoints(args.runs_dir)
    if not found:
        print("error: no *_stacked_mnist checkpoint found", file=sys.stderr)
        return 2
    rows = [row_of(name, folder, args.seeds, args.evaluate) for name, folder in found.items()]
    lines = report_head("Stacked MNIST: modes and KL beside PacGAN's Table 2", "scripts.stacked_mnist_table", argv)
    return write_results(args.out, {"rows": rows, "paper": PAPER}, "\n".join(lines + table(rows)) + "\n")


if __name__ == "__main__":
    sys.exit(main())
