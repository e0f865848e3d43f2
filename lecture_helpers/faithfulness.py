"""Is a heatmap faithful to the model?  Deletion and insertion curves (Petsiuk et al.,
RISE, 2018): remove (or insert) pixels in the order the heatmap ranks them and follow the class
probability.  A faithful map makes the probability fall fast when its top pixels are deleted
(small area under the deletion curve) and rise fast when they are inserted (large area under
the insertion curve).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
from PIL import Image, ImageFilter

from ._quiet import tf
from .attribution.maps import upsample_heatmap
from .errors import UnknownNameError
from .modelview import view
from .zoo import ZooModel

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CurveResult", "deletion_insertion", "one_class", "plot_deletion_insertion",
           "plot_faithfulness"]


# ---------------------------------------------------------------------------
# Deletion and insertion


@dataclass
class CurveResult:
    """Class probability after deleting / inserting each fraction of the pixels.

    ``deletion_fill``: what deletion put in place of the removed pixels ("grey", "blur"
    or a grey level).
    """

    fractions: np.ndarray
    deletion: np.ndarray
    insertion: np.ndarray
    class_index: int
    deletion_fill: str | float = "grey"

    @property
    def deletion_auc(self) -> float:
        """Area under the deletion curve (lower = more faithful)."""
        return float(np.trapezoid(self.deletion, self.fractions))

    @property
    def insertion_auc(self) -> float:
        """Area under the insertion curve (higher = more faithful)."""
        return float(np.trapezoid(self.insertion, self.fractions))

    @property
    def gap(self) -> float:
        """Insertion AUC - deletion AUC: with ``deletion_fill="blur"`` the gap between
        least- and most-relevant-first deletion (about 0 for an order that knows nothing)."""
        return self.insertion_auc - self.deletion_auc


def _pixel_order(
    heatmap: np.ndarray, size: tuple[int, int], seed: int, block: int = 1
) -> np.ndarray:
    """Pixel indices, most important first; ties in random (seeded) order.

    ``block`` > 1: pixels move in ``block`` x ``block`` squares, ranked by their mean value.
    """
    heatmap = np.asarray(heatmap, dtype=np.float32)
    if heatmap.ndim != 2:
        raise ValueError(
            f"heatmap must be one 2-D map (H, W), got shape {heatmap.shape}; for a "
            "pixel attribution (H, W, 3) pass np.abs(g).max(axis=-1)."
        )
    if not np.all(np.isfinite(heatmap)):
        raise ValueError("heatmap contains NaN or infinite values")
    if heatmap.shape != tuple(size):
        heatmap = upsample_heatmap(heatmap, size)
    if block > 1:
        rows = np.arange(size[0]) // block
        cols = np.arange(size[1]) // block
        labels = rows[:, None] * (cols[-1] + 1) + cols[None, :]
        sums = np.bincount(labels.ravel(), weights=heatmap.ravel())
        means = sums / np.bincount(labels.ravel())
        # Rank blocks, then pixels by their block's rank (ties inside a block by raster).
        block_order = np.lexsort(
            (np.random.default_rng(seed).permutation(means.size), -means)
        )
        block_rank = np.empty(means.size, np.int64)
        block_rank[block_order] = np.arange(means.size)
        return np.argsort(block_rank[labels.ravel()], kind="stable")
    values = heatmap.ravel()
    tie_break = np.random.default_rng(seed).permutation(values.size)
    return np.lexsort((tie_break, -values))


def blurred(image: np.ndarray, radius: float) -> np.ndarray:
    """Gaussian-blurred copy of a float image in [0, 255] (the insertion start)."""
    pil = Image.fromarray(np.clip(np.round(image), 0, 255).astype(np.uint8))
    return np.asarray(pil.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32)


# What deletion puts where it removes pixels: one grey level, or the blurred copy.
DELETION_FILLS = {"grey": 127.5, "blur": None}


def _fill_value(deletion_fill: Any) -> float | None:
    """``deletion_fill`` as a grey level in [0, 255], or None for the blurred copy."""
    if deletion_fill is None:  # the blurred copy (the spelling before "blur")
        return None
    if isinstance(deletion_fill, str):
        if deletion_fill not in DELETION_FILLS:
            raise UnknownNameError(
                f"unknown deletion_fill {deletion_fill!r}; choose one of: "
                f"{', '.join(map(repr, DELETION_FILLS))}, or a grey level in [0, 255]"
            )
        return DELETION_FILLS[deletion_fill]
    if isinstance(deletion_fill, bool) or not isinstance(deletion_fill, int | float | np.number):
        raise TypeError(
            f"deletion_fill must be 'grey', 'blur' or a grey level in [0, 255], "
            f"got {type(deletion_fill).__name__}"
        )
    if not 0.0 <= float(deletion_fill) <= 255.0:  # also refuses NaN
        raise ValueError(
            f"deletion_fill {deletion_fill} is not a grey level in [0, 255] "
            "(pixel values are in [0, 255]); or choose 'grey' or 'blur'"
        )
    return float(deletion_fill)


def deletion_insertion(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    *,
    heatmap: np.ndarray,
    size: tuple[int, int] | None = None,
    steps: int = 32,
    batch_size: int = 16,
    deletion_fill: str | float | None = "grey",
    blur_radius: float = 8.0,
    block: int = 16,
    seed: int = 0,
) -> CurveResult:
    """Deletion and insertion curves of one heatmap, with ``steps`` + 1 points each.

    Deletion: the heatmap's top pixels are replaced, the most important first, by
    ``deletion_fill``: ``"grey"`` (127.5), a grey level in [0, 255], or ``"blur"``: the
    same pixels of the blurred copy insertion starts from (None: the same).  Insertion:
    start from a blurred copy of the image (``blur_radius`` px) and put the original
    pixels back in the same order.  With ``"blur"``, insertion read backwards is deletion
    of the least relevant pixels first, so :attr:`CurveResult.gap` is the gap between
    least- and most-relevant-first deletion (Samek et al. 2017).  The curve is
    the class probability (``class_index``; None = the image's top class).  The 2 x steps
    new images (one fewer with "blur") run through the model in batches of ``batch_size``.
    """
    if steps < 1 or batch_size < 1:
        raise ValueError(f"steps and batch_size must be >= 1 (got {steps}, {batch_size})")
    fill = _fill_value(deletion_fill)
    x = view(model).batch(image, size)
    if len(x) != 1:
        raise ValueError(f"deletion_insertion takes one image, got a batch of {len(x)}")
    x = x[0]
    height, width = x.shape[:2]
    probabilities = view(model).compiled("probabilities")
    base = probabilities(tf.constant(x[None])).numpy()[0]
    cls = one_class(model, class_index, base)
    order = _pixel_order(heatmap, (height, width), seed, block)
    counts = np.round(np.linspace(0, height * width, steps + 1)).astype(int)
    rank = np.empty(height * width, np.int64)
    rank[order] = np.arange(height * width)
    rank = rank.reshape(height, width)
    start = blurred(x, blur_radius)
    # The model sees every image but the known ones: the original (deletion's first,
    # insertion's last) gave ``base``; with "blur", insertion's first is deletion's last.
    first = 1 if fill is None else 0
    images = [np.where((rank < count)[..., None], start if fill is None else fill, x)
              for count in counts[1:]]
    images += [np.where((rank < count)[..., None], x, start) for count in counts[first:-1]]
    stack = np.stack(images).astype(np.float32)
    probs = np.concatenate(
        [
            probabilities(tf.constant(stack[i : i + batch_size])).numpy()[:, cls]
            for i in range(0, len(stack), batch_size)
        ]
    )
    deletion = np.array([base[cls], *probs[:steps]], np.float32)
    known_start = [deletion[-1]] if fill is None else []
    insertion = np.array([*known_start, *probs[steps:], base[cls]], np.float32)
    return CurveResult(
        fractions=counts / float(height * width),
        deletion=deletion,
        insertion=insertion,
        class_index=cls,
        deletion_fill="blur" if fill is None else deletion_fill,
    )


def plot_deletion_insertion(results: dict[str, CurveResult], axes: Sequence[Any] | None = None):
    """Two panels (deletion, insertion) with one curve per method and its AUC in the legend;
    returns the Figure (drawn on ``axes`` if given)."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    for name, result in results.items():
        style = {"color": "0.5", "linestyle": "--"} if name.lower().startswith("random") else {}
        axes[0].plot(
            result.fractions, result.deletion, label=f"{name} ({result.deletion_auc:.3f})", **style
        )
        axes[1].plot(
            result.fractions,
            result.insertion,
            label=f"{name} ({result.insertion_auc:.3f})",
            **style,
        )
    axes[0].set_title("Deletion: remove the top pixels first (AUC: lower is better)")
    axes[1].set_title("Insertion: add the top pixels first (AUC: higher is better)")
    for ax in axes:
        ax.set_xlabel("fraction of pixels removed / inserted")
        ax.set_ylabel("class probability")
        ax.set_xlim(0, 1)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=10, title="method (AUC)", title_fontsize=10)
    return axes[0].figure


