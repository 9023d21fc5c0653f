"""What every method and study shares.

* :mod:`~fairopt.core.errors` -- exception types with one-line messages;
* :mod:`~fairopt.core.io` -- atomic CSV/JSON/text writers, checksums;
* :mod:`~fairopt.core.metrics` -- prediction, fairness and accuracy metrics (numpy or torch);
* :mod:`~fairopt.core.splits` -- samples, train/test splits, stratified batches;
* :mod:`~fairopt.core.solvers` -- cvxpy solver selection and status checking;
* :mod:`~fairopt.core.isolation` -- a solver call in a child process with a wall-clock limit;
* :mod:`~fairopt.core.training` -- the one training loop;
* :mod:`~fairopt.core.models` -- MLP builder, seeding;
* :mod:`~fairopt.core.device` -- the `device` setting (auto, cpu, cuda) of torch studies;
* :mod:`~fairopt.core.runlog` -- logging of workflow jobs;
* :mod:`~fairopt.core.timing` -- wall/CPU time of a job with cores and load average;
* :mod:`~fairopt.core.cli_config` -- typed nested ``--config`` overrides.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {})
