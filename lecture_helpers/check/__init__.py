"""Exercises with automatic feedback: ``lh.check.<exercise>(your_function)``.

Each notebook has two or three exercises in which the student writes the lecture's own code
(the slides' "Guided Demonstration").  The cell after an exercise checks it::

    channel_grid = lh.check.channel_grid(channel_grid)

The checker runs the function on several cases (layers, channel counts that leave the last row
part-empty, dead channels, ...), compares it with the reference and shows one short coloured
message that names the first mistake in the student's terms.  It returns the function the rest
of the notebook uses: the student's when it passed, otherwise the reference solution, and the
message says so.  Under nbgrader's autograder the same happens, and a failed check scores its
cell 0 (one line on standard error), so one mistake costs one exercise.

:func:`exercises` lists them in notebook order; :func:`run` checks without displaying.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from . import reference
from ._core import Case, Exercise, Feedback
from ._core import check as _check
from ._core import run as _run

__all__ = [
    "Case", "Exercise", "Feedback", "exercises", "run", "reference",
    "activation_model", "channel_grid", "prepare_image_for_display",
    "ascent_step", "gradient_ascent", "plain_ascent_step",
    "class_step", "vanilla_saliency",
    "channel_weights", "grad_cam_heatmap",
]

# One module per notebook; each lists its exercises in EXERCISES.
_MODULES = ("channels", "ascent", "class_neurons", "grad_cam")


def exercises() -> dict[str, Exercise]:
    """Every exercise by key, in notebook order."""
    found: dict[str, Exercise] = {}
    for name in _MODULES:
        module = importlib.import_module(f".{name}", __name__)
        found.update((exercise.key, exercise) for exercise in module.EXERCISES)
    return found


def exercise(key: str) -> Exercise:
    """One exercise by key (its function's name)."""
    known = exercises()
    if key not in known:
        from ..errors import UnknownNameError

        raise UnknownNameError(f"no exercise {key!r}; the exercises are: {', '.join(known)}")
    return known[key]


def run(key: str, function: Any) -> Feedback:
    """Check ``function`` as exercise ``key`` and return the :class:`Feedback` (not shown)."""
    return _run(exercise(key), function)


def _checker(key: str) -> Callable[[Any], Callable]:
    def checker(function: Any) -> Callable:
        return _check(exercise(key), function)

    checker.__name__ = checker.__qualname__ = key
    return checker


def activation_model(function: Any) -> Callable:
    """Exercise 1.2: ``activation_model(model, layer_names)``, the model with many outputs."""
    return _checker("activation_model")(function)


def channel_grid(function: Any) -> Callable:
    """Exercise 1.3: ``channel_grid(activation, cols)``, every channel of a layer in one grid."""
    return _checker("channel_grid")(function)


def prepare_image_for_display(function: Any) -> Callable:
    """Exercise 1.1: ``prepare_image_for_display(img)``, any float array to uint8 pixels."""
    return _checker("prepare_image_for_display")(function)


def ascent_step(function: Any) -> Callable:
    """Exercise 2.1: ``ascent_step(new_model, I, filter_index, eta)``, one step with the trick."""
    return _checker("ascent_step")(function)


def gradient_ascent(function: Any) -> Callable:
    """Exercise 2.2: ``gradient_ascent(new_model, filter_index, step, steps, eta, size)``."""
    return _checker("gradient_ascent")(function)


def plain_ascent_step(function: Any) -> Callable:
    """Exercise 2.3: ``plain_ascent_step(new_model, I, filter_index, eta)``, without the trick."""
    return _checker("plain_ascent_step")(function)


def class_step(function: Any) -> Callable:
    """Exercise 3.1: ``class_step(score_model, I, class_index, eta)``, ascent on a class logit."""
    return _checker("class_step")(function)


def vanilla_saliency(function: Any) -> Callable:
    """Exercise 3.2: ``vanilla_saliency(score_model, image, class_index)``, max_c |df_c/dI|."""
    return _checker("vanilla_saliency")(function)


def channel_weights(function: Any) -> Callable:
    """Exercise 4.1: ``channel_weights(grads)``, Grad-CAM's alpha_k^c."""
    return _checker("channel_weights")(function)


def grad_cam_heatmap(function: Any) -> Callable:
    """Exercise 4.2: ``grad_cam_heatmap(A, alpha)``, S = ReLU(sum_k alpha_k A_k) / S_max."""
    return _checker("grad_cam_heatmap")(function)
