"""Image gradients: which pixels would change the class score most?

The lecture's "Part Two: Image Gradients" (Simonyan et al., 2013): the gradient of the
unnormalized class score f_c with respect to the input image I,

    M_ij = max_colour | df_c(I) / dI_ij,colour |

computed with one backward pass.  Two refinements of the same idea:

* SmoothGrad (Smilkov et al., 2017): average the gradient over n noisy copies of the
  image (noise sigma given as a fraction of the input range, 0–255 here);
* Integrated Gradients (Sundararajan et al., 2017): average the gradient along the
  straight path from a baseline I' (default: a black image) to I and multiply by
  (I - I'); the attributions then sum to f_c(I) - f_c(I') ("completeness").

Every helper takes any Keras classifier whose input is float RGB in [0, 255] with its
normalization inside the model (every zoo model is), so these are gradients with respect
to pixels; the class score is the logit, found by the model's view (``modelview.py``).
:func:`saliency` is a one-image convenience over :func:`lecture_helpers.attribution.explain`
(each method is a module there); here too: fitting an image to the model, the
:class:`SaliencyMap` of one image, and the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from .attribution import METHODS as _REGISTRY
from .attribution import explain
from .colormaps import HEAT
from .errors import UnknownNameError
from .images import load_image
from .modelview import view
from .zoo import ZooModel

# The image-gradient methods, in the registry's order, and their titles.
METHODS = tuple(i for i, method in _REGISTRY.items() if method.family == "saliency")
METHOD_TITLES = {i: _REGISTRY[i].title for i in METHODS}
SIZE_MULTIPLE = 32  # flexible-size zoo models (efficientnet_lite0) want sides that are multiples


# ---------------------------------------------------------------------------
# Inputs


def model_image_size(
    model: ZooModel | keras.Model, shape: tuple[int, int]
) -> tuple[int, int] | None:
    """The (height, width) the model needs for an image of ``shape``, or None if it fits.

    A model with a fixed input size needs exactly that size.  A flexible one (input
    (None, None, C)) with a default size (a zoo model's ``input_size``, like
    efficientnet_lite0) takes any image whose sides are multiples of 32, and otherwise
    gets its default size; a flexible model without one takes any image as it is.
    """
    model_view = view(model)
    height, width = shape
    if model_view.fixed_size is not None:
        return None if (height, width) == model_view.fixed_size else model_view.fixed_size
    if model_view.default_size is None:
        return None
    if height % SIZE_MULTIPLE == 0 and width % SIZE_MULTIPLE == 0:
        return None
    return tuple(model_view.default_size)


def _fit(
    model: ZooModel | keras.Model, image: Any, size: Any, verbose: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(the image as uint8 RGB at a size the model takes, the float32 pixels it sees)."""
    model_view = view(model)
    if isinstance(image, np.ndarray) and image.ndim >= 2:
        shape = image.shape[:2]
    else:
        image = load_image(image)
        shape = image.shape[:2]
    if size is not None:
        target = (size, size) if isinstance(size, int) else tuple(size)
        if model_image_size(model, target) is not None:
            raise ValueError(
                f"size {target} does not suit {model_view.name}: it needs "
                f"{_size_rule(model)}. Pass such a size, or size=None."
            )
    else:
        target = model_image_size(model, shape)
        if target is not None and verbose:
            print(
                f"note: resized the {shape[0]}x{shape[1]} image to {target[0]}x{target[1]} "
                f"for {model_view.name}, which needs {_size_rule(model)}; pass "
                "size=(height, width) to choose another size."
            )
        target = tuple(shape) if target is None else target
    x = model_view.batch(image, size=target)
    if len(x) != 1:
        raise ValueError(f"saliency explains one image at a time, got a batch of {len(x)}")
    picture = np.clip(np.round(x[0]), 0, 255).astype(np.uint8)
    if picture.shape[-1] == 1:
        picture = np.repeat(picture, 3, axis=-1)
    return picture, x[0]


