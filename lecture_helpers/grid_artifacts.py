"""Grid artefacts in pixel attributions, and what a shrunken display makes of them.

* :func:`grid_artifact_score`: blocks with seams on a grid of square cells (one cell of
  EfficientNet's final 7x14 feature map is 32 px of the 224x448 input).
* :func:`checkerboard_score`: a pattern that flips from one pixel to the next (period
  2 px). A stride-2 first convolution leaves it in an input gradient: even and odd rows and
  columns get their gradient from different taps of the kernel.
* :func:`display_nearest` / :func:`display_averaged`: what a ``w``-px-wide panel shows of a
  larger image when ``imshow`` picks the nearest pixel (the notebooks' setting) or
  averages. Shrinking a 2-px checkerboard by picking pixels is aliasing: each region shows
  one phase of the checkerboard, so flat blocks with straight seams appear that are not in
  the map.
* :func:`plot_checkerboard_aliasing` puts the two displays, a close-up and the phase means
  side by side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .colormaps import SIGNED

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "checkerboard_score",
    "display_averaged",
    "display_nearest",
    "grid_artifact_score",
    "phase_means",
    "plot_checkerboard_aliasing",
]


def _channels(map2d: Any, what: str = "map2d") -> np.ndarray:
    """(H, W) or (H, W, C) as a float64 (H, W, C) array, checked."""
    array = np.asarray(map2d, dtype=np.float64)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3:
        raise ValueError(f"{what} must be (H, W) or (H, W, C), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} contains NaN or infinite values")
    return array


def _ratio(numerator: float, denominator: float) -> float:
    if denominator > 0:
        return float(numerator / denominator)
    return 1.0 if numerator <= 0 else float("inf")


def _cell_means(array: np.ndarray, period: int, offset: int) -> np.ndarray:
    rows = (array.shape[0] - offset) // period
    cols = (array.shape[1] - offset) // period
    cells = array[offset : offset + rows * period, offset : offset + cols * period]
    return cells.reshape(rows, period, cols, period, -1).mean(axis=(1, 3))


def grid_artifact_score(map2d: np.ndarray, period: int = 32) -> float:
    """How blocky a map is on a grid of ``period`` x ``period`` px cells.

    The variance of the cell means with the grid's lines at multiples of ``period``,
    divided by the variance with the grid shifted by half a cell (or the inverse, whichever
    is larger: seams half a cell away count too). Channels' variances add up. About 1
    (never below) when nothing in the map follows the grid; blocks each with its own level
    give 3-4. A 2-px checkerboard averages out in every cell and does not count. The map
    must span at least 3 cells each way.
    """
    array = _channels(map2d)
    if not isinstance(period, int | np.integer) or period < 2:
        raise ValueError(f"period must be an integer >= 2 (pixels), got {period!r}")
    if min(array.shape[:2]) < 3 * period:
        raise ValueError(
            f"a {array.shape[0]}x{array.shape[1]} map spans fewer than 3 cells of {period} px "
            "each way: use a smaller period or a larger map"
        )
    aligned = _cell_means(array, period, 0).var(axis=(0, 1)).sum()
    shifted = _cell_means(array, period, period // 2).var(axis=(0, 1)).sum()
    if aligned == shifted:
        return 1.0
    return _ratio(max(aligned, shifted), min(aligned, shifted))


def checkerboard_score(map2d: np.ndarray) -> float:
    """How strongly a map flips from one pixel to the next (a 2-px checkerboard).

    Along each row and each column: the power at the highest frequency (period 2 px) over
    the median power 2 to 5 frequency steps below it, averaged over the lines and channels;
    the mean of the two directions. About 1 without such a pattern. At least 16 x 16 px.
    """
    array = _channels(map2d)
    if min(array.shape[:2]) < 16:
        raise ValueError(f"the map must be at least 16 x 16 px, got {array.shape[:2]}")
    ratios = []
    for axis in (0, 1):
        lines = np.moveaxis(array, axis, 0)
        n = lines.shape[0] // 2 * 2
        lines = lines[:n] - lines[:n].mean(axis=0)
        power = (np.abs(np.fft.rfft(lines, axis=0)) ** 2).reshape(n // 2 + 1, -1).mean(axis=1)
        top = n // 2
        ratios.append(_ratio(power[top], float(np.median(power[top - 5 : top - 1]))))
    return float(np.mean(ratios))


def phase_means(attribution: np.ndarray) -> np.ndarray:
    """Mean of each channel over the pixels of each phase (row, column mod 2), in units of
    the map's mean absolute value: (2, 2, C), ``[0, 1]`` = even rows, odd columns."""
    array = _channels(attribution, "attribution")
    scale = np.abs(array).mean()
    means = np.array([[array[r::2, c::2].mean(axis=(0, 1)) for c in (0, 1)] for r in (0, 1)])
    return means / scale if scale > 0 else means


def _display_size(shape: tuple[int, ...], width: int) -> tuple[int, int]:
    height, full_width = shape[:2]
    if not 1 <= width <= full_width:
        raise ValueError(f"width must be between 1 and the image's width {full_width}, got {width}")
    return max(1, round(height * width / full_width)), int(width)


def display_nearest(image: np.ndarray, width: int) -> np.ndarray:
    """What ``imshow(..., interpolation="nearest")`` shows of ``image`` in a panel ``width``
    screen pixels wide: the pixel nearest to each screen pixel's centre."""
    image = np.asarray(image)
    out_h, out_w = _display_size(image.shape, width)
    rows = np.floor((np.arange(out_h) + 0.5) * image.shape[0] / out_h).astype(int)
    cols = np.floor((np.arange(out_w) + 0.5) * image.shape[1] / out_w).astype(int)
    return image[rows][:, cols]


