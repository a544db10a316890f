"""Workloads: the model zoo, and importers from .tflite and SCALE-Sim topology files."""
