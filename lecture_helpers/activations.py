"""Intermediate activations: one model for many layers, channel grids, layer statistics.

The lecture's "Method One": run an image through the network once, keep the output of
every convolution and pooling layer, and look at each channel as a small picture.

>>> acts = lh.get_activations(lh.load_model("cats_vs_dogs_small"), lh.sample_image("kitten"))
>>> {name: a.shape for name, a in acts.items()}      # ordered like the network
>>> lh.plot_channel_grid(acts["conv2d_0"], layer_name="conv2d_0")
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from ._quiet import tf
from .colormaps import SEQUENTIAL
from .images import sample_image
from .modelview import UnknownNameError, view
from .zoo import ZooModel, get_keras_model

# The sample photos layer_statistics uses by default (all but the side-by-side "cat_dog").
STATISTICS_IMAGES = ("cat", "coffee", "rocket", "astronaut", "kitten", "dog")

NORMS = ("minmax", "std", "max")

# ---------------------------------------------------------------------------
# Which layers


def feature_map_layers(model: ZooModel | keras.Model) -> list[str]:
    """Names of the layers whose outputs are feature maps (N, H, W, C), in network order.

    These are the convolution and pooling layers. When a model applies its non-linearity
    in separate layers (Conv → BatchNorm → ReLU, as EfficientNet does), a convolution
    without an activation of its own only produces a pre-activation; then the activation
    layers are listed instead of those convolutions. For the lecture's convnet this is
    exactly the slide's list: conv2d_0, max_pooling2d_0, ..., max_pooling2d_3.  Layers
    inside a nested model are named ``base/layer``.
    """
    return view(model).feature_map_layers()


def _resolve_layers(
    model: ZooModel | keras.Model, layers: str | Sequence[str] | None
) -> tuple[str, ...]:
    if layers is None:
        return tuple(feature_map_layers(model))
    if isinstance(layers, str):
        layers = [layers]
    names = list(layers)
    if not names:
        raise ValueError("layers is empty; pass layer names, or None for every feature map layer")
    model_view = view(model)
    model_view.last_conv_layer()  # a model without convolutions: says what is supported
    paths = tuple(  # unknown: lists the valid names; no spatial dimensions: says so
        model_view.feature_layer(name, "it has no channels to show as pictures")
        for name in names
    )
    if len(set(paths)) != len(paths):
        raise ValueError(f"layers contains duplicates: {names}")
    return paths


# ---------------------------------------------------------------------------
# The activation model


class ActivationModel:
    """One Keras model from the network's input to the outputs of many layers.

    Built once per (model, layers) by :func:`activation_model`. Calling it runs ONE
    forward pass (a compiled ``tf.function``, not ``.predict``) and returns an ordered
    ``{layer name: numpy array}``.
    """

    def __init__(self, model: ZooModel | keras.Model, layer_names: Sequence[str]) -> None:
        model_view = view(model)
        self.layer_names: tuple[str, ...] = tuple(layer_names)
        self.model = model_view.probe_model(
            [model_view.layer_output(name) for name in self.layer_names], "activations"
        )
        self.input_shape = tuple(model_view.input.shape)
        self.input_size = model_view.fixed_size or model_view.default_size
        self.source_name = model_view.name
        self._view = model_view
        self._forward = model_view.probe(self.layer_names)

    def __repr__(self) -> str:
        return (
            f"ActivationModel({self.source_name!r}, {len(self.layer_names)} layers: "
            f"{', '.join(self.layer_names[:4])}{', ...' if len(self.layer_names) > 4 else ''})"
        )

    def prepare(self, images: Any) -> np.ndarray:
        """Images in any accepted form → the float32 (N, H, W, C) batch the model takes."""
        return self._view.batch(images)

    def __call__(self, images: Any) -> dict[str, np.ndarray]:
        """One forward pass → ``{layer name: (N, H, W, C) array}`` in network order.

        The arrays are read-only views of TensorFlow's outputs (no copy); use
        ``array.copy()`` to modify one.
        """
        outputs = self._forward(tf.convert_to_tensor(self.prepare(images)))
        # np.asarray shares the tensor's memory (read-only); .numpy() would copy every
        # output, which costs as much as half a forward pass for EfficientNet.
        return {name: np.asarray(out) for name, out in zip(self.layer_names, outputs, strict=True)}


def activation_model(
    model: ZooModel | keras.Model, layer: str | Sequence[str] | None = None
) -> ActivationModel:
    """The (cached) model that returns the outputs of ``layer`` in one forward pass.

    ``layer``: a layer name or a list of them; None means every feature-map layer
    (:func:`feature_map_layers`: the convolution and pooling layers, in order). An unknown
    layer name raises an error that lists the valid names. Built once per model and layer
    list.
    """
    if isinstance(model, ActivationModel):
        raise TypeError("this is already an activation model; pass the network it was built from")
    names = _resolve_layers(model, layer)
    return view(model).cached(("activation_model", names), lambda: ActivationModel(model, names))


def get_activations(
    model: ZooModel | keras.Model | ActivationModel,
    image: Any,
    layer: str | Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Outputs of ``layer`` (a name or a list) for ``image`` (one image or a batch), from
    one forward pass: ``{name: (N, H, W, C)}``.

    ``model`` is a ZooModel, a keras.Model, or an :class:`ActivationModel`. ``image``
    is one image or a list/batch in any form the model's view takes (paths, PIL images,
    uint8 arrays resized to the model's input size, or float arrays of pixel values in
    [0, 255]).  The dict keeps the order of ``layer`` (default: network order).
    """
    if isinstance(model, ActivationModel):
        result = model(image)
        if layer is None:
            return result
        wanted = [layer] if isinstance(layer, str) else list(layer)
        missing = [name for name in wanted if name not in result]
        if missing:
            raise UnknownNameError(
                f"this activation model has no layer(s) {missing}. Valid layer names: "
                f"{', '.join(model.layer_names)}. Build one with "
                "lh.activation_model(model, layer=[...])."
            )
        return {name: result[name] for name in wanted}
    return activation_model(model, layer)(image)