def display_averaged(image: np.ndarray, width: int) -> np.ndarray:
    """``image`` shrunk to ``width`` px by averaging the pixels each screen pixel covers
    (what an antialiased display does); same dtype as ``image``."""
    from PIL import Image

    image = np.asarray(image)
    out_h, out_w = _display_size(image.shape, width)
    planes = image[..., None] if image.ndim == 2 else image
    shrunk = np.stack(
        [
            np.asarray(
                Image.fromarray(planes[..., c].astype(np.float32)).resize(
                    (out_w, out_h), Image.Resampling.BOX
                )
            )
            for c in range(planes.shape[-1])
        ],
        axis=-1,
    )
    if np.issubdtype(image.dtype, np.integer):
        shrunk = np.clip(np.round(shrunk), 0, 255)
    shrunk = shrunk.astype(image.dtype)
    return shrunk[..., 0] if image.ndim == 2 else shrunk


def _clearest_window(values: np.ndarray, size: int, phase: tuple[int, int]) -> tuple[int, int]:
    """Top-left corner (on a ``size`` grid, so even) of the size x size window where the
    pixels of ``phase`` differ most from the others, relative to the window's spread."""
    best, corner = -1.0, (0, 0)
    r, c = phase
    for top in range(0, values.shape[0] - size + 1, size):
        for left in range(0, values.shape[1] - size + 1, size):
            window = values[top : top + size, left : left + size]
            mask = np.zeros(window.shape, bool)
            mask[r::2, c::2] = True
            spread = float(window.std())
            contrast = abs(window[mask].mean() - window[~mask].mean()) / spread if spread else 0.0
            if contrast > best:
                best, corner = contrast, (top, left)
    return corner


def plot_checkerboard_aliasing(
    attribution: np.ndarray,
    reference: np.ndarray | None = None,
    *,
    shown_width: int = 222,
    label: str = "guided backprop",
    reference_label: str = "vanilla gradient",
    crop: int = 16,
) -> Figure:
    """Why a pixel attribution with a 2-px colour checkerboard shows blocks when shrunk.

    Four panels: the map (an (H, W, 3) attribution, shown as
    ``lh.prepare_image_for_display(a, norm="std")``) in a panel ``shown_width`` px wide with
    the nearest pixel picked (222 px: notebook 4's guided-backprop panels) and with the
    pixels averaged; a ``crop`` x ``crop`` close-up at full size of its most
    phase-dependent channel, where the checkerboard is clearest; the mean colour at each
    pixel phase, with ``reference`` (e.g. the vanilla gradient) for comparison.
    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    from .images import prepare_image_for_display

    attribution = _channels(attribution, "attribution")
    if attribution.shape[-1] != 3:
        raise ValueError(f"attribution must be (H, W, 3), got shape {attribution.shape}")
    shown = prepare_image_for_display(attribution, norm="std")
    means = phase_means(attribution)

    fig = plt.figure(figsize=(10.8, 6.0), constrained_layout=True)
    grid = fig.add_gridspec(2, 2, width_ratios=[1.45, 1.0])
    ax_near, ax_avg = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0])
    ax_crop, ax_bars = fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1])
    for ax, picture, how in [
        (ax_near, display_nearest(shown, shown_width), "nearest pixel"),
        (ax_avg, display_averaged(shown, shown_width), "pixels averaged"),
    ]:
        ax.imshow(picture, interpolation="nearest")
        ax.set_title(f"{label} in {shown_width} px: {how}", fontsize=11)
        ax.axis("off")

    channel = int(np.argmax(np.ptp(means.reshape(4, -1), axis=0)))
    phase = np.unravel_index(int(np.argmax(np.abs(means[..., channel]))), (2, 2))
    top, left = _clearest_window(attribution[..., channel], crop, (int(phase[0]), int(phase[1])))
    patch = attribution[top : top + crop, left : left + crop, channel] / attribution.std()
    limit = float(np.percentile(np.abs(patch), 95)) or 1.0
    image = ax_crop.imshow(patch, cmap=SIGNED, vmin=-limit, vmax=limit, interpolation="nearest")
    ax_crop.set_title(f"{'RGB'[channel]} channel, {crop}x{crop} px at full size\n"
                      "(where the checkerboard is clearest)", fontsize=11)
    ax_crop.set_xticks([])
    ax_crop.set_yticks([])
    colorbar = fig.colorbar(image, ax=ax_crop, fraction=0.05, extend="both")
    colorbar.set_label("value / std of the map", fontsize=10)

    names = ["even, even", "even, odd", "odd, even", "odd, odd"]
    x = np.arange(4)
    for c, colour in enumerate(("tab:red", "tab:green", "tab:blue")):
        ax_bars.bar(x + (c - 1) * 0.26, means[..., c].ravel(), width=0.26, color=colour,
                    label=f"{label}: {'RGB'[c]}")
    if reference is not None:
        ref = phase_means(reference)
        for c in range(3):
            ax_bars.plot(x + (c - 1) * 0.26, ref[..., c].ravel(), "kx", markersize=8,
                         label=reference_label if c == 0 else None)
    ax_bars.axhline(0, color="0.3", linewidth=0.8)
    ax_bars.set_xticks(x, names, fontsize=10)
    ax_bars.set_xlabel("pixel phase (row, column)", fontsize=10)
    ax_bars.set_ylabel("mean / mean |value|", fontsize=10)
    ax_bars.set_title("mean colour at each pixel phase", fontsize=11)
    ax_bars.legend(fontsize=10, loc="best")
    return fig
