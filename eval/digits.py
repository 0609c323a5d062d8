"""Classifying MNIST and stacked-MNIST samples: class probabilities, features and digits per sample.

Stacked MNIST is classified one channel at a time (docs/evaluation.md#stacked-mnist; VEEGAN, Srivastava
et al. 2017, arXiv:1705.07761; PacGAN, Lin et al. 2018, arXiv:1712.04086): the triple of argmax digits
is the mode, the joint class distribution of a sample is the product of its three channel distributions
(1000 classes), and its features are the three channel feature vectors concatenated (3 × 128).
"""
from __future__ import annotations

import numpy as np

__all__ = ["as_scorer", "classify"]


def as_scorer(classifier=None):
    """A :class:`eval.inception.Scorer` from ``None`` (the trained MNIST CNN), a Keras model or a scorer."""
    from eval.classifier import mnist_scorer

    if hasattr(classifier, "probs") and hasattr(classifier, "features"):
        return classifier
    return mnist_scorer(classifier)


def _outputs(scorer, images):
    if hasattr(scorer, "outputs"):
        return scorer.outputs(images)
    return scorer.probs(images), scorer.features(images)


def classify(scorer, images, dataset: str) -> dict:
    """Run ``scorer`` on checked images; stacked MNIST is classified channel by channel.

    Returns ``{"probs": [N, K], "features": [N, D], "digits": [N] or [N, 3]}`` where for stacked MNIST
    K = 1000 (product of the channel distributions, index d0·100 + d1·10 + d2, matching
    :func:`eval.scores.stacked_codes`) and D = 3 × the channel feature size.
    """
    if dataset == "mnist":
        probs, feats = _outputs(scorer, images)
        return {"probs": probs, "features": feats, "digits": probs.argmax(1)}
    n = len(images)
    # One channel at a time, each a strided view [N, 28, 28, 1]: the scorer copies one batch at a time,
    # so no transposed copy of all samples is made (245 MB at N = 26,000). Each image's outputs do not
    # depend on which other images share its batch (inference mode), so this gives the same numbers as
    # classifying the 3N digits in one channel-major stack.
    outs = [_outputs(scorer, images[..., c:c + 1]) for c in range(3)]
    probs = np.stack([p for p, _ in outs])  # [3, N, 10]
    # p(d0) p(d1) p(d2) as two broadcast products: the same bits as einsum("ni,nj,nk->nijk"), 3x faster.
    pair = (probs[0][:, :, None] * probs[1][:, None, :]).reshape(n, 100)
    joint = (pair[:, :, None] * probs[2][:, None, :]).reshape(n, 1000)
    feats = np.concatenate([f for _, f in outs], axis=1)
    return {"probs": joint, "features": feats, "digits": probs.argmax(2).T}
