"""Figures for a projector: measure what a figure shows, and the rules a slide's figure meets.

:func:`figure_report` measures a drawn Matplotlib figure: its size and resolution, every
panel's size on screen, the smallest tile of a channel grid, the smallest font, whether
each colour-mapped image has a colorbar, texts that overlap or are cut off, and empty
panels. :func:`rule_violations` checks a report against
:data:`SLIDE_RULES`. In a notebook, :func:`lecture_helpers.setup_notebook` attaches the
report to every figure it shows (output metadata ``lecture_helpers/figure``), so the
committed notebooks can be checked figure by figure (``tests/test_figure_rules.py``).
"""

from __future__ import annotations

import base64
import html
import io
import re
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


def text_width(text: str, fontsize: float | str | None = None, dpi: float | None = None) -> float:
    """How wide ``text`` (its widest line) is drawn, in pixels at ``dpi`` (default: the
    figure dpi of matplotlib's rcParams); ``fontsize`` in points or a name like "large"
    (default: the axes title size)."""
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    size = mpl.rcParams["axes.titlesize"] if fontsize is None else fontsize
    prop = FontProperties(size=size)
    dpi = float(mpl.rcParams["figure.dpi"] if dpi is None else dpi)
    widths = []
    for line in str(text).split("\n"):
        math = line.count("$") >= 2 and line.count("$") % 2 == 0
        width = text_to_path.get_text_width_height_descent(line, prop, ismath=math)[0]
        widths.append(width * dpi / 72.0)
    return max(widths)


def _greedy(chunks: list[str], fits: Any) -> list[str]:
    lines: list[str] = []
    for chunk in chunks:
        if lines and fits(f"{lines[-1]} {chunk}"):
            lines[-1] = f"{lines[-1]} {chunk}"
        else:
            lines.append(chunk)
    return lines


TITLE_LINE_IN = 0.2  # the height of one line of a panel's title (11-12 pt), in inches


def row_height(panel_in: float, title_lines: int = 1) -> float:
    """The height (inches) of a row of panels ``panel_in`` tall under titles of ``title_lines``
    lines: what a figure gives each row so that wrapped titles never reach the row above."""
    return panel_in + 0.25 + TITLE_LINE_IN * title_lines


def wrap_text(text: str, width_in: float, fontsize: float | str | None = None) -> str:
    """``text`` broken into lines no wider than ``width_in`` inches at ``fontsize`` (see
    :func:`text_width`), for a title over a panel of that width: breaks go after a colon
    or before a bracket first ("kitten (P(dog) = 0.28): evidence for cat" ->
    "kitten (P(dog) = 0.28):" / "evidence for cat"), else between words. Words are never
    split (a word wider than the panel keeps a line of its own); line breaks already in
    ``text`` stay."""
    import re

    import matplotlib as mpl

    limit = float(width_in) * float(mpl.rcParams["figure.dpi"])

    def fits(line: str) -> bool:
        return text_width(line, fontsize) <= limit

    lines = []
    for line in str(text).split("\n"):
        if fits(line):
            lines.append(line)
            continue
        words = line.split(" ")
        fewest = _greedy(words, fits)  # the fewest lines words can make
        chunks = [c for c in re.split(r"(?<=:) | (?=\()", line) if c]
        preferred = []
        for part in _greedy(chunks, fits):
            preferred += [part] if fits(part) else _greedy(part.split(" "), fits)
        if len(preferred) <= len(fewest):
            lines += preferred
        else:  # the fewest lines; two of them of about the same width
            splits = [(" ".join(words[:k]), " ".join(words[k:])) for k in range(1, len(words))]
            balanced = min((pair for pair in splits if all(map(fits, pair))), default=None,
                           key=lambda pair: max(text_width(part, fontsize) for part in pair))
            lines += list(balanced) if len(fewest) == 2 and balanced else fewest
    return "\n".join(lines)


def _is_colorbar(ax: Any) -> bool:
    return getattr(ax, "_colorbar", None) is not None or ax.get_label() == "<colorbar>"


