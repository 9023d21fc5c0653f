"""Display helper of the FDFL figure notebooks.

With the headless Agg backend that :mod:`fairopt.plotting` selects, ``plt.show()`` displays nothing
in a papermill-executed notebook (the rendered HTML then has no figures). :func:`show` renders a
figure to PNG and displays the image, so the HTML carries it.
"""
from __future__ import annotations

import io

__all__ = ["show"]


def show(fig) -> None:
    """Display ``fig`` as a PNG image in the running notebook and close it."""
    from IPython.display import Image, display

    from fairopt.plotting import plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"))