def _fill_label(fill: str | float) -> str:
    """How a legend names a deletion fill."""
    if isinstance(fill, str):
        return "blurred" if fill == "blur" else fill
    return f"grey level {float(fill):g}"


def plot_faithfulness(
    curves: dict[str, CurveResult], other_fill: dict[str, CurveResult] | None = None
) -> Figure:
    """Deletion and insertion curves, one line per heatmap (names starting with "random":
    dashed grey, the baseline), one legend with both AUCs; returns the Figure.

    ``other_fill``: some of the same heatmaps deleted with another ``deletion_fill``; a
    third panel draws their deletion curves (dotted) over those of ``curves`` (solid), to
    show how much the fill, not the heatmap, decides the curve.  At most 11.5 in wide,
    every panel >= 2.3 in (>= 160 px at 72 dpi); the dpi is matplotlib's rcParams.
    """
    import matplotlib.pyplot as plt

    other_fill = other_fill or {}
    for name in other_fill:
        if name not in curves:
            raise UnknownNameError(
                f"other_fill has {name!r}, which curves lacks; curves has: {', '.join(curves)}"
            )
    fig, axes = plt.subplots(
        1, 3 if other_fill else 2, figsize=(11.5 if other_fill else 8.0, 4.2),
        constrained_layout=True,
    )
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    styles: dict[str, dict[str, Any]] = {}
    for name in curves:
        if name.lower().startswith("random"):
            styles[name] = {"color": "0.45", "linestyle": "--"}
        else:
            styles[name] = {"color": palette[len(styles) % len(palette)], "linestyle": "-"}
    for name, result in curves.items():
        label = f"{name} ({result.deletion_auc:.3f} / {result.insertion_auc:.3f})"
        axes[0].plot(result.fractions, result.deletion, label=label, **styles[name])
        axes[1].plot(result.fractions, result.insertion, **styles[name])
    fills = {_fill_label(r.deletion_fill) for r in curves.values()}
    axes[0].set_title("Deletion" + (f", {fills.pop()} blocks" if len(fills) == 1 else "")
                      + "\n(AUC: lower = more faithful)")
    axes[0].legend(title="order (deletion / insertion AUC)", loc="upper right")
    axes[1].set_title("Insertion into the blurred copy\n(AUC: higher = more faithful)")
    for name, other in other_fill.items():
        for result, line in ((curves[name], styles[name]["linestyle"]), (other, ":")):
            label = f"{name}, {_fill_label(result.deletion_fill)} ({result.deletion_auc:.3f})"
            axes[2].plot(result.fractions, result.deletion, label=label,
                         color=styles[name]["color"], linestyle=line)
    if other_fill:
        axes[2].set_title("Deletion: the fill decides\n(same orders, AUC in brackets)")
        axes[2].legend(title="order, fill (AUC)", loc="upper right")
    for ax in axes:
        ax.set_xlabel("fraction of the image removed / inserted")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel("class probability")
    return fig


def one_class(model: Any, class_index: Any, probabilities: np.ndarray) -> int:
    """One class: the given one, or the top class of ``probabilities``."""
    classes = view(model).class_indices(class_index)
    if classes is not None and len(classes) != 1:
        raise ValueError(f"give one class (an index or a name), got {len(classes)}")
    return int(np.argmax(probabilities)) if classes is None or classes[0] < 0 else classes[0]
