"""The rules a slide's figure meets (:data:`SLIDE_RULES`), the report that measures a drawn
figure (:func:`figure_report`) and the check of one against the other
(:func:`rule_violations`)."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from .texts import _has_colorbar, _is_colorbar, _measure_drawn, _measure_texts, _name, _texts


@dataclass(frozen=True)
class FigureRules:
    """What a figure on a slide must meet (a 1280-px-wide slide, read from the back)."""

    min_dpi: float = 100.0  # sharp on a projector
    max_width_px: int = 1200  # fits a 1280-px slide beside nothing else
    min_panel_px: int = 160  # every panel (axes) at least this wide and tall
    min_tile_px: int = 100  # every tile of a channel grid
    min_font_pt: float = 10.0  # every title, label and tick
    min_image_scale: float = 0.85  # a picture of up to 256 px is not shrunk on screen


SLIDE_RULES = FigureRules()


def mark_grid(ax: Any, rows: int, cols: int) -> None:
    """Declare that the image on ``ax`` is a grid of ``rows`` × ``cols`` tiles."""
    ax.lecture_grid = (int(rows), int(cols))


def mark_tile(ax: Any) -> None:
    """Declare ``ax`` one tile of small multiples (e.g. one 3×3 kernel of 32): a tile rule."""
    ax.lecture_tile = True


def mark_picture(ax: Any) -> None:
    """Declare that the colour-mapped image on ``ax`` is a picture, not a value (no colorbar)."""
    ax.lecture_picture = True


def _render(fig: Any) -> tuple[bytes, dict[str, Any] | None]:
    """The figure as a notebook shows it (PNG at its dpi, cropped with bbox_inches="tight"),
    and its texts measured on the draw that made the picture (in the cropped picture's
    coordinates: positions set while drawing, e.g. of axis labels and legends, are in them).
    """
    measured: dict[str, Any] = {}

    def measure(event: Any) -> None:  # the last draw of the save is the picture's
        measured.update(_measure_texts(fig, event.renderer, fig.bbox))

    connection = fig.canvas.mpl_connect("draw_event", measure)
    try:
        buffer = io.BytesIO()
        fig.canvas.print_figure(
            buffer, format="png", dpi=fig.dpi, bbox_inches="tight",
            facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor(),
        )
    finally:
        fig.canvas.mpl_disconnect(connection)
    return buffer.getvalue(), measured or None


# ---------------------------------------------------------------------------
# Panels: empty ones, and their names


def _has_content(ax: Any) -> bool:
    """Anything of data on an axes: a picture, lines, patches, collections, texts, tables,
    other artists, an inset or a legend (its title and ticks alone are not a picture)."""
    parts = (ax.images, ax.lines, ax.patches, ax.collections, ax.texts, ax.tables,
             ax.artists, ax.child_axes, [ax.get_legend()] if ax.get_legend() else [])
    return any(any(child.get_visible() for child in part) for part in parts)


def _panel_name(ax: Any, fig: Any) -> str:
    title = ax.get_title() or ax.get_title("left") or ax.get_title("right")
    if title:
        return _name(title)
    spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
    if spec is not None:
        spec = spec.get_topmost_subplotspec()
        rows, columns = spec.rowspan, spec.colspan
        return f"row {rows.start + 1}, column {columns.start + 1}"
    return f"axes {fig.axes.index(ax) + 1} of {len(fig.axes)}"


def _empty_panels(fig: Any) -> list[str]:
    """Panels that show nothing: a visible axes (not a colorbar) with no data and no text,
    and a grid's slot kept by a hidden axes that no visible axes covers (e.g. the 4th of a
    2x2 grid of 3 pictures)."""
    empty = []
    covered: set[tuple[int, int, int]] = set()  # (gridspec, row, column) of visible axes
    hidden = []
    for ax in fig.axes:
        if _is_colorbar(ax):
            continue
        spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
        cells = set()
        if spec is not None:
            top = spec.get_topmost_subplotspec()
            grid = id(top.get_gridspec())
            cells = {(grid, r, c) for r in top.rowspan for c in top.colspan}
        if ax.get_visible():
            covered |= cells
            if not _has_content(ax) and not any(
                other is not ax and other.get_visible() and _has_content(other)
                and other.bbox.bounds == ax.bbox.bounds for other in fig.axes
            ):  # a twin axes shows its partner's data
                empty.append(_panel_name(ax, fig))
        elif cells:
            hidden.append((ax, cells))
    for ax, cells in hidden:
        if not cells <= covered:
            empty.append(f"{_panel_name(ax, fig)} (a hidden axes)")
    return empty


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def figure_report(fig: Any, png: bytes | None = None) -> dict[str, Any]:
    """Measure a figure as it is drawn: pixel size, dpi, panels, tiles, fonts, colorbars,
    and what a viewer cannot read or sees empty:

    * ``text_overlaps``: pairs of texts (titles, labels, tick labels, legends, annotations,
      colorbar labels and ticks) whose boxes overlap by more than :data:`OVERLAP_PX`, and
      texts under a colorbar (named ``"colorbar: its label"``);
    * ``clipped_texts``: texts cut by the figure's edge (a title wider than the figure, a
      text placed outside it, or beyond the tight crop) or by their own clip box;
    * ``empty_panels``: visible panels with nothing on them, and grid slots kept empty by a
      hidden axes.

    Texts are named by their first :data:`TEXT_CHARS` characters. ``png`` is the rendered
    picture, if there is one (its size is the figure's on screen, after the tight crop;
    the texts are measured on the same draw); otherwise the figure is drawn here, once.
    """
    measured = None
    if png is None:
        png, measured = _render(fig)
    return _report(fig, png, measured)


def _report(fig: Any, png: bytes, measured: dict[str, Any] | None) -> dict[str, Any]:
    if measured is None:
        measured = _measure_drawn(fig)
    renderer = fig.canvas.get_renderer()
    panels = []
    for ax in fig.axes:
        if not ax.get_visible() or _is_colorbar(ax):
            continue
        box = ax.get_window_extent(renderer)
        panel: dict[str, Any] = {
            "title": ax.get_title() or ax.get_title("left") or ax.get_label() or "",
            "width_px": round(float(box.width)),
            "height_px": round(float(box.height)),
            "kind": "image" if ax.images else "plot",
            "tile": bool(getattr(ax, "lecture_tile", False)),
        }
        if ax.images:
            image = ax.images[-1] if len(ax.images) == 1 else ax.images[0]
            shape = np.shape(image.get_array())
            rows, cols = getattr(ax, "lecture_grid", (1, 1))
            panel["image_shape"] = [int(shape[0]), int(shape[1])]
            panel["tiles"] = rows * cols
            panel["tile_px"] = round(min(box.width / cols, box.height / rows))
            panel["image_scale"] = round(
                float(min(box.width / shape[1], box.height / shape[0])), 3
            )
            scalar = [im for im in ax.images if np.ndim(im.get_array()) == 2]
            panel["colour_encodes_value"] = bool(scalar) and not getattr(
                ax, "lecture_picture", False
            )
            panel["colorbar"] = all(_has_colorbar(fig, im) for im in scalar) if scalar else None
        panels.append(panel)
    fonts = [float(text.get_fontsize()) for text in _texts(fig)]
    width, height = _png_size(png)
    return {
        "dpi": float(fig.dpi),
        "width_px": width,
        "height_px": height,
        "min_font_pt": min(fonts) if fonts else None,
        "panels": panels,
        "text_overlaps": measured["text_overlaps"],
        "clipped_texts": measured["clipped_texts"],
        "empty_panels": _empty_panels(fig),
    }


def rule_violations(report: dict[str, Any], rules: FigureRules = SLIDE_RULES) -> list[str]:
    """Every way a figure (its :func:`figure_report`) breaks the slide rules; empty if none."""
    problems = []
    if report["dpi"] < rules.min_dpi:
        problems.append(f"{report['dpi']:.0f} dpi < {rules.min_dpi:.0f}")
    if report["width_px"] > rules.max_width_px:
        problems.append(f"{report['width_px']} px wide > {rules.max_width_px}")
    font = report.get("min_font_pt")
    if font is not None and font < rules.min_font_pt:
        problems.append(f"a {font:g} pt text < {rules.min_font_pt:g} pt")
    for panel in report["panels"]:
        name = repr(panel["title"])[:60]
        size = min(panel["width_px"], panel["height_px"])
        is_grid = panel.get("tiles", 1) > 1
        if panel.get("tile") and size < rules.min_tile_px:
            problems.append(f"tile {name} is {panel['width_px']}x{panel['height_px']} px "
                            f"(< {rules.min_tile_px})")
        elif size < rules.min_panel_px and not is_grid and not panel.get("tile"):
            problems.append(
                f"panel {name} is {panel['width_px']}x{panel['height_px']} px "
                f"(< {rules.min_panel_px})"
            )
        if panel["kind"] != "image":
            continue
        if is_grid and panel["tile_px"] < rules.min_tile_px:
            problems.append(f"panel {name} has {panel['tile_px']}-px tiles (< {rules.min_tile_px})")
        if max(panel["image_shape"]) <= 256 and panel["image_scale"] < rules.min_image_scale:
            problems.append(
                f"panel {name} shrinks its {panel['image_shape']} image to "
                f"{panel['image_scale']:.0%}"
            )
        if panel["colour_encodes_value"] and not panel["colorbar"]:
            problems.append(f"panel {name}: colour encodes a value but has no colorbar")
    for first, second in report.get("text_overlaps", []):
        problems.append(f"texts overlap: {first!r} and {second!r}")
    for text in report.get("clipped_texts", []):
        problems.append(f"text cut off by the figure's edge: {text!r}")
    for panel in report.get("empty_panels", []):
        problems.append(f"empty panel: {panel!r}")
    return problems
