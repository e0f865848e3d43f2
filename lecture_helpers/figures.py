"""Figures for a projector: measure what a figure shows, and the rules a slide's figure meets.

:func:`figure_report` measures a drawn Matplotlib figure: its size and resolution, every
panel's size on screen, the smallest tile of a channel grid, the smallest font, and whether
each colour-mapped image has a colorbar. :func:`rule_violations` checks a report against
:data:`SLIDE_RULES`. In a notebook, :func:`lecture_helpers.setup_notebook` attaches the
report to every figure it shows (output metadata ``lecture_helpers/figure``), so the
committed notebooks can be checked figure by figure (``tests/test_figure_rules.py``).
"""

from __future__ import annotations

import base64
import io
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

METADATA_KEY = "lecture_helpers/figure"


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


def mark_palette(fig: Any) -> Any:
    """Store ``fig`` as a 256-colour PNG when a notebook shows it (for pictures that are
    textures of noise, as gradient ascent makes: a third of the bytes, no visible change)."""
    fig.lecture_palette = True
    return fig


def _palette_png(png: bytes) -> bytes:
    from PIL import Image

    picture = Image.open(io.BytesIO(png)).convert("RGB")
    quantized = picture.quantize(256, method=Image.Quantize.MEDIANCUT,
                                 dither=Image.Dither.FLOYDSTEINBERG)
    buffer = io.BytesIO()
    quantized.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def mark_picture(ax: Any) -> None:
    """Declare that the colour-mapped image on ``ax`` is a picture, not a value (no colorbar)."""
    ax.lecture_picture = True


def _is_colorbar(ax: Any) -> bool:
    return getattr(ax, "_colorbar", None) is not None or ax.get_label() == "<colorbar>"


def _has_colorbar(fig: Any, image: Any) -> bool:
    """A colorbar for this image, or for another mappable with the same colour scale."""
    if getattr(image, "colorbar", None) is not None:
        return True
    for ax in fig.axes:
        bar = getattr(ax, "_colorbar", None)
        if bar is None:
            continue
        mappable = bar.mappable
        if mappable.get_cmap().name == image.get_cmap().name and (
            mappable.norm.vmin,
            mappable.norm.vmax,
        ) == (image.norm.vmin, image.norm.vmax):
            return True
    return False


def _texts(fig: Any) -> list[Any]:
    """Every text a viewer reads: titles, labels, ticks, legends, annotations."""
    texts = list(fig.texts)
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        if getattr(fig, name, None) is not None:
            texts.append(getattr(fig, name))
    for legend in fig.legends:
        texts += legend.get_texts()
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.axison:
            texts += [ax.xaxis.label, ax.yaxis.label]
            texts += ax.get_xticklabels() + ax.get_yticklabels()
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    return [text for text in texts if text.get_visible()]


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def figure_report(fig: Any, png: bytes | None = None) -> dict[str, Any]:
    """Measure a figure as it is drawn: pixel size, dpi, panels, tiles, fonts, colorbars.

    ``png`` is the rendered picture, if there is one (its size is the figure's on screen,
    after the tight crop); otherwise the figure is drawn here.
    """
    if png is None:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
        png = buffer.getvalue()
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
    fonts = [float(text.get_fontsize()) for text in _texts(fig) if text.get_text().strip()]
    width, height = _png_size(png)
    return {
        "dpi": float(fig.dpi),
        "width_px": width,
        "height_px": height,
        "min_font_pt": min(fonts) if fonts else None,
        "panels": panels,
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
    return problems


def figure_png(fig: Any) -> tuple[str, dict[str, Any]]:
    """IPython's PNG formatter for figures: the picture, with its report as metadata."""
    buffer = io.BytesIO()
    fig.canvas.print_figure(
        buffer, format="png", dpi=fig.dpi, bbox_inches="tight",
        facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor(),
    )
    png = buffer.getvalue()
    if not png:
        return None  # type: ignore[return-value]  # an empty figure: nothing to show
    report = figure_report(fig, png)
    if getattr(fig, "lecture_palette", False):
        png = _palette_png(png)
        report["palette"] = True
    return base64.b64encode(png).decode("ascii"), {METADATA_KEY: report}


def install_figure_reports() -> bool:
    """Make IPython attach :func:`figure_report` to every figure it shows; False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    plt.close(plt.figure())  # load the inline backend now, so it does not override us later
    shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)
    return True
