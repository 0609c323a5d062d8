"""Training entry points: ``python -m train.run --model NAME``."""