# ---------------------------------------------------------------------------
# Channel grids


def _as_feature_map(activation: Any) -> np.ndarray:
    array = np.asarray(activation)
    if array.ndim == 4:
        if array.shape[0] != 1:
            raise ValueError(
                f"activation has shape {array.shape}: a batch of {array.shape[0]} images. "
                "Pass one image's activation, e.g. activation[0]."
            )
        array = array[0]
    if array.ndim != 3:
        raise ValueError(
            f"activation has shape {array.shape}; expected one layer's feature map (H, W, C) "
            "or (1, H, W, C). Dense layers have no spatial channels to tile."
        )
    if array.size == 0:
        raise ValueError(f"activation has shape {array.shape}, which is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError("activation contains NaN or infinite values")
    return array.astype(np.float32, copy=False)


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


def photo_resemblance(
    model: ZooModel | keras.Model,
    image: Any,
    layer: str | Sequence[str] | None = None,
) -> dict[str, float]:
    """How much each layer's channels still look like the photo: ``{layer: resemblance}``.

    For every channel that is not constant, the absolute Pearson correlation between the
    channel and the photo's brightness (averaged down to the channel's resolution); the
    layer's value is the median over its channels. About 0.5 or more: the channels are
    pictures of the photo (edges, brightness); near 0.1: abstract triggers.
    """
    batch = view(model).batch(image)[:1]
    brightness = batch[0].mean(axis=-1, keepdims=True)
    resemblance = {}
    for name, activation in get_activations(model, batch, layer).items():
        feature_map = _as_feature_map(activation[0])
        height, width, channels = feature_map.shape
        photo = tf.image.resize(brightness, (height, width), method="area").numpy().ravel()
        values = feature_map.reshape(-1, channels).astype(np.float64)
        spread = values.std(axis=0)
        live = values[:, spread > 0]
        if live.shape[1] == 0 or photo.std() == 0:
            resemblance[name] = 0.0
            continue
        live = (live - live.mean(axis=0)) / live.std(axis=0)
        photo = (photo - photo.mean()) / photo.std()
        resemblance[name] = float(np.median(np.abs(photo @ live) / photo.size))
    return resemblance


# ---------------------------------------------------------------------------
# Layer statistics: the lecture's claims, measured


@dataclass(frozen=True)
class LayerStatistics:
    """What one layer's activations look like over a set of images."""

    layer: str
    kind: str
    height: int
    width: int
    channels: int
    zero_fraction: float  # share of activations that are exactly 0
    dead_fraction: float  # share of channels that are 0 for every image and position
    live_zero_fraction: float  # share of zeros among the channels that are not dead
    mean: float  # mean activation

    @property
    def size(self) -> int:
        """Number of values per image (H * W * C)."""
        return self.height * self.width * self.channels


def statistics_from_activations(
    activations: Mapping[str, np.ndarray], kinds: Mapping[str, str] | None = None
) -> list[LayerStatistics]:
    """:class:`LayerStatistics` for each layer of ``{name: (N, H, W, C)}`` activations."""
    rows = []
    for name, batch in activations.items():
        array = np.asarray(batch)
        if array.ndim != 4:
            raise ValueError(
                f"layer {name!r} has activations of shape {array.shape}; statistics need "
                "(N, H, W, C) feature maps"
            )
        is_zero = array == 0
        dead = is_zero.all(axis=(0, 1, 2))
        live_zeros = is_zero[..., ~dead]
        rows.append(
            LayerStatistics(
                layer=name,
                kind=(kinds or {}).get(name, ""),
                height=array.shape[1],
                width=array.shape[2],
                channels=array.shape[3],
                zero_fraction=float(is_zero.mean()),
                dead_fraction=float(dead.mean()),
                live_zero_fraction=float(live_zeros.mean()) if live_zeros.size else 1.0,
                mean=float(array.mean(dtype=np.float64)),
            )
        )
    return rows


def layer_statistics(
    model: ZooModel | keras.Model,
    image: Any = None,
    layer: str | Sequence[str] | None = None,
) -> list[LayerStatistics]:
    """Size, channel count and sparsity of each layer over ``image`` (a batch or list of
    images; one forward pass).

    ``image`` defaults to the sample photos :data:`STATISTICS_IMAGES` (cat, coffee,
    rocket, astronaut, kitten, dog), each preprocessed for the model (a dict of images
    works too). ``layer`` defaults to every feature-map layer.
    """
    if image is None:
        image = [sample_image(name) for name in STATISTICS_IMAGES]
    elif isinstance(image, Mapping):
        image = list(image.values())
    activations = get_activations(model, image, layer)
    model_view = view(model)
    kinds = {name: type(model_view.layer(name)).__name__ for name in activations}
    return statistics_from_activations(activations, kinds)


def format_layer_statistics(stats: Sequence[LayerStatistics]) -> str:
    """A plain-text table of :func:`layer_statistics` (percentages rounded to 0.1).

    "zeros in live %" counts zeros only in the channels that are not dead.
    """
    header = (
        "layer", "type", "H x W", "channels", "values", "zeros %", "dead channels",
        "zeros in live %",
    )
    rows = [
        (
            s.layer,
            s.kind,
            f"{s.height}x{s.width}",
            str(s.channels),
            f"{s.size:,}",
            f"{100 * s.zero_fraction:.1f}",
            f"{round(s.dead_fraction * s.channels)}/{s.channels}",
            f"{100 * s.live_zero_fraction:.1f}",
        )
        for s in stats
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def plot_layer_statistics(stats: Sequence[LayerStatistics], title: str = "", width: float = 11.5):
    """Three panels against depth: spatial size, channel count, and % zeros / dead channels."""
    import matplotlib.pyplot as plt

    names = [s.layer for s in stats]
    x = np.arange(len(stats))
    fig, axes = plt.subplots(1, 3, figsize=(width, 4.6), sharex=True)
    axes[0].plot(x, [s.height * s.width for s in stats], "o-", color="tab:blue")
    axes[0].set_yscale("log")
    axes[0].set_title("spatial size (H x W, log scale)")
    axes[1].bar(x, [s.channels for s in stats], color="tab:orange")
    axes[1].set_title("channels")
    axes[2].plot(x, [100 * s.zero_fraction for s in stats], "o-", label="zero activations")
    axes[2].plot(x, [100 * s.dead_fraction for s in stats], "s--", label="dead channels")
    axes[2].set_ylim(-3, 125)
    axes[2].set_yticks(range(0, 101, 20))
    axes[2].set_title("sparsity (%)")
    axes[2].legend(loc="upper left", ncol=2, fontsize=10, frameon=False)
    step = math.ceil(len(names) / 8)
    for ax in axes:
        ax.set_xticks(x[::step])
        ax.set_xticklabels(names[::step], rotation=60, ha="right", fontsize=10)
        ax.set_xlabel("layer (input → output)")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Model tables


def layer_table(model: ZooModel | keras.Model) -> str:
    """Layer name, type, output shape and parameter count as plain text (like the slide).

    Deterministic text (no box drawing, no terminal width), with the totals at the end.
    """
    keras_model = get_keras_model(model)
    model_view = view(model)
    rows = [("Layer (type)", "Output Shape", "Param #")]
    for layer in keras_model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):  # a nested model: the output of its last layer
            inner = [p for p in model_view.layer_paths if p.startswith(f"{layer.name}/")]
            shape = str(tuple(model_view.layer_output(inner[-1]).shape)) if inner else "?"
        else:
            shape = str(tuple(model_view.layer_output(layer.name).shape))
        rows.append((f"{layer.name} ({type(layer).__name__})", shape, f"{layer.count_params():,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [
        f"{a.ljust(widths[0])}  {b.ljust(widths[1])}  {c.rjust(widths[2])}".rstrip()
        for a, b, c in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    trainable = sum(int(np.prod(w.shape)) for w in keras_model.trainable_weights)
    total = keras_model.count_params()
    lines += [
        "-" * len(lines[0]),
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
    ]
    return "\n".join(lines)


def format_shapes(activations: Mapping[str, np.ndarray]) -> str:
    """One line per layer, ``(1, 148, 148, 32)  conv2d_0``, as the slide prints them."""
    shapes = {name: str(tuple(np.shape(a))) for name, a in activations.items()}
    width = max(len(s) for s in shapes.values())
    return "\n".join(f"{shape.ljust(width)}  {name}" for name, shape in shapes.items())


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
