"""A widget's current picture as a figure: what a static page shows where widgets do not render.

GitHub's notebook viewer and a notebook opened without its widget state show no widget; the
"driven from code" cells call :func:`snapshot`, so the picture is in the notebook's outputs.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

PICTURE_ATTRIBUTES = ("view", "image")


def picture_widget(widget: Any) -> Any:
    """The ``ipywidgets.Image`` that shows a lecture widget's picture."""
    import ipywidgets

    from . import __all__ as widget_names

    for name in PICTURE_ATTRIBUTES:
        candidate = getattr(widget, name, None)
        if isinstance(candidate, ipywidgets.Image):
            return candidate
    raise TypeError(
        f"{type(widget).__name__} has no picture: snapshot() takes a lecture_helpers widget "
        f"(lh.widgets.{', lh.widgets.'.join(widget_names)})"
    )


def snapshot(widget: Any, title: str | None = None):
    """A Matplotlib figure of the picture ``widget`` shows now, pixel for pixel."""
    import matplotlib.pyplot as plt

    from ..figures import mark_palette, mark_picture

    png = bytes(picture_widget(widget).value)
    if not png:
        raise ValueError(f"{type(widget).__name__} shows no picture yet: run it first")
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    dpi = plt.rcParams["figure.dpi"]
    height, width = pixels.shape[:2]
    extra = 0.45 if title else 0.0
    fig = plt.figure(figsize=(width / dpi, height / dpi + extra))
    ax = fig.add_axes((0.0, 0.0, 1.0, height / (height + extra * dpi)))
    ax.imshow(pixels, interpolation="nearest")
    ax.set_axis_off()
    mark_picture(ax)
    if title:
        text = fig.suptitle(title, y=1.0, va="top")
        title_px = text.get_window_extent(fig.canvas.get_renderer()).width
        if title_px > width - 8:  # wider than a narrow picture: widen the figure, picture centred
            figure_px = int(np.ceil(title_px)) + 16
            fig.set_figwidth(figure_px / dpi)
            share = width / figure_px
            ax.set_position(((1.0 - share) / 2, 0.0, share, height / (height + extra * dpi)))
    if type(widget).__name__ in ("ClassVisualizer", "FilterExplorer"):
        mark_palette(fig)  # a gradient-ascent picture: a texture of noise
    return fig
