"""Hardware specs: frozen dataclasses (`model`), the field checks every spec file shares
(`fields`) and the YAML loader of hardware (`load`)."""

from sim.spec.model import Dma, Hardware, Memory, SystolicArray, VectorUnit

__all__ = ["Dma", "Hardware", "Memory", "SystolicArray", "VectorUnit"]
