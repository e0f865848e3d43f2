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
from .table import ROWS, checker_doc

__all__ = [
    "Case", "Exercise", "Feedback", "exercises", "run", "reference",
    "prepare_image_for_display", "activation_model", "channel_grid",
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
    """``lh.check.<key>``: named like the exercise, its docstring built from the table."""

    def checker(function: Any) -> Callable:
        return _check(exercise(key), function)

    checker.__name__ = checker.__qualname__ = key
    checker.__doc__ = checker_doc(key, getattr(reference, key))
    return checker


prepare_image_for_display = _checker("prepare_image_for_display")
activation_model = _checker("activation_model")
channel_grid = _checker("channel_grid")
ascent_step = _checker("ascent_step")
gradient_ascent = _checker("gradient_ascent")
plain_ascent_step = _checker("plain_ascent_step")
class_step = _checker("class_step")
vanilla_saliency = _checker("vanilla_saliency")
channel_weights = _checker("channel_weights")
grad_cam_heatmap = _checker("grad_cam_heatmap")

__doc__ = (__doc__ or "") + "\nThe exercises (``lecture_helpers/check/table.py``)::\n\n" + "".join(
    f"    {row.number}  {row.key:<27}{row.notebook}, {row.title}\n" for row in ROWS
)
