"""Small plotting helpers shared by the figure notebooks (headless Agg backend).

With the Agg backend ``plt.show()`` displays nothing in a papermill-executed notebook (the
rendered HTML would carry no figure); :func:`show` renders a figure to PNG and displays the image.
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["plt", "setup", "banner", "show_banner", "show"]


def setup() -> None:
    """Consistent, readable defaults for every figure."""
    plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
                         "axes.spines.right": False, "figure.autolayout": True})


def banner(fig, text: str, *, warn: bool = False) -> None:
    """Write a data-provenance banner across the top of ``fig`` (red when ``warn``)."""
    if text:
        fig.suptitle(text, fontsize=8, color="#b00020" if warn else "#444444", y=1.02)


def show_banner(text: str, *, warn: bool = False) -> None:
    """Display a banner line in a notebook (Markdown), red for stand-in data."""
    from IPython.display import Markdown, display

    color = "#b00020" if warn else "#444444"
    display(Markdown(f"<p style='color:{color};font-weight:bold'>{text}</p>"))


def show(fig) -> None:
    """Display ``fig`` as a PNG image in the running notebook and close it."""
    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"))
