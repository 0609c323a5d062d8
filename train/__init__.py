"""Training entry points: ``python -m train.run --model NAME``."""

# ``python -m`` of a module here runs this file first: start quietly before anything imports TensorFlow
# (zoo/quiet.py; importing zoo does it, --verbose or a TF_CPP_MIN_LOG_LEVEL of the user's own keeps the output).
import zoo  # noqa: E402,F401
