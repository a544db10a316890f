"""edgesim: an analytic, cycle-approximate simulator of edge AI accelerator memory hierarchies."""

__version__ = "0.1.0"
