"""What the filters look like: kernels as pictures, and how similar the filters of a layer are.

The lecture asks "What does each filter look like? Is it similar to other filters?".  For
the first layer a filter is a small RGB patch (3x3x3 for EfficientNet's ``stem_conv``), so
we can simply draw it.  Any layer's filters are vectors (kernel height x width x input
channels), so their cosine similarity answers the second question.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from .colormaps import SIGNED
from .modelview import view
from .zoo import ZooModel


def _following_batchnorm(
    model: ZooModel | keras.Model, path: str
) -> keras.layers.BatchNormalization | None:
    model_view = view(model)
    for candidate in model_view.consumers(path):
        layer = model_view.layer(candidate)
        if isinstance(layer, keras.layers.BatchNormalization):
            return layer
    return None


def layer_kernels(
    model: ZooModel | keras.Model, layer: str, fold_batchnorm: bool = True
) -> np.ndarray:
    """The filters of a convolution as an array (kh, kw, in_channels, filters).

    A depthwise convolution has one kh x kw filter per channel: (kh, kw, 1, channels).
    ``fold_batchnorm``: when a BatchNormalization layer follows, multiply each filter by
    its scale ``gamma / sqrt(var + eps)`` (possibly negative), so the kernel shows what
    the convolution + normalization responds to.
    """
    model_view = view(model)
    path = model_view.layer_path(layer)
    conv = model_view.layer(path)
    if isinstance(conv, keras.layers.DepthwiseConv2D):
        kernel = np.asarray(conv.kernel.numpy())  # (kh, kw, ch, multiplier)
        kh, kw, ch, mult = kernel.shape
        kernel = kernel.reshape(kh, kw, 1, ch * mult)
    elif isinstance(conv, keras.layers.Conv2D):
        kernel = np.asarray(conv.kernel.numpy())
    else:
        convs = model_view.conv_layers()
        raise ValueError(
            f"layer {layer!r} ({type(conv).__name__}) is not a convolution, so it has no "
            f"kernels. Convolutional layers of this model: {', '.join(convs[:8])}"
            + (", ..." if len(convs) > 8 else "")
        )
    if fold_batchnorm:
        bn = _following_batchnorm(model, path)
        if bn is not None:
            scale = np.ones(kernel.shape[-1], np.float32)
            if bn.scale:
                scale = scale * bn.gamma.numpy()
            scale = scale / np.sqrt(bn.moving_variance.numpy() + bn.epsilon)
            kernel = kernel * scale
    return kernel.astype(np.float32)


def kernel_patches(kernels: np.ndarray, norm: str = "kernel") -> np.ndarray:
    """RGB kernels (kh, kw, 3, filters) → images (filters, kh, kw, 3) in [0, 1].

    ``norm="kernel"`` stretches each filter to its own range (shows its pattern);
    ``norm="layer"`` uses one symmetric range for all, with 0 as mid-grey (shows which
    filters are strong).
    """
    kernels = np.asarray(kernels, np.float32)
    if kernels.ndim != 4 or kernels.shape[2] != 3:
        raise ValueError(
            f"kernels of shape {kernels.shape} do not take RGB input (expected (kh, kw, 3, "
            "filters)); only a first layer's filters are RGB pictures. For other layers use "
            "lh.kernel_similarity or lh.visualize_filters"
        )
    patches = np.moveaxis(kernels, -1, 0)  # (filters, kh, kw, 3)
    if norm == "kernel":
        low = patches.min(axis=(1, 2, 3), keepdims=True)
        high = patches.max(axis=(1, 2, 3), keepdims=True)
        return (patches - low) / np.maximum(high - low, 1e-12)
    if norm == "layer":
        bound = max(float(np.abs(patches).max()), 1e-12)
        return 0.5 + 0.5 * patches / bound
    raise ValueError(f"norm must be 'kernel' or 'layer', got {norm!r}")


def plot_kernels(
    model: ZooModel | keras.Model,
    layer: str = "stem_conv",
    ncols: int = 8,
    norm: str = "kernel",
    fold_batchnorm: bool = True,
    size: float = 1.35,
):
    """Draw a first layer's filters as small RGB patches, titled by index; returns the figure."""
    import matplotlib.pyplot as plt

    from .figures import mark_tile

    patches = kernel_patches(layer_kernels(model, layer, fold_batchnorm), norm)
    n = len(patches)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.5))
    for index, ax in enumerate(np.ravel(axes)):
        if index >= n:  # a short last row: no empty panels
            ax.remove()
            continue
        ax.axis("off")
        ax.imshow(patches[index], interpolation="nearest")
        ax.set_title(str(index), fontsize=10)
        mark_tile(ax)
    kh, kw = patches.shape[1:3]
    fig.suptitle(f"{layer}: {n} filters of {kh}x{kw}x3 (each stretched to its own range)"
                 if norm == "kernel" else f"{layer}: {n} filters of {kh}x{kw}x3 (one scale)")
    fig.tight_layout()
    return fig


