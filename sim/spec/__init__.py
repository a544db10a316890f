"""Hardware specs: frozen dataclasses (`model`) and the YAML loader that checks them (`load`)."""

from sim.spec.model import Dma, Hardware, Memory, SystolicArray, VectorUnit

__all__ = ["Dma", "Hardware", "Memory", "SystolicArray", "VectorUnit"]
