"""The texts a viewer reads on a drawn figure (titles, labels, ticks, legends, annotations,
colorbars), and which of them overlap or are cut off."""

from __future__ import annotations

from typing import Any

import numpy as np


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
# Texts on the drawn figure: overlaps, clipping

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
