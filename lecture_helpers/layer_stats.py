"""Layer statistics and model tables: the lecture's claims about layers, measured (part of
:mod:`lecture_helpers.activations`, whose names these are: ``lh.layer_statistics``,
``lh.layer_table``, ``lh.activations.X``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from ._quiet import tf
from .images import sample_image
from .layer_outputs import _as_feature_map, get_activations
from .modelview import view
from .zoo import ZooModel, get_keras_model

# The sample photos layer_statistics uses by default (all but the side-by-side "cat_dog").
STATISTICS_IMAGES = ("cat", "coffee", "rocket", "astronaut", "kitten", "dog")


# ---------------------------------------------------------------------------
# How much each layer still looks like the photo


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
