"""What the studies report: scorecards, benchmark tables, Markdown tables, figures.

* :mod:`~fairopt.report.scorecard` -- paper-vs-reproduction rows and verdicts, the combined scorecard;
* :mod:`~fairopt.report.benchmark_table` -- measured speed and memory next to their targets;
* :mod:`~fairopt.report.markdown` -- the one Markdown-table writer;
* :mod:`~fairopt.report.plotting` -- headless figure helpers of the notebooks.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {})
