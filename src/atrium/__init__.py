"""Atrium: an MLflow-compatible experiment-tracking server and model registry."""

__version__ = "0.1.0"
