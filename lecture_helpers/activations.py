"""Intermediate activations: one model for many layers, channel grids, layer statistics.

The lecture's "Method One": run an image through the network once, keep the output of
every convolution and pooling layer, and look at each channel as a small picture.

>>> acts = lh.get_activations(lh.load_model("cats_vs_dogs_small"), lh.sample_image("kitten"))
>>> {name: a.shape for name, a in acts.items()}      # ordered like the network
>>> lh.plot_channel_grid(acts["conv2d_0"], layer_name="conv2d_0")

Layout: :mod:`lecture_helpers.layer_outputs` (which layers; the activation model and its one
forward pass), :mod:`lecture_helpers.layer_stats` (layer statistics, how much a layer still
looks like the photo, and model tables) and, here, the channel grids and their plots.  Every
name of the three is importable from here (``lh.activations.X``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .colormaps import SEQUENTIAL
from .layer_outputs import (
    ActivationModel,
    _as_feature_map,
    activation_model,
    feature_map_layers,
    get_activations,
)
from .layer_stats import (
    STATISTICS_IMAGES,
    LayerStatistics,
    format_layer_statistics,
    format_shapes,
    layer_statistics,
    layer_table,
    plot_layer_statistics,
    statistics_from_activations,
)
from .layer_stats import photo_resemblance as photo_resemblance  # lh.photo_resemblance
from .modelview import UnknownNameError

NORMS = ("minmax", "std", "max")

# ---------------------------------------------------------------------------
# Channel grids


def normalize_channels(feature_map: np.ndarray, norm: str = "minmax") -> np.ndarray:
    """Scale every channel of an (H, W, C) map to [0, 1] on its own, for display.

    ``"minmax"``: (a - min) / (max - min); ``"std"``: 0.5 + 0.15 (a - mean) / std, clipped
    (the Deep Learning with Python recipe); ``"max"``: a / max|a|, negatives clipped.
    A constant channel (e.g. a dead ReLU, all zeros) becomes 0 everywhere, never NaN.
    """
    a = _as_feature_map(feature_map).astype(np.float32, copy=False)
    if norm == "minmax":
        lo = a.min(axis=(0, 1))
        spread = a.max(axis=(0, 1)) - lo
        shift, scale = lo, spread
    elif norm == "std":
        shift = a.mean(axis=(0, 1))
        scale = a.std(axis=(0, 1)) / 0.15
        spread = scale
    elif norm == "max":
        shift = np.zeros(a.shape[-1], dtype=np.float32)
        scale = np.abs(a).max(axis=(0, 1))
        spread = a.max(axis=(0, 1)) - a.min(axis=(0, 1))
    else:
        raise UnknownNameError(f"unknown norm {norm!r}; choose one of {', '.join(NORMS)}")
    magnitude = np.maximum(np.abs(a).max(axis=(0, 1)), 1.0)
    live = spread > 1e-6 * magnitude  # constant channels show blank
    safe_scale = np.where(live & (scale > 0), scale, 1.0)
    out = (a - shift) / safe_scale
    if norm == "std":
        out += 0.5
    np.clip(out, 0.0, 1.0, out=out)
    out *= live
    return out


def grid_shape(channels: int, cols: int | None = 16) -> tuple[int, int]:
    """(rows, cols) of the tiling: at most ``cols`` tiles a row.

    ``cols=None`` picks about twice as many columns as rows (a landscape grid).
    """
    if channels < 1:
        raise ValueError(f"need at least one channel, got {channels}")
    if cols is None:
        cols = math.ceil(math.sqrt(2 * channels))
    if int(cols) < 1:
        raise ValueError(f"cols must be at least 1, got {cols}")
    cols = min(int(cols), channels)
    return math.ceil(channels / cols), cols


def channel_grid(
    activation: Any,
    cols: int | None = 16,
    norm: str = "minmax",
    padding: int = 1,
    pad_value: float = 1.0,
    channels: int | slice | Sequence[int] | None = None,
) -> np.ndarray:
    """Tile every channel of one layer's activation into one 2-D image, row by row.

    ``activation`` is (H, W, C) or (1, H, W, C). Each channel is normalized on its own
    (:func:`normalize_channels`, values in [0, 1]; dead channels are 0). ``cols=None``
    chooses a landscape layout (:func:`grid_shape`). ``padding`` pixels
    of ``pad_value`` separate the tiles and fill unused tiles of the last row. ``channels``
    picks a subset (a count from the start, a slice, or indices). No Python loop over
    channels: one reshape and transpose.
    Shape: (rows*(H+padding) - padding, cols*(W+padding) - padding).
    """
    feature_map = _as_feature_map(activation)
    if channels is not None:
        index = np.arange(feature_map.shape[-1])
        chosen = index[:channels] if isinstance(channels, int) else index[channels]
        if np.size(chosen) == 0:
            raise ValueError(f"channels={channels!r} selects no channel")
        feature_map = feature_map[..., np.atleast_1d(chosen)]
    if int(padding) < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    padding = int(padding)
    tiles = normalize_channels(feature_map, norm)  # (H, W, C)
    height, width, count = tiles.shape
    rows, cols = grid_shape(count, cols)
    cell_h, cell_w = height + padding, width + padding
    canvas = np.full((cell_h, cell_w, rows * cols), pad_value, dtype=np.float32)
    canvas[:height, :width, :count] = tiles
    grid = canvas.reshape(cell_h, cell_w, rows, cols).transpose(2, 0, 3, 1)
    grid = grid.reshape(rows * cell_h, cols * cell_w)
    return grid[: rows * cell_h - padding, : cols * cell_w - padding]


def channel_image(activation: Any, channel: int, norm: str = "minmax") -> np.ndarray:
    """One channel of an (H, W, C) or (1, H, W, C) activation, normalized to [0, 1]."""
    feature_map = _as_feature_map(activation)
    count = feature_map.shape[-1]
    if not -count <= int(channel) < count:
        raise IndexError(f"channel {channel} is out of range: this layer has {count} channels")
    return normalize_channels(feature_map[..., [int(channel)]], norm)[..., 0]


def describe_layer(name: str, activation: Any) -> str:
    """Title text: ``conv2d_0: 148x148, 32 channels``."""
    feature_map = _as_feature_map(activation)
    height, width, count = feature_map.shape
    return f"{name}: {height}x{width}, {count} channel{'s' if count != 1 else ''}"


# ---------------------------------------------------------------------------
# Plots


def _grid_cmap(cmap: str):
    import matplotlib

    return matplotlib.colormaps[cmap].with_extremes(under="white")


SCALE_LABEL = "activation, each channel\nscaled to its own range"


def _colorbar(fig: Any, image: Any, axes: Any, label: str = SCALE_LABEL) -> None:
    bar = fig.colorbar(image, ax=axes, fraction=0.03, pad=0.01, ticks=[0, 0.5, 1])
    bar.ax.set_yticklabels(["min", "", "max"])
    bar.set_label(label, fontsize=10)


def plot_channel_grid(
    activation: Any,
    layer_name: str = "activation",
    cols: int | None = 16,
    norm: str = "minmax",
    padding: int | None = None,
    channels: int | slice | Sequence[int] | None = None,
    cmap: str = SEQUENTIAL,
    width: float = 11.0,
    ax: Any = None,
):
    """One figure: every channel of one layer as tiles, titled with name, shape and count.

    Tile borders are white (``padding=None``: about 3 % of the tile size, so they survive
    scaling); dead channels are the colormap's lowest colour. A colorbar gives the scale
    (each channel stretched to its own min–max). Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    from .figures import mark_grid

    feature_map = _as_feature_map(activation)
    if padding is None:
        padding = max(1, round(0.03 * max(feature_map.shape[:2])))
    grid = channel_grid(activation, cols, norm, padding, pad_value=-1.0, channels=channels)
    tile = feature_map.shape[0] + padding
    rows = round(grid.shape[0] / tile)
    columns = round(grid.shape[1] / (feature_map.shape[1] + padding))
    if ax is None:
        height = max(1.6, 0.9 * width * grid.shape[0] / grid.shape[1])
        fig, ax = plt.subplots(figsize=(width, height + 0.5), layout="constrained")
    else:
        fig = ax.figure
    image = ax.imshow(grid, cmap=_grid_cmap(cmap), vmin=0.0, vmax=1.0, interpolation="antialiased")
    mark_grid(ax, rows, columns)
    title = describe_layer(layer_name, activation)
    if channels is not None:
        index = np.arange(feature_map.shape[-1])
        shown = np.atleast_1d(index[:channels] if isinstance(channels, int) else index[channels])
        if shown.size < index.size:
            first = isinstance(channels, int) or np.array_equal(shown, index[: shown.size])
            title += f" ({'first ' if first else ''}{shown.size} shown)"
    ax.set_title(title)
    ax.set_axis_off()
    _colorbar(fig, image, ax)
    return fig