def colorbar_of(fig: Any, image: Any) -> Any:
    """The colorbar that reads ``image``: its own, or one of another mappable with the same
    colour scale (one colorbar for several panels); None without one."""
    if getattr(image, "colorbar", None) is not None:
        return image.colorbar
    for ax in fig.axes:
        bar = getattr(ax, "_colorbar", None)
        if bar is None:
            continue
        mappable = bar.mappable
        if mappable is image or mappable.get_cmap().name == image.get_cmap().name and (
            mappable.norm.vmin,
            mappable.norm.vmax,
        ) == (image.norm.vmin, image.norm.vmax):
            return bar
    return None


def _has_colorbar(fig: Any, image: Any) -> bool:
    """A colorbar for this image, or for another mappable with the same colour scale."""
    return colorbar_of(fig, image) is not None


def _axis_labels(axis: Any) -> list[Any]:
    """The tick labels an axis draws (those inside its view limits), its label, offset text."""
    if not axis.get_visible():
        return []
    try:
        ticks = axis._update_ticks()  # the ticks drawn: inside the view limits
    except Exception:  # pragma: no cover - a private API; fall back to every major tick
        ticks = axis.get_major_ticks()
    texts = [axis.label, axis.offsetText]
    for tick in ticks:
        texts += [label for label in (tick.label1, tick.label2) if label.get_visible()]
    return texts


def _owned_texts(fig: Any) -> list[tuple[Any, Any]]:
    """(text, the axes it belongs to or None) for every visible, non-empty text a viewer
    reads: titles and suptitles, axis labels, tick labels, offset texts, legends (their
    titles too), annotations, and each colorbar's label and tick labels."""
    owned: list[tuple[Any, Any]] = []
    figures = [fig]
    while figures:
        figure = figures.pop()
        figures += list(getattr(figure, "subfigs", []))
        owned += [(text, None) for text in figure.texts]
        for name in ("_suptitle", "_supxlabel", "_supylabel"):
            if getattr(figure, name, None) is not None:
                owned.append((getattr(figure, name), None))
        for legend in figure.legends:
            owned += [(text, None) for text in (legend.get_title(), *legend.get_texts())]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts = [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.axison or _is_colorbar(ax):  # a colorbar: its label and ticks, always
            texts += _axis_labels(ax.xaxis) + _axis_labels(ax.yaxis)
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            texts += [legend.get_title(), *legend.get_texts()]
        owned += [(text, ax) for text in texts]
    seen: set[int] = set()
    shown = []
    for text, owner in owned:
        if id(text) in seen or not text.get_visible() or not text.get_text().strip():
            continue
        seen.add(id(text))
        shown.append((text, owner))
    return shown


def _texts(fig: Any) -> list[Any]:
    """Every text a viewer reads: titles, labels, ticks, legends, annotations, colorbars."""
    return [text for text, _ in _owned_texts(fig)]


# ---------------------------------------------------------------------------
# Texts and panels on the drawn figure: overlaps, clipping, empty panels

OVERLAP_PX = 2.0  # texts may touch by this much (anti-aliasing, rounding) before they overlap
TEXT_CHARS = 40  # a text is named by its first characters in reports and messages


def _name(text: str) -> str:
    words = " ".join(str(text).split())
    return words if len(words) <= TEXT_CHARS else words[: TEXT_CHARS - 1] + "…"


def _extent(text: Any, renderer: Any) -> Any:
    """A text's box on the canvas (px); an annotation's without its arrow."""
    from matplotlib.text import Annotation, Text

    if isinstance(text, Annotation):
        text.update_positions(renderer)
    return Text.get_window_extent(text, renderer)


def _corners(text: Any, renderer: Any) -> np.ndarray:
    """The four corners (4, 2) of a text's box on the canvas, rotated with the text."""
    box = _extent(text, renderer)
    rotation = float(text.get_rotation()) % 90.0
    if rotation:
        try:  # the rotated, text-aligned box (a private API of matplotlib >= 3.10)
            _, _, ((x, y), (width, height)) = text._get_layout(renderer)
            angle = np.deg2rad(text.get_rotation())
            along = np.array([np.cos(angle), np.sin(angle)])
            across = np.array([-np.sin(angle), np.cos(angle)])
            x0, y0 = text.get_transform().transform(text.get_unitless_position())
            start = np.array([x0 + x, y0 + y])
            return np.array([start, start + width * along,
                             start + width * along + height * across, start + height * across])
        except Exception:  # pragma: no cover - fall back to the axis-aligned box
            pass
    return np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]])


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """How far two convex quadrilaterals overlap (px, the smallest overlap of their
    projections on every edge normal; <= 0 if they are apart)."""
    depth = np.inf
    for poly in (a, b):
        for edge in np.diff(np.vstack([poly, poly[:1]]), axis=0):
            normal = np.array([-edge[1], edge[0]])
            length = np.hypot(*normal)
            if length == 0:
                continue
            normal /= length
            pa, pb = a @ normal, b @ normal
            depth = min(depth, min(pa.max(), pb.max()) - max(pa.min(), pb.min()))
    return float(depth)


