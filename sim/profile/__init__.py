"""Measured profiles: TFLite `benchmark_model` logs, TFLite Micro MicroProfiler output, live LiteRT
runs, and their alignment with simulated operators."""
