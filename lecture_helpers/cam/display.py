"""Heatmaps on a slide: where a map's mass lies, and figures of maps over their photo.

Pure helpers for notebook 4: :func:`mass_fraction` (the share of a heatmap on one half of
the picture), :func:`plot_heatmaps` (photos with heatmaps drawn over them, a colorbar for
the heatmap's scale), :func:`plot_guided` (guided backpropagation pictures) and
:func:`plot_randomization` (the sanity check's maps, stage by stage). Every plot returns a
Matplotlib Figure sized for a projector (see :mod:`lecture_helpers.figures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..attribution.maps import upsample_heatmap
from ..colormaps import HEAT, SIGNED
from ..errors import UnknownNameError
from ..images import load_image, prepare_image_for_display

SIDES = ("left", "right", "top", "bottom")
HEATMAP_LABEL = "heatmap (1 = its maximum)"


def mass_fraction(heatmap: np.ndarray, side: str = "left") -> float:
    """The share of a heatmap's total mass on one half of the picture: ``left``, ``right``,
    ``top`` or ``bottom`` (a middle column or row, for an odd size, counts for neither).
    An all-zero map has no mass anywhere: 0.0."""
    values = np.asarray(heatmap, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"mass_fraction takes one heatmap (H, W), got shape {values.shape}")
    if side not in SIDES:
        raise UnknownNameError(f"unknown side {side!r}; choose one of {', '.join(SIDES)}")
    values = np.maximum(values, 0.0)
    total = values.sum()
    if total == 0:
        return 0.0
    height, width = values.shape
    half = {
        "left": values[:, : width // 2],
        "right": values[:, width - width // 2:],
        "top": values[: height // 2],
        "bottom": values[height - height // 2:],
    }[side]
    return float(half.sum() / total)


def _panel_height(photos: Sequence[np.ndarray]) -> float:
    """Inches per panel: a photo of up to 256 px at about its own size, a larger one at 1.8 in
    (at least 160 px high at 100 dpi, and a figure of a few hundred kB)."""
    import matplotlib.pyplot as plt

    small = [photo.shape[0] for photo in photos if max(photo.shape[:2]) <= 256]
    return max(1.8, 0.92 * max(small, default=0) / float(plt.rcParams["figure.dpi"]))


def _titles(titles: Sequence[str], aspect: float, panel_height: float) -> list[str]:
    """Each title wrapped to its panel's width (see :func:`~lecture_helpers.figures.wrap_text`),
    so that neighbouring titles, and the colorbar beside the last column, stay apart."""
    from ..figures import wrap_text

    return [wrap_text(title, 0.92 * panel_height * aspect) for title in titles]


def _grid(count: int, ncols: int | None, aspect: float, panel_height: float,
          titles: Sequence[str] = (), photo_row: bool = False):
    """A figure of ``count`` panels, ``ncols`` a row; a last row of fewer panels is centred
    (no empty slot). Each row is as tall as its titles need. ``photo_row``: one more panel
    first, above the others (the photo they explain), returned first."""
    import matplotlib.pyplot as plt

    from ..figures import row_height

    ncols = max(1, min(count, ncols or count))
    nrows = -(-count // ncols)
    lines = [max((t.count("\n") + 1 for t in titles[row * ncols:(row + 1) * ncols]), default=1)
             for row in range(nrows)]
    heights = [row_height(panel_height, n) for n in [1] * photo_row + lines]
    fig = plt.figure(layout="constrained",
                     figsize=(panel_height * aspect * ncols + 1.1, sum(heights) + 0.35))
    grid = fig.add_gridspec(len(heights), 2 * ncols, height_ratios=heights)  # half columns
    axes = [fig.add_subplot(grid[0, :])] if photo_row else []
    for index in range(count):
        row, column = divmod(index, ncols)
        shift = ncols - min(ncols, count - row * ncols)  # half columns left of a short row
        start = shift + 2 * column
        axes.append(fig.add_subplot(grid[int(photo_row) + row, start:start + 2]))
    return fig, axes


def plot_heatmaps(
    image: Any,
    heatmaps: Sequence[np.ndarray | None],
    titles: Sequence[str],
    *,
    alpha: float = 0.45,
    overlay: bool | Sequence[bool] = True,
    ncols: int | None = None,
    panel_height: float | None = None,
    cmap: str | None = None,
    suptitle: str | None = None,
    signed: bool = False,
    label: str = HEATMAP_LABEL,
):
    """Heatmaps over a photo (or one photo per panel): one panel per heatmap.

    Each heatmap (values in [0, 1], any resolution) is upsampled smoothly to its photo and
    drawn over it with opacity ``alpha``; ``overlay=False`` (for all, or per panel) draws it
    alone at its own resolution; ``None`` shows the photo only. ``signed=True`` draws values
    of either sign (red > 0 > blue, symmetric scale). ``cmap`` defaults to
    :data:`~lecture_helpers.colormaps.HEAT` (:data:`~lecture_helpers.colormaps.SIGNED` when
    signed), whose lightness follows the value; ``cmap="jet"`` gives the classic look. A
    colorbar, labelled ``label``, gives the scale.
    """
    if len(heatmaps) != len(titles):
        raise ValueError(f"{len(heatmaps)} heatmaps but {len(titles)} titles: one title each")
    if not heatmaps:
        raise ValueError("plot_heatmaps needs at least one heatmap (or None for the photo)")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1] (the heatmap's opacity), got {alpha}")
    photos = list(image) if isinstance(image, list | tuple) else [image] * len(heatmaps)
    if len(photos) != len(heatmaps):
        raise ValueError(f"{len(photos)} photos for {len(heatmaps)} heatmaps: one each, or one")
    photos = [load_image(photo) for photo in photos]
    overlays = [overlay] * len(heatmaps) if isinstance(overlay, bool) else list(overlay)
    aspect = max(photo.shape[1] / photo.shape[0] for photo in photos)
    if panel_height is None:
        panel_height = _panel_height(photos)
    titles = _titles(titles, aspect, panel_height)
    fig, axes = _grid(len(heatmaps), ncols, aspect, panel_height, titles)
    low, high = 0.0, 1.0
    if cmap is None:
        cmap = SIGNED if signed else HEAT
    if signed:
        high = max(float(np.abs(np.asarray(h)).max()) for h in heatmaps if h is not None) or 1.0
        low = -high
    shown = None
    for ax, photo, heatmap, title, on_photo in zip(
        axes, photos, heatmaps, titles, overlays, strict=True
    ):
        height, width = photo.shape[:2]
        if heatmap is None:
            ax.imshow(photo)
        elif on_photo:
            ax.imshow(photo)
            shown = ax.imshow(upsample_heatmap(heatmap, (height, width)), cmap=cmap,
                              alpha=alpha, vmin=low, vmax=high, interpolation="bilinear")
        else:
            shown = ax.imshow(np.asarray(heatmap), cmap=cmap, vmin=low, vmax=high,
                              extent=(0, width, height, 0), interpolation="nearest")
        ax.set_title(title)
        ax.axis("off")
    if shown is not None:
        bar = fig.colorbar(shown, ax=list(axes), fraction=0.025, pad=0.01, alpha=1.0,
                           panchor=False)  # panels keep their place (centred)
        bar.set_label(label, fontsize=10)
    if suptitle:
        fig.suptitle(suptitle)
    if not signed:
        from ..alt_text import add_description, where_heat

        for number, heatmap in enumerate(heatmaps, 1):
            if heatmap is not None:
                add_description(fig, f"Heat map {number}: {where_heat(heatmap)}.")
    return fig


def plot_colormaps(
    image: Any,
    heatmap: np.ndarray,
    cmaps: Sequence[str] = (HEAT, "jet"),
    *,
    alpha: float = 0.45,
    panel_height: float | None = None,
):
    """One heatmap over its photo in each colour map (left), and as a grey printout shows it
    (right: the overlay's CIE lightness L*).

    Each grey panel's title measures it: the overlay's mean L* where the heat is at least 0.8
    (the hottest cells) and where it is between 0.4 and 0.7 (around them).
    """
    import matplotlib.pyplot as plt

    from ..attribution.maps import overlay as draw_overlay
    from ..colormaps import rgb_lightness

    if not cmaps:
        raise ValueError("plot_colormaps needs at least one colour map name, e.g. ('inferno',)")
    photo = load_image(image)
    heat = upsample_heatmap(np.clip(np.asarray(heatmap, np.float32), 0, 1), photo.shape[:2])
    hottest, around = heat >= 0.8, (heat >= 0.4) & (heat < 0.7)
    if not hottest.any() or not around.any():
        raise ValueError("the heatmap has no cell at 0.8 or more, or none between 0.4 and 0.7: "
                         "normalize it to [0, 1] first (its maximum at 1)")
    height, width = photo.shape[:2]
    panel_height = panel_height or _panel_height([photo])
    fig, axes = plt.subplots(len(cmaps), 2, squeeze=False, layout="constrained",
                             figsize=(2 * panel_height * width / height + 0.3,
                                      (panel_height + 0.45) * len(cmaps)))
    for (colour_ax, grey_ax), cmap in zip(axes, cmaps, strict=True):
        shown = draw_overlay(photo, heatmap, alpha=alpha, cmap=cmap)
        grey = rgb_lightness(shown / 255.0)
        colour_ax.imshow(shown)
        colour_ax.set_title(f"{cmap}")
        lightness_image = grey_ax.imshow(grey, cmap="gray", vmin=0, vmax=100)
        grey_ax.set_title(f"{cmap} in grey: L* {grey[hottest].mean():.0f} hottest, "
                          f"{grey[around].mean():.0f} around")
        for ax in (colour_ax, grey_ax):
            ax.axis("off")
    fig.colorbar(lightness_image, ax=list(axes[:, 1]), shrink=0.8, label="lightness L*")
    return fig


def plot_guided(
    pictures: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    photo: Any = None,
    ncols: int | None = None,
    panel_height: float = 1.8,
    suptitle: str | None = None,
):
    """Guided backpropagation (or guided Grad-CAM) pictures, as RGB: each gradient centred
    on grey, 0.15 per standard deviation (``prepare_image_for_display(norm="std")``), shrunk
    by averaging pixels (picking the nearest would alias its 2-px checkerboard into blocks).
    ``photo`` (the image they explain, e.g. the scene) is shown above them."""
    if len(pictures) != len(titles):
        raise ValueError(f"{len(pictures)} pictures but {len(titles)} titles: one title each")
    from ..figures import mark_picture

    aspect = max(np.shape(p)[1] / np.shape(p)[0] for p in pictures)
    titles = _titles(titles, aspect, panel_height)
    fig, axes = _grid(len(pictures), ncols, aspect, panel_height, titles,
                      photo_row=photo is not None)
    if photo is not None:
        photo_ax, *axes = axes
        photo_ax.imshow(load_image(photo))
        photo_ax.set_title("the photo")
        photo_ax.axis("off")
    for ax, picture, title in zip(axes, pictures, titles, strict=True):
        # averaged, not nearest pixels: a shrunken 2-px checkerboard would alias into blocks
        # (lecture_helpers/grid_artifacts.py)
        ax.imshow(prepare_image_for_display(np.asarray(picture), norm="std"),
                  interpolation="antialiased")
        ax.set_title(title)
        ax.axis("off")
        mark_picture(ax)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_randomization(
    check: Any,
    image: Any,
    stages: Sequence[str] | None = None,
    *,
    panel_height: float = 1.68,
    alpha: float = 0.45,
):
    """The sanity check (:func:`~lecture_helpers.cascading_randomization`), one row per method
    and one column per stage: Grad-CAM over the photo, gradients as grey |values| (brightest
    1 % saturated), each titled with its Spearman ρ to the trained model's map."""
    stages = list(check.stages if stages is None else stages)
    unknown = [stage for stage in stages if stage not in check.stages]
    if unknown:
        raise UnknownNameError(f"unknown stage(s) {unknown}; this check has {list(check.stages)}")
    import matplotlib.pyplot as plt

    photo = load_image(image)
    height, width = photo.shape[:2]
    methods = list(check.maps)
    fig, axes = plt.subplots(
        len(methods), len(stages), squeeze=False, layout="constrained",
        figsize=(panel_height * width / height * len(stages) + 1.4,
                 (panel_height + 0.65) * len(methods) + 0.2),
    )
    for row, method in zip(axes, methods, strict=True):
        shown = None
        for ax, stage in zip(row, stages, strict=True):
            column = list(check.stages).index(stage)
            values = np.asarray(check.maps[method][column], dtype=np.float32)
            upsampled = upsample_heatmap(values, (height, width))
            if method.lower().startswith("grad-cam") or method.lower().endswith("cam"):
                ax.imshow(photo)
                shown = ax.imshow(upsampled, cmap=HEAT, alpha=alpha, vmin=0, vmax=1)
                label = HEATMAP_LABEL
            else:
                scale = float(np.percentile(upsampled, 99)) or 1.0
                shown = ax.imshow(np.clip(upsampled / scale, 0, 1), cmap="gray", vmin=0, vmax=1)
                label = "|gradient| / its 99th pct."
            name = "trained" if stage == "original" else f"random to {stage!r}"
            rho = check.correlations[method][column]
            ax.set_title(f"{method}, {name}\nρ = {rho:.2f}", fontsize=10)
            ax.axis("off")
        bar = fig.colorbar(shown, ax=list(row), fraction=0.025, pad=0.01)
        bar.set_label(label, fontsize=10)
    return fig

