"""Render a figure notebook: papermill runs it with the workflow's inputs, nbconvert makes the page.

Both outputs are written atomically (a killed job leaves neither half-written), and the executed
notebook is made deterministic before it is written: papermill stamps every run with start/end
times and durations, gives its injected-parameters cell a random id, and cells of a source notebook
without ids get random ones; :func:`normalise` drops the stamps and numbers the cells, so the notebook and the HTML page of two runs of one
configuration are byte-identical (:mod:`fairopt.report.identity`) unless the figures differ.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fairopt.core.io import write_text

__all__ = ["TIMING_METADATA", "normalise", "render_notebook"]

#: papermill's per-run stamps (notebook and cell metadata)
TIMING_METADATA = ("start_time", "end_time", "duration")


def normalise(nb: Any) -> Any:
    """Drop papermill's time stamps and number the cells (in place).

    Cell ids are random where the source notebook has none (nbformat < 4.5: they are made up when
    the notebook is upgraded) and for papermill's injected cell, so every cell gets ``cell-<k>``
    (its position) and the injected one ``injected-parameters``.
    """
    for key in TIMING_METADATA:
        nb.metadata.get("papermill", {}).pop(key, None)
    for k, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        for key in TIMING_METADATA:
            cell.metadata.get("papermill", {}).pop(key, None)
        cell["id"] = "injected-parameters" if "injected-parameters" in cell.metadata.get("tags", []) else f"cell-{k}"
    return nb


def render_notebook(notebook: str | Path, parameters: Mapping[str, Any], out_notebook: str | Path,
                    out_html: str | Path, *, kernel: str = "python3") -> None:
    """Execute ``notebook`` with ``parameters``; write the executed notebook and its HTML page
    (inputs hidden, as ``jupyter nbconvert --no-input``)."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    nb = papermill.execute_notebook(str(notebook), None, parameters=dict(parameters), kernel_name=kernel,
                                    progress_bar=False, cwd=None)
    normalise(nb)
    write_text(out_notebook, nbformat.writes(nb))
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    write_text(out_html, body)
