"""Evaluation toolkit: EMD, mixture mode metrics, image scores and missing-mode counts."""