def _colorbar_name(ax: Any) -> str:
    label = (ax.yaxis.label.get_text() or ax.xaxis.label.get_text()).strip()
    return _name(f"colorbar: {label}" if label else "colorbar")


def _text_overlaps(owned: list[tuple[Any, Any]], fig: Any, renderer: Any) -> list[list[str]]:
    """Every pair of texts (and every text and a colorbar not its own) that overlap."""
    shapes = [(_name(text.get_text()), owner, _corners(text, renderer)) for text, owner in owned]
    for ax in fig.axes:  # a colorbar hides the text under it
        if ax.get_visible() and _is_colorbar(ax):
            box = ax.get_window_extent(renderer)
            shapes.append((_colorbar_name(ax), ax, np.array(
                [[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]])))
    if not shapes:
        return []
    low = np.array([corners.min(axis=0) for _, _, corners in shapes])
    high = np.array([corners.max(axis=0) for _, _, corners in shapes])
    texts = len(owned)
    pairs = []
    for i in range(texts):
        # boxes that overlap by more than OVERLAP_PX in x and y: then the exact shapes
        near = np.flatnonzero(
            (np.minimum(high[i], high[i + 1:]) - np.maximum(low[i], low[i + 1:]) > OVERLAP_PX)
            .all(axis=1)) + i + 1
        for j in near:
            name_i, owner_i, corners_i = shapes[i]
            name_j, owner_j, corners_j = shapes[j]
            if j >= texts and owner_i is owner_j:
                continue  # a colorbar's own label and ticks
            if _overlap(corners_i, corners_j) > OVERLAP_PX:
                pairs.append([name_i, name_j])
    return pairs


def _clipped_texts(owned: list[tuple[Any, Any]], limits: list[Any], renderer: Any) -> list[str]:
    """Texts that leave any of ``limits`` (boxes on the canvas: the figure, the saved
    picture) or their own clip box, and annotations not drawn because their point lies
    outside the axes."""
    from matplotlib.text import Annotation

    clipped = []
    for text, _ in owned:
        box = _extent(text, renderer)
        clip = text.get_clip_box() if text.get_clip_on() else None
        cut = any(box.x0 < limit.x0 - OVERLAP_PX or box.x1 > limit.x1 + OVERLAP_PX
                  or box.y0 < limit.y0 - OVERLAP_PX or box.y1 > limit.y1 + OVERLAP_PX
                  for limit in [*limits, *([clip] if clip is not None else [])])
        if isinstance(text, Annotation) and not text._check_xy(renderer):
            cut = True  # annotation_clip: not drawn at all
        if cut:
            clipped.append(_name(text.get_text()))
    return clipped


