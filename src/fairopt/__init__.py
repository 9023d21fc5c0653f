"""fairopt: fairness in prediction-to-decision pipelines.

Models, solvers and metrics behind the fairopt reproducibility workflow. The package is usable on
its own; the Snakemake workflow at the repository root drives it to reproduce four papers:

* FDFL: fair decision-focused learning (:mod:`fairopt.fdfl`, :mod:`fairopt.decision`);
* the fairness layer with guaranteed output parity (:mod:`fairopt.layer`);
* fair and accurate regression (:mod:`fairopt.fairreg`);
* DAFH, demographic-agnostic fairness without harm.

Shared pieces live once: data access (:mod:`fairopt.data`), splits (:mod:`fairopt.splits`),
metrics (:mod:`fairopt.metrics`), solver selection (:mod:`fairopt.solvers`), the training loop
(:mod:`fairopt.training`), result files (:mod:`fairopt.io`) and the scorecard
(:mod:`fairopt.scorecard`).
"""
from __future__ import annotations

__version__ = "0.1.0"
