"""Evaluation toolkit: mixture mode metrics, EMD, image scores and missing-mode counts.

Definitions of every number: docs/evaluation.md. Modules, one job each:

* metrics on arrays — :mod:`eval.scores` (IS, MODE, FID, KID, precision/recall, density/coverage,
  class and stacked-MNIST coverage), :mod:`eval.mixture` (modes on the Gaussian mixtures),
  :mod:`eval.emd` (exact W1);
* networks that turn images into probabilities and features — :mod:`eval.inception` (the scorer
  interface, InceptionV3), :mod:`eval.classifier` (the MNIST CNN: training, checkpoint, scorer);
* the image pipeline — :mod:`eval.samples` (read and check samples), :mod:`eval.digits` (classify MNIST
  and stacked MNIST), :mod:`eval.reference` (real reference sets and the training-label marginal),
  :mod:`eval.image_metrics` (the metric bundle with its real-data floor), :mod:`eval.third_party`
  (the third-party-discriminator count), :mod:`eval.image_report` (a checkpoint's image report;
  re-exported by :mod:`eval.images`), :mod:`eval.plots` (figures);
* one entry point — :func:`evaluate` (:mod:`eval.api`): any samples (an array or a model) against any
  reference (a data set, a mixture spec, a data file), shared by the library and every command line;
  every default of the protocol in :mod:`eval.defaults`;
* command lines — :mod:`eval.missing_modes`, :mod:`eval.inception_score`, :mod:`eval.mode_score` and
  ``python -m eval.classifier``, sharing :mod:`eval.cli`.
"""

# ``python -m`` of a module here runs this file first: start quietly before anything imports TensorFlow
# (zoo/quiet.py; importing zoo does it, --verbose or a TF_CPP_MIN_LOG_LEVEL of the user's own keeps the output).
import zoo  # noqa: E402,F401
from eval.api import evaluate  # noqa: E402 - the public entry point

__all__ = ["evaluate"]
