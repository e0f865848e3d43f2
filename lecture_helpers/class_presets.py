"""Named regularization presets for class pictures, and the figure that compares them.

Each preset is a set of ``lh.visualize_class`` options (parameterization, transforms,
regularizers, learning rate) built from the engine's public pieces in
:mod:`lecture_helpers.optimize`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import keras
import numpy as np

from .errors import UnknownNameError
from .optimize import (
    CLASS_LR,
    CLASS_PARAM,
    OptimizationResult,
    regularizers,
    transforms,
    visualize_class,
)
from .zoo import ZooModel


def _presets() -> dict[str, dict[str, Any]]:
    """Each preset changes one thing against "none" (plain pixels, no transforms), except the
    last two: Lucid's recipe, and the class recipe (``visualize_class``'s defaults: Lucid's
    with a steeper spectrum and smaller steps).  Pixel presets take larger steps (lr 0.3)
    than the Fourier parameterizations (0.05 and 0.01), so that 128 steps give a visible
    picture."""
    pixel = dict(param="pixel", transforms=None, regularizers=(), lr=0.3)
    return {
        "none": pixel,
        # Simonyan et al.: L2 decay of the image (here towards grey), weighed against the logit
        "L2 decay": {**pixel, "regularizers": (regularizers.l2(2000.0),)},
        # Yosinski et al.: Gaussian blur of radius 1 px every 4 steps
        "blur": {**pixel, "regularizers": (regularizers.blur(1.0, 4),)},
        # cs231n: a random shift of up to 16 px at every step
        "jitter": {**pixel, "transforms": (transforms.jitter(16),)},
        # Lucid: Fourier + colour-decorrelated image, pad/jitter/scale/rotate, Adam lr 0.05
        "Fourier + transforms": dict(param="fourier", transforms="standard", regularizers=(),
                                     lr=0.05),
        # lh.visualize_class's defaults: a 1/f**1.75 spectrum, Adam lr 0.01 (no speckle)
        "class recipe": dict(param=CLASS_PARAM, transforms="standard", regularizers=(),
                             lr=CLASS_LR),
    }


CLASS_PRESETS: dict[str, dict[str, Any]] = _presets()
DEFAULT_PRESET = "class recipe"


def visualize_class_preset(
    model: ZooModel | keras.Model,
    class_index: int | str | Iterable[int | str],
    preset: str = DEFAULT_PRESET,
    *,
    steps: int = 256,
    size: int = 224,
    seed: int = 0,
    progress: bool = True,
    **options: Any,
) -> OptimizationResult:
    """``lh.visualize_class`` with a named regularization preset (see ``CLASS_PRESETS``)."""
    if preset not in CLASS_PRESETS:
        raise UnknownNameError(
            f"unknown preset {preset!r}; choose one of {', '.join(CLASS_PRESETS)}"
        )
    settings = {**CLASS_PRESETS[preset], **options}
    return visualize_class(
        model, class_index, steps=steps, size=size, seed=seed, progress=progress, **settings
    )


def compare_class_presets(
    model: ZooModel | keras.Model,
    class_index: int | str = "flamingo",
    presets: Sequence[str] | None = None,
    *,
    steps: int = 128,
    size: int = 224,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, OptimizationResult]:
    """The same class under several presets (default: all), same steps and seed each."""
    names = list(CLASS_PRESETS) if presets is None else list(presets)
    return {
        name: visualize_class_preset(
            model, [class_index], name, steps=steps, size=size, seed=seed, progress=progress
        )
        for name in names
    }


def plot_preset_comparison(
    results: dict[str, OptimizationResult],
    view_probs: dict[str, np.ndarray] | None = None,
    panel_size: float = 2.35,
    suptitle: str | None = None,
):
    """Pictures (one per preset) and their objective curves (one plot): a row of pictures
    with the curves below, or two rows with the curves beside them when one row would be
    wider than a slide.

    ``view_probs`` (preset -> probabilities from :func:`view_probabilities`) adds the mean
    probability of the class over random views of the picture.  Returns the figure.
    """
    import matplotlib.pyplot as plt

    from .figures import SLIDE_RULES, row_height

    names = list(results)
    titles = []
    for name in names:
        title = name
        if view_probs is not None and name in view_probs:
            values = np.asarray(view_probs[name]).ravel()
            title += f"\np = {values.mean():.2f} in {values.size} random views"
        titles.append(title)
    slide_in = 0.96 * SLIDE_RULES.max_width_px / SLIDE_RULES.min_dpi
    lines = max(title.count("\n") + 1 for title in titles)
    if panel_size * len(names) <= slide_in:  # one row of pictures, the curves below
        rows, columns = 1, len(names)
        top = row_height(panel_size, lines)
        fig = plt.figure(figsize=(panel_size * columns, top + 0.85 * panel_size + 0.5
                                  + (0.4 if suptitle else 0.0)), layout="constrained")
        grid = fig.add_gridspec(2, columns, height_ratios=[top, 0.85 * panel_size + 0.5])
        ax_curves = fig.add_subplot(grid[1, :])
    else:  # too many for one row: two rows of pictures, the curves beside them
        rows, columns, curves_in = 2, -(-len(names) // 2), 4.2
        panel_size = min(panel_size, (slide_in - curves_in) / columns)
        top = row_height(panel_size, lines)
        fig = plt.figure(figsize=(panel_size * columns + curves_in,
                                  rows * top + (0.4 if suptitle else 0.0)), layout="constrained")
        grid = fig.add_gridspec(rows, columns + 1,
                                width_ratios=[panel_size] * columns + [curves_in])
        ax_curves = fig.add_subplot(grid[:, columns])
    for index, (name, title) in enumerate(zip(names, titles, strict=True)):
        result = results[name]
        ax_image = fig.add_subplot(grid[index // columns, index % columns])
        ax_image.imshow(result.images[0])
        ax_image.axis("off")
        ax_image.set_title(title, fontsize=10)
        curve = result.history[0]
        ax_curves.plot(np.arange(1, curve.size + 1), curve, label=name)
    ax_curves.set_xlabel("step")
    ax_curves.set_ylabel("objective (logit)")
    ax_curves.grid(alpha=0.3)
    if rows == 1:
        ax_curves.legend(fontsize=10, loc="upper left", ncol=len(names))
    else:
        ax_curves.legend(fontsize=10, loc="lower right", ncol=2)
    if suptitle:
        fig.suptitle(suptitle)
    from .figures import mark_palette

    return mark_palette(fig)
