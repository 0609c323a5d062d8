"""Reproduction scripts of the papers' experiments; run each as ``python -m scripts.NAME`` from the repository root.

Every script trains through :func:`scripts.common.train_run` (``train.run.train`` in this process) with
configs from :func:`zoo.configs.resolve`, and has a ``main(argv)`` that ``tests/test_scripts.py`` runs at a
tiny budget.
"""

# ``python -m`` of a module here runs this file first: start quietly before anything imports TensorFlow
# (zoo/quiet.py; importing zoo does it, --verbose or a TF_CPP_MIN_LOG_LEVEL of the user's own keeps the output).
import zoo  # noqa: E402,F401