def _measure_texts(fig: Any, renderer: Any, saved: Any) -> dict[str, Any]:
    """Overlapping and clipped texts, on the canvas as ``renderer`` drew it last; ``saved``
    is the part of that canvas the picture shows (px)."""
    from matplotlib.transforms import Bbox

    # the figure as laid out: when saved with bbox_inches="tight", transFigure maps it
    # to its place in the cropped picture
    canvas = Bbox(fig.transFigure.transform([(0.0, 0.0), (1.0, 1.0)]))
    owned = _owned_texts(fig)
    return {
        "text_overlaps": _text_overlaps(owned, fig, renderer),
        "clipped_texts": _clipped_texts(owned, [canvas, saved], renderer),
    }


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


def _measure_drawn(fig: Any) -> dict[str, Any]:
    """The texts measured on a draw without rendering (for a picture made elsewhere): the
    saved area is the figure's tight box, padded, as ``bbox_inches="tight"`` would crop."""
    import matplotlib as mpl
    from matplotlib.transforms import Bbox

    fig.draw_without_rendering()
    renderer = fig._get_renderer()
    pad = mpl.rcParams["savefig.pad_inches"]
    pad = 0.1 if pad in (None, "layout") else float(pad)
    tight = fig.get_tightbbox(renderer).padded(pad)
    saved = Bbox(np.asarray(tight.get_points()) * fig.dpi)
    return _measure_texts(fig, renderer, saved)


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


def figure_png(fig: Any) -> tuple[str, dict[str, Any]] | None:
    """IPython's PNG formatter for figures: the picture, with its report (the texts measured
    on the same draw) and its alt text (:func:`lecture_helpers.alt_text.describe`) as
    metadata."""
    png, measured = _render(fig)
    if not png:
        return None  # an empty figure: nothing to show
    report = _report(fig, png, measured)
    if getattr(fig, "lecture_palette", False):
        png = _palette_png(png)
        report["palette"] = True
    from .alt_text import describe

    return base64.b64encode(png).decode("ascii"), {METADATA_KEY: report, "alt": describe(fig)}


# A figure as a notebook shows it: one <img> with its alt text, as text/html. JupyterLab draws an
# image/png output with no alt attribute (its image renderer sets only src and size), but it
# prefers text/html to image/png in an output and keeps an <img>'s alt and its data: URL when
# it sanitizes, so a screen reader reads the figure's description there, in the HTML pages and
# decks nbconvert writes, and in Colab and VS Code. The PNG is not stored twice.
FIGURE_HTML = re.compile(
    r'<img class="lecture-figure" src="data:image/png;base64,(?P<png>[A-Za-z0-9+/=]+)" '
    r'alt="(?P<alt>[^"]*)">'
)


def figure_html(fig: Any) -> tuple[str, dict[str, Any]] | None:
    """IPython's HTML formatter for figures: the PNG of :func:`figure_png` in an ``<img>`` with
    its alt text, and the same metadata (the report and the alt text)."""
    shown = figure_png(fig)
    if shown is None:
        return None
    png, metadata = shown
    alt = html.escape(metadata["alt"], quote=True)
    return f'<img class="lecture-figure" src="data:image/png;base64,{png}" alt="{alt}">', metadata


def output_png(output: dict[str, Any]) -> str | None:
    """The base64 PNG a notebook output shows: its image/png, or a figure's <img> in text/html."""
    data = output.get("data", {})
    if "image/png" in data:
        return "".join(data["image/png"])
    match = FIGURE_HTML.fullmatch("".join(data.get("text/html", "")).strip())
    return match.group("png") if match else None


def output_metadata(output: dict[str, Any]) -> dict[str, Any]:
    """The metadata of the picture in a notebook output (its report and alt text), or {}."""
    data, metadata = output.get("data", {}), output.get("metadata", {})
    mime = "image/png" if "image/png" in data else "text/html"
    return metadata.get(mime, {}) if output_png(output) is not None else {}


def install_figure_reports() -> bool:
    """Make IPython show every figure as :func:`figure_html` (picture, report and alt text);
    False outside IPython."""
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
    formatters = shell.display_formatter.formatters
    formatters["text/html"].for_type(Figure, figure_html)
    formatters["image/png"].for_type(Figure, lambda fig: None)  # the PNG is in the <img>
    return True
