"""Plots with matplotlib (Agg backend, files only): mixture samples over the true modes, image grids,
class histograms, training curves. Every figure is saved atomically as a PNG and closed."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from eval.samples import SampleError

__all__ = ["plot_curves", "plot_grid", "plot_histogram", "plot_image_grid", "plot_mixture", "plot_vectors",
           "save_figure"]


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


def plot_vectors(samples, real, path, title: str = "") -> Path:
    """Scatter generated points over real ones (first two coordinates; data without a mode table)."""
    samples, real = np.asarray(samples), np.asarray(real)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(real[:, 0], real[:, 1 if real.shape[1] > 1 else 0], s=2, alpha=0.3, c="grey", label="real")
    ax.scatter(samples[:, 0], samples[:, 1 if samples.shape[1] > 1 else 0], s=2, alpha=0.4, label="generated")
    ax.set(aspect="equal", title=title)
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


def plot_grid(samples, path: str | os.PathLike, ncols: int = 10, max_images: int = 100,
              title: str = "") -> Path:
    """Save a grid of the first ``max_images`` images in [-1, 1] (``[N, H, W, 1|3]``) as a PNG.

    Validates the input (:class:`eval.samples.SampleError`), then draws with :func:`plot_image_grid`:
    one-channel images in grayscale, stacked MNIST with its three digits as RGB channels.
    """
    x = np.asarray(samples, np.float32)[:max_images]
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in (1, 3) or len(x) == 0:
        raise SampleError(f"plot_grid needs [N, H, W, 1|3] images, got shape {x.shape}")
    return plot_image_grid(x, path, cols=min(ncols, len(x)), title=title)


def plot_histogram(hist, path: str | os.PathLike, title: str = "", xlabel: str = "class") -> Path:
    """Save a bar chart of class counts (e.g. ``evaluate_images(...)["class_histogram"]``) as a PNG.

    A dashed line marks the uniform count, the reference every mode-coverage KL compares with.
    """
    counts = np.asarray(hist, np.float64).ravel()
    if counts.size == 0:
        raise ValueError("empty histogram")
    fig, ax = plt.subplots(figsize=(6 if counts.size <= 20 else 10, 3))
    ax.bar(np.arange(counts.size), counts, width=0.8 if counts.size <= 20 else 1.0)
    ax.axhline(counts.sum() / counts.size, color="k", ls="--", lw=1, label="uniform")
    if counts.size <= 20:
        ax.set_xticks(np.arange(counts.size))
    ax.set(xlabel=xlabel, ylabel="count", title=title)
    ax.legend(loc="upper right")
    return save_figure(fig, path)


def plot_curves(curves: dict, path, title: str = "", highlight=None) -> Path:
    """Training curves (``curve.json`` records, :mod:`eval.curve`) by label: modes and HQ share (%) against
    generator steps, one panel each; the ``highlight`` label is drawn thick (the published median seed).
    A dashed line marks the data set's number of modes."""
    fig, (modes_ax, hq_ax) = plt.subplots(1, 2, figsize=(10, 3.6))
    num_modes = None
    for label, curve in curves.items():
        steps = [p["step"] for p in curve["points"]]
        style = {"lw": 2.5, "zorder": 3} if label == highlight else {"lw": 1.2, "alpha": 0.8}
        style["marker"] = "." if len(steps) <= 60 else None
        name = f"{label} (median)" if label == highlight else label
        modes_ax.plot(steps, [p["modes"] for p in curve["points"]], label=name, **style)
        hq_ax.plot(steps, [100 * p["hq_fraction"] for p in curve["points"]], label=name, **style)
        num_modes = curve.get("num_modes", num_modes)
    if num_modes:
        modes_ax.axhline(num_modes, color="k", ls="--", lw=1)
        modes_ax.set_ylim(0, num_modes * 1.08)
    modes_ax.set(xlabel="generator steps", ylabel="modes captured")
    hq_ax.set(xlabel="generator steps", ylabel="high-quality samples (%)", ylim=(0, 100))
    if any(label for label in curves):
        hq_ax.legend(loc="best", fontsize=8)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)
