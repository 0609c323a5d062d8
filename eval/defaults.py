"""Every default of the evaluation protocol, in one place (docs/evaluation.md says why each is what it is).

The library (:func:`eval.evaluate`), ``train.run``'s ``metrics.json`` and every evaluation command line
read these names; the modules that own a metric re-export the ones they use, so a change here changes
the protocol everywhere at once.
"""
from __future__ import annotations

__all__ = [
    "HQ_THRESHOLD", "MIXTURE_SAMPLES", "MIXTURE_RUNS", "CURVE_SAMPLES", "CURVE_SEED", "IMAGE_SAMPLES",
    "SCORE_SAMPLES", "IS_SPLITS",
    "KID_SUBSETS", "KID_SUBSET_SIZE", "THIRD_PARTY_SIGMAS", "THIRD_PARTY_THRESHOLDS", "THIRD_PARTY_STEPS",
    "THIRD_PARTY_BASE", "THIRD_PARTY_LEARNING_RATE", "THIRD_PARTY_STACKED_TEST_SIZE", "MAX_SAMPLES",
    "MAX_MIXTURE_SAMPLES", "MAX_RUNS",
]

# --- mixtures (docs/evaluation.md#mixture-benchmarks)
#: A sample is high quality within 3 std of its nearest mode (VEEGAN, Srivastava et al. 2017, arXiv:1705.07761).
HQ_THRESHOLD = 3.0
#: Samples per run on a mixture: 2,500, as VEEGAN and PacGAN.
MIXTURE_SAMPLES = 2_500
#: Sampling runs of a checkpoint on a mixture (mean ± std reported).
MIXTURE_RUNS = 5
#: Samples of each training-curve point (docs/evaluation.md#training-curves), drawn with the fixed sampling
#: seed CURVE_SEED: the curve's last point is the first sampling run of the checkpoint's own report.
CURVE_SAMPLES = MIXTURE_SAMPLES
CURVE_SEED = 0

# --- images (docs/evaluation.md#stacked-mnist, #inception-score)
#: Samples scored per data set: the size of MNIST's test split and VEEGAN's 26,000 stacked-MNIST samples.
IMAGE_SAMPLES = {"mnist": 10_000, "stacked_mnist": 26_000}
#: Samples the score command lines draw from a checkpoint (Salimans et al. 2016's 50,000).
SCORE_SAMPLES = 50_000
#: Inception-score splits (the reference code's 10).
IS_SPLITS = 10
#: KID: 100 subsets of 1,000 (Bińkowski et al. 2018, arXiv:1801.01401).
KID_SUBSETS = 100
KID_SUBSET_SIZE = 1_000

# --- third-party discriminator (docs/evaluation.md#third-party-discriminator; validated there)
#: Input-noise std on [-1, 1] images: a quarter of the data range (Che et al.'s own 3.5 / 4.0 are on
#: another scale).
THIRD_PARTY_SIGMAS = (0.5,)
THIRD_PARTY_THRESHOLDS = (0.5, 0.8, 0.9, 0.99)
THIRD_PARTY_STEPS = 5_000
THIRD_PARTY_BASE = 32
THIRD_PARTY_LEARNING_RATE = 2e-4
#: Stacked test images the third-party discriminator is evaluated on (as many as MNIST's test split).
THIRD_PARTY_STACKED_TEST_SIZE = 10_000

# --- bounds a command line accepts
#: 10^6 MNIST images are already 3.1 GB of float32 (stacked MNIST: 9.4 GB).
MAX_SAMPLES = 1_000_000
#: The exact EMD builds an N × N cost matrix (10^4: 0.8 GB, ~40 s).
MAX_MIXTURE_SAMPLES = 10_000
MAX_RUNS = 100
