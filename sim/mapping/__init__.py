"""Mapping: where tensors go (arena planning) and how loops are tiled (geometry, no cost)."""