def strongest_channels(activation: Any, count: int) -> np.ndarray:
    """The ``count`` channels with the largest mean activation, strongest first.

    Channels that are constant over the map (all zero, or saturated everywhere) show no
    picture, so they come last."""
    values = _as_feature_map(activation).reshape(-1, np.shape(activation)[-1])
    means, varies = values.mean(axis=0), values.max(axis=0) > values.min(axis=0)
    return np.lexsort((-means, ~varies))[:count]


def plot_layers(
    activations: Mapping[str, np.ndarray],
    layer: str | Sequence[str] | None = None,
    *,
    channels: int = 8,
    image_index: int = 0,
    cmap: str = SEQUENTIAL,
    width: float = 11.0,
    title: str = "",
):
    """Layer by layer in one figure: one row per layer, its ``channels`` strongest channels.

    Each tile is one channel (stretched to its own min–max, as in :func:`channel_grid`), labelled
    with its index; the strongest channels (largest mean activation on this image) are the
    ones worth a look. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    from .figures import mark_grid

    names = [layer] if isinstance(layer, str) else list(activations if layer is None else layer)
    unknown = [name for name in names if name not in activations]
    if unknown:
        raise UnknownNameError(
            f"no activations for layer(s) {unknown}; these were computed: {list(activations)}"
        )
    if not isinstance(channels, int) or channels < 1:
        raise ValueError(f"channels must be a positive number of channels, got {channels!r}")
    tile_in = (width - 1.2) / channels
    fig, axes = plt.subplots(
        len(names), 1, figsize=(width, len(names) * (tile_in + 0.55) + (0.4 if title else 0.1)),
        squeeze=False, layout="constrained",
    )
    image = None
    for ax, name in zip(axes[:, 0], names, strict=True):
        array = np.asarray(activations[name])
        activation = array[image_index] if array.ndim == 4 else array
        feature_map = _as_feature_map(activation)
        chosen = strongest_channels(feature_map, channels)
        padding = max(1, round(0.04 * max(feature_map.shape[:2])))
        grid = channel_grid(feature_map, len(chosen), "minmax", padding, pad_value=-1.0,
                            channels=chosen)
        image = ax.imshow(grid, cmap=_grid_cmap(cmap), vmin=0.0, vmax=1.0,
                          interpolation="antialiased")
        mark_grid(ax, 1, len(chosen))
        step = grid.shape[1] / len(chosen)
        ax.set_xticks((np.arange(len(chosen)) + 0.5) * step - padding / 2)
        ax.set_xticklabels([f"#{k}" for k in chosen])
        ax.set_yticks([])
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        silent = int((feature_map.reshape(-1, feature_map.shape[-1]).max(axis=0) <= 0).sum())
        ax.set_title(f"{describe_layer(name, activation)} ({silent} all zero here): "
                     f"the {len(chosen)} strongest", loc="left")
    _colorbar(fig, image, axes[:, 0])
    if title:
        fig.suptitle(title)
    return fig


def plot_activations(
    activations: Mapping[str, np.ndarray],
    image_index: int = 0,
    cols: int | None = 16,
    norm: str = "minmax",
    **options: Any,
) -> list:
    """One channel-grid figure per layer (of image ``image_index`` of the batch)."""
    figures = []
    for name, batch in activations.items():
        array = np.asarray(batch)
        activation = array[image_index] if array.ndim == 4 else array
        figures.append(plot_channel_grid(activation, name, cols=cols, norm=norm, **options))
    return figures


__all__ = [
    "ActivationModel",
    "LayerStatistics",
    "STATISTICS_IMAGES",
    "activation_model",
    "channel_grid",
    "channel_image",
    "describe_layer",
    "feature_map_layers",
    "format_layer_statistics",
    "format_shapes",
    "get_activations",
    "grid_shape",
    "layer_statistics",
    "layer_table",
    "normalize_channels",
    "plot_activations",
    "plot_channel_grid",
    "plot_layer_statistics",
    "statistics_from_activations",
]
