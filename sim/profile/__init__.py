"""Measured profiles: TFLite `benchmark_model` logs, live LiteRT runs, and their alignment with
simulated operators."""
