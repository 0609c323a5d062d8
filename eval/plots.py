"""Plots with matplotlib (Agg backend, files only): mixture samples over the true modes, image grids."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["plot_mixture", "plot_image_grid", "save_figure"]


def save_figure(fig, path) -> Path:
    """Save ``fig`` atomically (temporary file + rename) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=path.suffix or ".png")
    os.fchmod(fd, 0o644)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=100, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        Path(tmp).unlink(missing_ok=True)
    return path


def plot_mixture(samples, mixture, path, title: str = "") -> Path:
    """Scatter generated points (first two coordinates) over the mixture's mode centres."""
    samples = np.asarray(samples)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.4, label="generated")
    ax.scatter(mixture.means[:, 0], mixture.means[:, 1], s=40, marker="x", c="red", label="modes")
    lim = np.abs(mixture.means).max() * 1.5 + 0.5
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", title=title or mixture.name)
    ax.legend(loc="upper right", fontsize=8)
    return save_figure(fig, path)


def plot_image_grid(images, path, cols: int = 10, title: str = "") -> Path:
    """Grid of images in [-1, 1] (``[N, H, W, C]``, C = 1 or 3)."""
    images = np.clip((np.asarray(images) + 1.0) / 2.0, 0.0, 1.0)
    rows = int(np.ceil(len(images) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols, rows), squeeze=False)
    for ax, i in zip(axes.flat, range(rows * cols)):
        ax.axis("off")
        if i < len(images):
            img = images[i]
            ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray" if img.shape[-1] == 1 else None)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)