def fit_image(
    model: ZooModel | keras.Model,
    image: Any,
    size: int | tuple[int, int] | None = None,
    verbose: bool = True,
) -> np.ndarray:
    """Load ``image`` as uint8 RGB at a size the model takes; say so when it is resized.

    ``size`` forces a size (int or (height, width)). Otherwise an image the model accepts
    as it is stays untouched, and any other is resized to the model's input size, with a
    printed note (stdout) naming both sizes.
    """
    return _fit(model, image, size, verbose)[0]


def _size_rule(model: ZooModel | keras.Model) -> str:
    model_view = view(model)
    if model_view.fixed_size is not None:
        return f"{model_view.fixed_size[0]}x{model_view.fixed_size[1]} images"
    return f"sides that are multiples of {SIZE_MULTIPLE} px"


# ---------------------------------------------------------------------------
# Results


@dataclass
class SaliencyMap:
    """A saliency map and what produced it.

    ``map`` (H, W) is non-negative: max over colour channels of |gradient| (vanilla,
    SmoothGrad) or |sum over channels of the attributions| (Integrated Gradients).
    ``attributions`` (H, W, 3) keeps the signed values (gradient, mean gradient, or IG
    attributions).  ``image`` is the uint8 image the model saw (after any resize).
    """

    method: str
    class_index: int
    class_name: str
    image: np.ndarray
    attributions: np.ndarray
    map: np.ndarray
    score: float
    details: dict = field(default_factory=dict)

    def __array__(self, dtype=None, copy=None):
        return self.map if dtype is None else self.map.astype(dtype)

    @property
    def completeness_gap(self) -> float | None:
        """IG only: |sum(attributions) - (f(I) - f(I'))| / |f(I) - f(I')| (0 when equal)."""
        return self.details.get("relative_completeness_gap")

    def normalized(self, percentile: float = 99.0) -> np.ndarray:
        """The map scaled to [0, 1], clipped at its ``percentile`` (all zeros if flat)."""
        return normalize_map(self.map, percentile)

    def mass_fraction(self, region: str | np.ndarray) -> float:
        """Share of the map's total mass in ``region`` ('left', 'right', 'top', 'bottom'
        half, or a boolean mask of the map's shape)."""
        return mass_fraction(self.map, region)


def normalize_map(saliency_map: np.ndarray, percentile: float = 99.0) -> np.ndarray:
    """Scale a non-negative map to [0, 1], clipping at a percentile; a flat map gives zeros."""
    values = np.asarray(saliency_map, dtype=np.float64)
    top = np.percentile(values, percentile) if values.size else 0.0
    if not np.isfinite(top) or top <= 0:
        top = values.max(initial=0.0)
    if top <= 0:
        return np.zeros_like(values, dtype=np.float32)
    return np.clip(values / top, 0.0, 1.0).astype(np.float32)


