"""Che et al. (2017, arXiv:1612.02136) Table 3 on MNIST: test images in missing modes, per model and σ.

For each published entry (default: ``dcgan_mnist``, ``mrgan_mnist``, ``mdgan_mnist``, plus
``*_stacked_mnist`` entries that exist) a fresh third-party discriminator is trained between N real
training images and N samples, once per σ: the validated default (``eval.third_party.DEFAULT_SIGMAS``)
and Che et al.'s 3.5 and 4.0, and the test images it is confident are real are counted
(``eval.third_party.third_party_missing_modes``; docs/evaluation.md#third-party-discriminator). The
table is printed beside the paper's CelebA table (a different data set and scale, for the shape of the
comparison only). Writes ``<out>/missing_mode_table.{json,md}`` (default ``results/``).

    python -m scripts.missing_mode_table                       # about 5,000 D* steps per (model, σ)
    python -m scripts.missing_mode_table --steps 2000 --sigmas 0.5
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scripts.common import REPO, RESULTS, report_head, write_json, write_report

MODELS = {"mnist": ["dcgan_mnist", "mrgan_mnist", "mdgan_mnist"],
          "stacked_mnist": ["dcgan_stacked_mnist", "mrgan_stacked_mnist", "mdgan_stacked_mnist"]}
# Che et al. 2017, Table 3 (CelebA): test images in missing modes; prior dimension in brackets.
PAPER_CELEBA = {"columns": ["DCGAN (100)", "DCGAN (200)", "Reg-GAN (100)", "Reg-GAN (200)", "MDGAN (200)"],
                3.5: [5463, 17089, 754, 3644, 74], 4.0: [590, 15832, 42, 391, 13]}


def available_models(names=None) -> list[str]:
    """``names`` or, by default, the MNIST entries and any stacked-MNIST entries with a checkpoint."""
    if names:
        return list(names)
    return [m for models in MODELS.values() for m in models if (REPO / "checkpoints" / m / "SHA256SUMS").is_file()]


def count_model(name: str, sigmas, steps: int, n: int = 10_000, seed: int = 0) -> dict:
    """Third-party counts of zoo model ``name`` (``zoo.load``) for each σ, on the data set's test images."""
    import zoo
    from eval.image_report import THIRD_PARTY_STACKED_TEST_SIZE
    from eval.reference import real_images
    from eval.third_party import third_party_missing_modes

    model = zoo.load(name)
    dataset = model.dataset
    test_n = 10_000 if dataset == "mnist" else THIRD_PARTY_STACKED_TEST_SIZE
    # The same real sets as eval.image_report (train seed, test seed + 1), so the counts match its report.
    out = third_party_missing_modes(real_images(dataset, "train", n, seed)[0], model.sample(n, seed=seed),
                                    real_images(dataset, "test", test_n, seed + 1)[0], sigmas=tuple(sigmas),
                                    steps=steps, seed=seed)
    return {"model": name, "dataset": dataset, **out}


def main(argv=None) -> int:
    """Count, write the JSON and the markdown table; return 0 (2 for bad arguments)."""
    from eval import third_party

    p = argparse.ArgumentParser(prog="python -m scripts.missing_mode_table", description=__doc__.splitlines()[0])
    p.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up lines (hidden by default)")
    p.add_argument("--models", nargs="+", help="zoo entries (default: the MNIST ones and existing stacked ones)")
    p.add_argument("--sigmas", type=float, nargs="+",
                   default=[*third_party.DEFAULT_SIGMAS, *third_party.PAPER_SIGMAS])
    p.add_argument("--steps", type=int, default=third_party.DEFAULT_STEPS, help="D* training steps per σ")
    p.add_argument("--samples", type=int, default=10_000, help="real and generated images D* is trained on")
    p.add_argument("--out", default=str(RESULTS), help="folder of the result files (default results/)")
    args = p.parse_args(argv)
    if args.steps < 1 or args.samples < 2 or any(s <= 0 for s in args.sigmas):
        print("error: --steps, --samples and --sigmas must be positive", file=sys.stderr)
        return 2
    models = available_models(args.models)
    rows = []
    for name in models:
        print(f"{name}: {len(args.sigmas)} discriminators × {args.steps} steps", flush=True)
        rows.append(count_model(name, args.sigmas, args.steps, args.samples))
    out = Path(args.out)
    write_json(out / "missing_mode_table.json", {"models": rows, "paper_celeba": {
        "columns": PAPER_CELEBA["columns"], "3.5": PAPER_CELEBA[3.5], "4.0": PAPER_CELEBA[4.0]}})
    t = third_party.HEADLINE_THRESHOLD
    lines = report_head("Test images in missing modes (Che et al. 2017, Table 3, on MNIST)",
                        "scripts.missing_mode_table", argv)
    lines += [f"Count of test images with P(real) > {t} (and > 0.5) under a third-party discriminator trained "
              f"{args.steps} steps on {args.samples} real and {args.samples} generated images; lower is better. "
              f"σ = {', '.join(f'{s:g}' for s in third_party.DEFAULT_SIGMAS)} is the validated default "
              "(docs/evaluation.md#third-party-discriminator), 3.5 / 4.0 the paper's.", "",
              "| σ | " + " | ".join(f"`{r['model']}`" for r in rows) + " |", "|---" * (len(rows) + 1) + "|"]
    for i, sigma in enumerate(args.sigmas):
        cells = [f"{r['results'][i]['counts'].get(str(t), 'n/a')} ({r['results'][i]['counts'].get('0.5', 'n/a')})"
                 f" / {r['n_test']}" for r in rows]
        lines.append(f"| {sigma:g} | " + " | ".join(cells) + " |")
    lines += ["", "Che et al. 2017, Table 3 (CelebA, their σ and scale, threshold not stated):", "",
              "| σ | " + " | ".join(PAPER_CELEBA["columns"]) + " |", "|---" * 6 + "|"]
    for sigma in (3.5, 4.0):
        lines.append(f"| {sigma} | " + " | ".join(map(str, PAPER_CELEBA[sigma])) + " |")
    return write_report(lines, "missing_mode_table", results=out)


if __name__ == "__main__":
    sys.exit(main())
