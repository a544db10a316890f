"""Cost models: per-layer cycles, traffic and energy. Kernels below, `LayerCost` on top."""