def mass_fraction(saliency_map: np.ndarray, region: str | np.ndarray) -> float:
    """Share of a non-negative map's total in ``region`` (a half by name, or a bool mask)."""
    values = np.asarray(saliency_map, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"expected a 2-D map, got shape {values.shape}")
    height, width = values.shape
    if isinstance(region, str):
        mask = np.zeros(values.shape, bool)
        halves = {
            "left": (slice(None), slice(0, width // 2)),
            "right": (slice(None), slice(width - width // 2, width)),
            "top": (slice(0, height // 2), slice(None)),
            "bottom": (slice(height - height // 2, height), slice(None)),
        }
        if region not in halves:
            raise UnknownNameError(
                f"unknown region {region!r}; use {sorted(halves)} or a bool mask"
            )
        mask[halves[region]] = True
    else:
        mask = np.asarray(region, dtype=bool)
        if mask.shape != values.shape:
            raise ValueError(f"mask shape {mask.shape} != map shape {values.shape}")
    total = values.sum()
    return float(values[mask].sum() / total) if total > 0 else 0.0


# ---------------------------------------------------------------------------
# The three methods


def saliency(
    model: ZooModel,
    image: Any,
    class_index: int | str | None = None,
    method: str = "vanilla",
    *,
    samples: int = 25,
    noise: float = 0.2,
    magnitude: bool = True,
    steps: int = 64,
    baseline: Any = None,
    path_exponent: float = 3.0,
    batch_size: int | None = None,
    size: int | tuple[int, int] | None = None,
    seed: int = 0,
    verbose: bool = True,
) -> SaliencyMap:
    """Saliency map of ``image`` for one class (index, name, or None = top prediction).

    ``method``:

    * ``"vanilla"``: max over colour channels of |df_c/dI|, one backward pass.
    * ``"smoothgrad"``: ``samples`` noisy copies (noise sigma = ``noise`` x 255), in
      batches of ``batch_size`` (default: 4 images of 224 x 224 px, fewer for larger
      images, which bounds memory: 2 at 224 x 448); ``magnitude=True`` averages the
      squared gradients (the PAIR saliency library's default), ``False`` the signed ones;
      map = max over channels.
    * ``"integrated_gradients"``: (I - I') times the average gradient at ``steps`` points
      on the straight path from ``baseline`` I' (default black = zeros; or ``'grey'``, a
      number, an array) to I. Points are spaced as alpha = t**path_exponent (t on a
      midpoint grid, weights d alpha): a black start makes the score change fastest near the
      baseline, and exponent 3 keeps the completeness gap small (1 = the paper's uniform
      Riemann sum). ``.completeness_gap`` reports |sum(attr) - (f(I) - f(I'))| / |f(I) - f(I')|.

    Images the model cannot take as they are get resized, with a printed note.
    """
    if method not in METHODS:
        raise UnknownNameError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    picture, x = _fit(model, image, size, verbose)
    if batch_size is not None:
        _check_positive(batch_size=batch_size)
    options: dict[str, Any] = {
        "vanilla": {},
        "smoothgrad": dict(samples=samples, noise=noise, magnitude=magnitude, seed=seed),
        "integrated_gradients": dict(steps=steps, baseline=baseline,
                                     path_exponent=path_exponent),
    }[method]
    result = explain(model, x, class_index, method=method, batch_size=batch_size, **options)
    details = {key: value[0].item() if isinstance(value, np.ndarray) else value
               for key, value in result.details.items()}
    return SaliencyMap(
        method=result.method,
        class_index=int(result.classes[0]),
        class_name=result.class_names[0],
        image=picture,
        attributions=np.asarray(result.attributions[0], np.float32),
        map=np.asarray(result.maps[0], np.float32),
        score=float(result.scores[0]),
        details=details,
    )


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def compare_saliency(
    model: ZooModel,
    image: Any,
    class_index: int | str | None = None,
    methods: Sequence[str] = METHODS,
    **options: Any,
) -> list[SaliencyMap]:
    """The same image and class through several methods (the image is fitted once)."""
    picture, x = _fit(model, image, options.pop("size", None), options.pop("verbose", True))
    if class_index is None:
        class_index = int(np.argmax(view(model).run("probabilities", x[None])[0]))
    return [saliency(model, x, class_index, m, verbose=False, **options) for m in methods]


# ---------------------------------------------------------------------------
# Figures


def render_map(
    saliency_map: np.ndarray | SaliencyMap, cmap: str = HEAT, percentile: float = 99.0
) -> np.ndarray:
    """A saliency map as a uint8 RGB picture (clipped at ``percentile``, then coloured)."""
    import matplotlib

    values = saliency_map.map if isinstance(saliency_map, SaliencyMap) else saliency_map
    colours = matplotlib.colormaps[cmap](normalize_map(values, percentile))[..., :3]
    return np.round(colours * 255.0).astype(np.uint8)


MAP_TITLE_PT = 11  # the maps' titles (the photo's: the axes title size)


def _map_title(result: SaliencyMap, label: str | None, width_in: float) -> str:
    """A map's title, wrapped to its panel: the method (and IG's completeness gap), after
    the class when the row has no photo to name it."""
    from .figures import wrap_text

    title = METHOD_TITLES.get(result.method, result.method)
    if result.completeness_gap is not None:
        title += f" (gap {100 * result.completeness_gap:.0f}%)"
    if label is not None:
        title = f"{label}\n{title}"
    return wrap_text(title, width_in, MAP_TITLE_PT)


def show_saliency(
    results: Sequence[SaliencyMap] | Sequence[Sequence[SaliencyMap]],
    cmap: str = HEAT,
    percentile: float = 99.0,
    panel_size: float = 2.3,
    suptitle: str | None = None,
    photo: bool = True,
):
    """Plot rows of saliency maps (one row per image or class): the photo, then each map.

    ``results`` is a list of SaliencyMap (one row) or a list of such lists. Every figure
    shows the photo the maps explain: ``photo=True`` in a column of its own, left of each
    row (named by the row's class); ``photo=False`` once, above all rows. Rows of one
    image get the photo above them also when a photo column would make the figure wider
    than a slide (:data:`lecture_helpers.figures.SLIDE_RULES`); rows of different images
    always keep the photo column. Titles wrap to their panel's width. A colorbar gives the
    scale: each map divided by its own ``percentile``-th percentile. Returns the matplotlib
    figure.
    """
    import matplotlib.pyplot as plt

    from .figures import SLIDE_RULES, row_height, wrap_text

    rows = [results] if results and isinstance(results[0], SaliencyMap) else list(results)
    if not rows or not all(rows):
        raise ValueError("show_saliency needs at least one SaliencyMap")
    first_image = rows[0][0].image
    shared = all(np.array_equal(r[0].image, first_image) for r in rows)
    maps_per_row = max(len(r) for r in rows)
    aspect = max(r[0].image.shape[1] / r[0].image.shape[0] for r in rows)
    with_column_px = (panel_size * aspect * (maps_per_row + 1) + 1.0) * plt.rcParams["figure.dpi"]
    # the photo once, above, when asked, or when a photo column would not fit on a slide
    photo_column = not shared or (bool(photo) and with_column_px <= SLIDE_RULES.max_width_px)
    columns = int(photo_column) + maps_per_row
    width_in = 0.92 * panel_size * aspect  # the title's room over a panel
    labels = [f"{r[0].class_name} (class {r[0].class_index})" for r in rows]
    titles = [[_map_title(m, None if photo_column else label, width_in) for m in r]
              for r, label in zip(rows, labels, strict=True)]
    photo_titles = [wrap_text(label, width_in) for label in labels]
    lines = [max(t.count("\n") + 1 for t in [*row, *([p] if photo_column else [])])
             for row, p in zip(titles, photo_titles, strict=True)]
    heights = [row_height(panel_size, n) for n in lines]
    if not photo_column:  # the photo, once, above the rows
        heights.insert(0, row_height(panel_size))
    fig = plt.figure(
        figsize=(panel_size * aspect * columns + 1.0, sum(heights) + (0.4 if suptitle else 0.1)),
        layout="constrained",
    )
    grid = fig.add_gridspec(len(heights), columns, height_ratios=heights)
    top = 0
    if not photo_column:
        ax = fig.add_subplot(grid[0, :])
        ax.imshow(first_image)
        ax.set_title("the photo")
        ax.axis("off")
        top = 1
    image, map_axes = None, []
    for index, (maps, row_titles) in enumerate(zip(rows, titles, strict=True)):
        if photo_column:
            ax = fig.add_subplot(grid[top + index, 0])
            ax.imshow(maps[0].image)
            ax.set_title(photo_titles[index])
            ax.axis("off")
        for column, (result, title) in enumerate(zip(maps, row_titles, strict=True)):
            ax = fig.add_subplot(grid[top + index, int(photo_column) + column])
            image = ax.imshow(result.normalized(percentile), cmap=cmap, vmin=0, vmax=1)
            ax.set_title(title, fontsize=MAP_TITLE_PT)
            ax.axis("off")
            map_axes.append(ax)
    bar = fig.colorbar(image, ax=map_axes, fraction=0.02, pad=0.01, panchor=False)
    bar.set_label(f"|gradient| / its {percentile:g}th percentile", fontsize=10)
    if suptitle:
        fig.suptitle(suptitle)
    return fig
