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
to pixels; the class score is the logit, found by the model's view (``lecture_helpers.modelview``).
:func:`saliency` is a one-image convenience over :func:`lecture_helpers.attribution.explain`
(each method is a module there); here too: fitting an image to the model, the
:class:`SaliencyMap` (the name of an Attribution of one image), and the figures.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from .attribution import METHODS as _REGISTRY
from .attribution import Attribution, explain
from .attribution.maps import normalize_map
from .colormaps import HEAT
from .errors import UnknownNameError
from .images import load_image
from .modelview import view
from .zoo import ZooModel

# The image-gradient methods, in the registry's order, and their titles.
METHODS = tuple(i for i, method in _REGISTRY.items() if method.family == "saliency")
METHOD_TITLES = {i: _REGISTRY[i].title for i in METHODS}
SaliencyMap = Attribution  # the name notebook 3 introduced: an Attribution of one row


# ---------------------------------------------------------------------------
# Inputs


def _fit(
    model: ZooModel | keras.Model, image: Any, size: Any, verbose: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(the image as uint8 RGB at the size the model takes it, the float32 pixels it sees):
    the view's size rule (:meth:`~lecture_helpers.modelview.ModelView.target_size`), with a
    printed note when a photo is resized and no ``size`` was asked for."""
    model_view = view(model)
    if not (isinstance(image, np.ndarray) and image.ndim >= 2):
        image = load_image(image)
    shape = tuple(image.shape[:2])
    target = model_view.target_size(shape, size)
    if size is None and target != shape and verbose:
        print(
            f"note: resized the {shape[0]}x{shape[1]} image to {target[0]}x{target[1]} "
            f"for {model_view.name} ({model_view.size_rule()}); pass size=(height, width) "
            "to choose another size."
        )
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
    """Load ``image`` as uint8 RGB at the size the model takes it (the view's rule); say so
    when it is resized.  ``size`` forces a size (int or (height, width))."""
    return _fit(model, image, size, verbose)[0]


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
) -> Attribution:
    """Saliency map of ``image`` for one class (index, name, or None = top prediction):
    an :class:`~lecture_helpers.attribution.Attribution` of one row (``.map``, ``.image``,
    ``.attributions[0]``, ``.class_name``, ``.score``, ``.completeness_gap``, ...).

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

    A photo is resized by the model's size rule, with a printed note.
    """
    if method not in METHODS:
        raise UnknownNameError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    _, x = _fit(model, image, size, verbose)
    if batch_size is not None:
        _check_positive(batch_size=batch_size)
    given = dict(samples=samples, noise=noise, magnitude=magnitude, seed=seed, steps=steps,
                 baseline=baseline, path_exponent=path_exponent, batch_size=batch_size)
    accepted = inspect.signature(_REGISTRY[method].compute).parameters
    options = {name: value for name, value in given.items() if name in accepted}
    return explain(model, x, class_index, method=method, **options)


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
) -> list[Attribution]:
    """The same image and class through several methods (the image is fitted once)."""
    picture, x = _fit(model, image, options.pop("size", None), options.pop("verbose", True))
    if class_index is None:
        class_index = int(np.argmax(view(model).run("probabilities", x[None])[0]))
    return [saliency(model, x, class_index, m, verbose=False, **options) for m in methods]


# ---------------------------------------------------------------------------
# Figures


def render_map(
    saliency_map: np.ndarray | Attribution, cmap: str = HEAT, percentile: float = 99.0
) -> np.ndarray:
    """A saliency map as a uint8 RGB picture (clipped at ``percentile``, then coloured)."""
    import matplotlib

    values = saliency_map.map if isinstance(saliency_map, Attribution) else saliency_map
    colours = matplotlib.colormaps[cmap](normalize_map(values, percentile))[..., :3]
    return np.round(colours * 255.0).astype(np.uint8)


MAP_TITLE_PT = 11  # the maps' titles (the photo's: the axes title size)


def _map_title(result: Attribution, label: str | None, width_in: float) -> str:
    """A map's title, wrapped to its panel: the method (and IG's completeness gap), after
    the class when the row has no photo to name it."""
    from .figures import wrap_text

    title = result.title
    if result.completeness_gap is not None:
        title += f" (gap {100 * result.completeness_gap:.0f}%)"
    if label is not None:
        title = f"{label}\n{title}"
    return wrap_text(title, width_in, MAP_TITLE_PT)


def show_saliency(
    results: Sequence[Attribution] | Sequence[Sequence[Attribution]],
    cmap: str = HEAT,
    percentile: float = 99.0,
    panel_size: float = 2.3,
    suptitle: str | None = None,
    photo: bool = True,
):
    """Plot rows of saliency maps (one row per image or class): the photo, then each map.

    ``results``: one-row Attributions (``lh.saliency``'s; one row of the figure) or a list
    of such lists. Every figure shows the photo the maps explain: ``photo=True`` in a column
    of its own, left of each row (named by the row's class); ``photo=False`` once, above all
    rows. Rows of one image get the photo above them also when a photo column would make the
    figure wider than a slide (:data:`lecture_helpers.figures.SLIDE_RULES`); rows of
    different images always keep the photo column. Titles wrap to their panel's width. A
    colorbar gives the scale: each map divided by its own ``percentile``-th percentile.
    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from .figures import SLIDE_RULES, row_height, wrap_text

    rows = [results] if results and isinstance(results[0], Attribution) else list(results)
    if not rows or not all(rows):
        raise ValueError("show_saliency needs at least one saliency map (lh.saliency(...))")
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
