"""The checkpoint-report entry point for image models: :func:`evaluate_checkpoint_images`.

It lives in :mod:`eval.image_report`; this module only re-exports it for callers that import it from
here. The rest of the image toolkit is split by job: :mod:`eval.samples` (reading and checking samples),
:mod:`eval.digits` (classifying them), :mod:`eval.reference` (real reference sets),
:mod:`eval.image_metrics` (the metric bundle), :mod:`eval.third_party` (the third-party-discriminator
count) and :mod:`eval.plots` (figures).
"""
from __future__ import annotations

from eval.image_report import evaluate_checkpoint_images

__all__ = ["evaluate_checkpoint_images"]
