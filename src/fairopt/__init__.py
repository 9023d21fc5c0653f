"""fairopt: fairness in prediction-to-decision pipelines.

Models, solvers and metrics behind the fairopt reproducibility workflow. The package is usable on
its own; the Snakemake workflow at the repository root drives it to reproduce four papers. It is
organised by role, not by paper (``CONTRIBUTING.md``, "Layout"):

* :mod:`fairopt.core` -- what every method and study shares: errors, atomic I/O, metrics, splits,
  solvers, the training loop, model builders, job logging;
* :mod:`fairopt.data` -- raw files (mirror or URL, checksum-verified), one tabular reader, one
  loader per dataset returning :class:`fairopt.data.container.FairData`, synthetic generators,
  data provenance;
* :mod:`fairopt.methods` -- the papers' methods, each usable without any study: the alpha-fair
  decision layer (FDFL), the fairness layer (F-Layer), fair regression, DAFH;
* :mod:`fairopt.studies` -- one package per paper, all of the same shape (settings, methods
  registry, prepare, job, tables, scorecard, benchmarks);
* :mod:`fairopt.report` -- scorecard and benchmark tables, Markdown tables, plotting;
* :mod:`fairopt.metrics` -- the user-facing fairness metrics with fairlearn's signature
  ``metric(y_true, y_pred, *, sensitive_features, ...)`` (group gaps, statistical-parity unfairness,
  DAFH's preference metrics), delegating to the implementations the workflow uses.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {})

__version__ = "0.1.0"
