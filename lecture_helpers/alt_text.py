"""Alt text for every figure a notebook shows, generated from what the figure draws.

A blind student reads a figure through its alt text, so the text is built from the figure's
own data, never written by hand beside it: the titles (which carry the measurements the
helpers print on the picture), what each panel draws (a photo, a grid of tiles, a map and what
its colour bar measures, from its lowest to its highest value, curves and their ranges), and
the sentence a helper adds with :func:`add_description` from the numbers it plotted.

``lh.setup_notebook`` shows every figure as an ``<img>`` with this ``alt``
(:func:`lecture_helpers.figures.figure_html`), which JupyterLab, the HTML pages and the decks
keep; widgets set it as their pictures' title. A run of alike panels (a row of filters) is
described in one sentence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["add_description", "describe", "where_heat"]


def add_description(fig: Any, sentence: str) -> Any:
    """Add one sentence, computed from the data a helper plotted, to ``fig``'s alt text."""
    sentence = " ".join(str(sentence).split())
    if sentence:
        fig.lecture_descriptions = [*getattr(fig, "lecture_descriptions", []), sentence]
    return fig


def where_heat(heatmap: Any) -> str:
    """Where a non-negative map's heat lies, in words and numbers: the region of its peak and
    its shares of the left and top halves ("peak in the top left; 71 % on the left half, ...")."""
    from .cam.display import mass_fraction

    values = np.clip(np.nan_to_num(np.asarray(heatmap, dtype=float)), 0, None)
    if values.ndim != 2 or values.sum() <= 0:
        return "no heat (the map is zero everywhere)"
    height, width = values.shape
    row, col = np.unravel_index(int(np.argmax(values)), values.shape)
    vertical = ("top", "middle", "bottom")[min(2, 3 * row // height)]
    horizontal = ("left", "centre", "right")[min(2, 3 * col // width)]
    peak = f"{vertical} {horizontal}".replace("middle centre", "centre")
    return (f"peak in the {peak}; {mass_fraction(values, 'left'):.0%} of the heat on the left "
            f"half, {mass_fraction(values, 'top'):.0%} on the top half")


def _number(value: float) -> str:
    value = float(value)
    if value == 0 or 0.01 <= abs(value) < 10_000:
        return f"{value:.3g}"
    return f"{value:.2e}"


def _clean(text: str) -> str:
    return " ".join(text.replace("$", "").split())


def _colorbar_label(fig: Any, image: Any) -> str | None:
    """The label of the colour bar that reads ``image``; None without one."""
    from .figures import colorbar_of

    bar = colorbar_of(fig, image)
    if bar is None:
        return None
    return _clean(bar.ax.get_ylabel() or bar.ax.get_xlabel()) or "value"


def _image_sentence(fig: Any, ax: Any) -> str:
    image = ax.images[0]
    values = np.asarray(image.get_array())
    rows, cols = getattr(ax, "lecture_grid", (1, 1))
    size = f"{values.shape[0]}x{values.shape[1]}"
    if rows * cols > 1:
        what = f"a grid of {rows * cols} tiles ({rows} row{'s' if rows > 1 else ''} of {cols})"
    elif values.ndim == 3 or getattr(ax, "lecture_picture", False):
        what = f"a picture ({size} px)"
    else:
        what = f"a map ({size})"
    scalar = [im for im in ax.images if np.ndim(im.get_array()) == 2]
    for layer in scalar:
        label = _colorbar_label(fig, layer)
        if label:
            data = np.ma.masked_invalid(np.asarray(layer.get_array(), dtype=float))
            norm = layer.norm  # values below the scale (e.g. a grid's empty tiles) are not data
            if norm.vmin is not None:
                data = np.ma.masked_less(data, norm.vmin)
            scale = (f"coloured by {label} from {_number(data.min())} to {_number(data.max())}"
                     f" ({layer.get_cmap().name})")
            if layer is not ax.images[0]:  # a map drawn over the picture below it
                what = f"{what.replace('a picture', 'a photo')} under a map {scale}"
            else:
                what += f", {scale}"
            break
    return what


def _plot_sentence(ax: Any) -> str:
    parts = []
    xlabel, ylabel = _clean(ax.get_xlabel()), _clean(ax.get_ylabel())
    if xlabel or ylabel:
        parts.append(f"{ylabel or 'values'} against {xlabel or 'position'}")
    lines = [line for line in ax.get_lines() if np.size(line.get_ydata()) >= 2]
    for line in lines[:6]:
        y = np.asarray(line.get_ydata(), dtype=float)
        y = y[np.isfinite(y)]
        label = line.get_label()
        if y.size < 2 or (label.startswith("_") and len(lines) > 2):
            continue
        name = "the curve" if label.startswith("_") else _clean(label)
        parts.append(f"{name}: from {_number(y[0])} to {_number(y[-1])} "
                     f"(lowest {_number(y.min())}, highest {_number(y.max())})")
    bars = [patch for patch in ax.patches if hasattr(patch, "get_height")]
    if bars and not ax.get_lines():
        heights = [_number(bar.get_height()) for bar in bars[:12]]
        parts.append(f"{len(bars)} bars, heights {', '.join(heights)}")
    return "; ".join(parts) or "a plot"


def describe(fig: Any) -> str:
    """The alt text of ``fig``: its title, each panel's title and content, and the sentences
    helpers added with :func:`add_description`."""
    from .figures import _has_content, _is_colorbar

    panels = [ax for ax in fig.axes
              if ax.get_visible() and not _is_colorbar(ax) and _has_content(ax)]
    title = _clean(fig._suptitle.get_text()) if getattr(fig, "_suptitle", None) else ""
    if len(panels) == 1:  # one panel: its title is the figure's
        name = _clean(panels[0].get_title() or panels[0].get_title("left"))
        title = f"{title}: {name}" if title and name else title or name
    sentences = [f"Figure: {title}." if title else "Figure."]
    if len(panels) > 1:
        sentences.append(f"{len(panels)} panels.")
    described = [(_clean(ax.get_title() or ax.get_title("left")),
                  _image_sentence(fig, ax) if ax.images else _plot_sentence(ax)) for ax in panels]
    if len(panels) == 1:
        what = described[0][1]
        sentences.append(f"{what[0].upper()}{what[1:]}.")
    number = 1
    for what, run in _runs(described) if len(panels) > 1 else ():
        names = [name for name, _ in run]
        if len(run) < MIN_RUN:  # one sentence per panel
            sentences += [f"Panel {number + k}{f' ({name})' if name else ''}: {what}."
                          for k, name in enumerate(names)]
        else:  # alike panels (a row of filters, of pictures): one sentence for the run
            titled = [name for name in names if name]
            titles = (f" ({', '.join(titled)})" if len(titled) <= MAX_LISTED else
                      f" ({', '.join(titled[:3])}, ..., {titled[-1]})") if titled else ""
            sentences.append(f"Panels {number} to {number + len(run) - 1}{titles}: each {what}.")
        number += len(run)
    sentences += getattr(fig, "lecture_descriptions", [])
    return " ".join(sentences)


MIN_RUN = 3  # this many alike panels in a row are described once
MAX_LISTED = 12  # a run lists its panels' titles up to this many, else the first and last


def _runs(described: list[tuple[str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Consecutive panels whose content reads alike, as (content, [(title, content), ...])."""
    runs: list[tuple[str, list[tuple[str, str]]]] = []
    for name, what in described:
        if runs and runs[-1][0] == what:
            runs[-1][1].append((name, what))
        else:
            runs.append((what, [(name, what)]))
    return runs
