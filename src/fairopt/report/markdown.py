"""The one Markdown-table writer of fairopt (GitHub-flavoured; no optional dependency on ``tabulate``)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

__all__ = ["markdown_table"]


def markdown_table(frame: pd.DataFrame, *, cell: Callable[[Any], str] = str, title: str | None = None) -> str:
    """``frame`` as a Markdown table: a header row, a ``|---|`` rule and one row per record.

    Args:
        frame: The table (its column names head the columns).
        cell: Formats one value; ``|`` and line breaks in the result are escaped.
        title: Optional ``# title`` line (and a blank line) before the table.
    """
    def esc(value: Any) -> str:
        return cell(value).replace("|", "\\|").replace("\n", " ")

    cols = list(frame.columns)
    lines = ["| " + " | ".join(str(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    text = "\n".join(lines) + "\n"
    return f"# {title}\n\n{text}" if title else text