def kernel_similarity(
    model_or_kernels: ZooModel | keras.Model | np.ndarray,
    layer: str | None = None,
    fold_batchnorm: bool = True,
) -> np.ndarray:
    """Cosine similarity between every pair of a layer's filters: (filters, filters) in [-1, 1].

    Each filter (kh x kw x in_channels weights) is one vector.  +1: the same pattern;
    -1: the same pattern with the opposite sign; 0: unrelated.
    """
    if isinstance(model_or_kernels, np.ndarray):
        kernels = model_or_kernels
    else:
        if layer is None:
            raise ValueError("give the layer name: lh.kernel_similarity(model, 'stem_conv')")
        kernels = layer_kernels(model_or_kernels, layer, fold_batchnorm)
    vectors = np.asarray(kernels, np.float64).reshape(-1, kernels.shape[-1]).T
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.maximum(norms, 1e-12)
    return np.clip(unit @ unit.T, -1.0, 1.0).astype(np.float32)


def nearest_filter_similarity(
    model_or_kernels: ZooModel | keras.Model | np.ndarray,
    layer: str | None = None,
    fold_batchnorm: bool = True,
) -> float:
    """How crowded a layer's filters are: the median, over its filters, of the |cosine| to the
    nearest other filter (:func:`kernel_similarity`). 1: every filter has a duplicate or an
    inverse; near 0: all are far apart. Kernels (kh, kw, in, filters) of random weights give
    the value chance alone gives a layer of that shape."""
    similarity = np.abs(kernel_similarity(model_or_kernels, layer, fold_batchnorm))
    if len(similarity) < 2:
        raise ValueError("a layer needs at least two filters to have a nearest other filter")
    np.fill_diagonal(similarity, 0.0)
    return float(np.median(similarity.max(axis=1)))


def most_similar_pairs(
    similarity: np.ndarray, k: int = 5, mode: str = "similar"
) -> list[tuple[int, int, float]]:
    """The ``k`` filter pairs (i < j) with the highest cosine similarity.

    ``mode="opposite"``: the most negative pairs (a filter and its inverse);
    ``mode="absolute"``: the largest |cosine|.
    """
    sim = np.asarray(similarity, np.float64)
    if sim.ndim != 2 or sim.shape[0] != sim.shape[1]:
        raise ValueError(f"similarity must be a square matrix, got shape {sim.shape}")
    i, j = np.triu_indices(len(sim), k=1)
    values = sim[i, j]
    key = {"similar": -values, "opposite": values, "absolute": -np.abs(values)}.get(mode)
    if key is None:
        raise ValueError(f"mode must be 'similar', 'opposite' or 'absolute', got {mode!r}")
    order = np.lexsort((j, i, key))[: max(0, int(k))]
    return [(int(i[o]), int(j[o]), float(values[o])) for o in order]


def plot_similarity(similarity: np.ndarray, title: str = "", ax: Any = None):
    """Heatmap of a cosine-similarity matrix (blue -1 … red +1); returns the Figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.6))
    image = ax.imshow(similarity, cmap=SIGNED, vmin=-1, vmax=1, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="cosine similarity")
    ax.set_xlabel("filter")
    ax.set_ylabel("filter")
    ax.set_title(title or f"cosine similarity of {len(similarity)} filters")
    ax.figure.tight_layout()
    return ax.figure


def plot_similar_pairs(
    model: ZooModel | keras.Model,
    layer: str = "stem_conv",
    k: int = 4,
    mode: str | Sequence[str] = "similar",
    fold_batchnorm: bool = True,
    size: float = 1.3,
):
    """The ``k`` most similar (or opposite) filter pairs of an RGB layer, side by side.

    ``mode`` may be a list (e.g. ``("similar", "opposite")``): one row per mode."""
    import matplotlib.pyplot as plt

    from .figures import mark_tile, wrap_text

    modes = [mode] if isinstance(mode, str) else list(mode)
    kernels = layer_kernels(model, layer, fold_batchnorm)
    kernel_patches(kernels[..., :1])  # checks that the filters are RGB pictures
    rows = [most_similar_pairs(kernel_similarity(kernels), k, m) for m in modes]
    width = 2 * max(len(pairs) for pairs in rows)
    label = {"similar": "most similar", "opposite": "most opposite", "absolute": "largest |cos|"}
    # the title wrapped to the figure's width (a few pairs make a narrow figure)
    title = wrap_text(f"{layer}: the {k} {' and the '.join(label[m] for m in modes)} pairs "
                      "(grey = 0; one scale per pair)", 0.95 * size * width,
                      plt.rcParams["figure.titlesize"])
    fig, axes = plt.subplots(
        len(rows), width, squeeze=False,
        figsize=(size * width, (size + 0.75) * len(rows) + 0.1 + 0.2 * (title.count("\n") + 1)),
    )
    for row, (pairs, m) in enumerate(zip(rows, modes, strict=True)):
        for p, (i, j, value) in enumerate(pairs):
            pair = kernel_patches(kernels[..., [i, j]], "layer")  # one colour scale per pair
            for q, index in enumerate((i, j)):
                ax = axes[row, 2 * p + q]
                ax.imshow(pair[q], interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_xlabel(f"filter {index}", fontsize=10)
                mark_tile(ax)
            axes[row, 2 * p].set_title(f"{label[m]}: cos = {value:+.2f}" if p == 0
                                       else f"cos = {value:+.2f}", fontsize=10, loc="left")
        for ax in axes[row, 2 * len(pairs):]:  # fewer pairs than asked: no empty panels
            ax.remove()
    fig.suptitle(title)
    fig.tight_layout()
    return fig
