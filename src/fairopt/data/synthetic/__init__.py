"""Synthetic data generators of the studies, each documented and seeded, each returning a FairData.

* :mod:`~fairopt.data.synthetic.layer` -- the 2^5 regression design of the fairness-layer study;
* :mod:`~fairopt.data.synthetic.fairreg` -- the fair-regression instances (the slides' generator is
  unpublished; this one is ours);
* :mod:`~fairopt.data.synthetic.dafh` -- DAFH's Figure 1 data (four subgroups of two sensitive
  attributes; the paper's generator was lost, this one is a documented reconstruction).
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {})
