"""The course's exercises, one row each: the only place an exercise's number is written.

A row gives what a student reads about an exercise: its number ("1.2"), title, notebook, slide
and the signature of the function to write.  The :class:`~._core.Exercise` records of
``channels``, ``ascent``, ``class_neurons`` and ``grad_cam`` take these from here
(:func:`listed`), and so do the checkers' docstrings in ``lh.check`` (built at import).  The
feedback, the student edition's stubs and nbgrader's stderr line all say ``Exercise.number``,
so renumbering an exercise is one edit here (then re-execute its notebook: the committed
outputs show the number).

The rows are in the notebooks' order; a key is the function's name, the checker's name and
nbgrader's ``grade_id``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any, NamedTuple

from ._core import Exercise

__all__ = ["ROWS", "TABLE", "Row", "checker_doc", "listed"]


class Row(NamedTuple):
    key: str  # "channel_grid"
    number: str  # "1.3"
    title: str  # "The channel grid"
    notebook: str  # "01_channels"
    slide: str  # the slide the exercise comes from
    signature: str  # "channel_grid(activation, cols)"


_CHANNELS = ("01_channels", "Guided Demonstration: Visualize Channels")
_FILTERS = ("02_filters", "Optimize Filters for Input")
_CLASS_NEURONS = ("03_class_neurons", "Visualizing Filters: Class Neuron")
_GRAD_CAM = ("04_grad_cam", "Grad CAM, Guided Demo")

ROWS: tuple[Row, ...] = (
    Row("prepare_image_for_display", "1.1", "An image for display", *_CHANNELS,
        "prepare_image_for_display(img)"),
    Row("activation_model", "1.2", "A model with many outputs", *_CHANNELS,
        "activation_model(model, layer_names)"),
    Row("channel_grid", "1.3", "The channel grid", *_CHANNELS,
        "channel_grid(activation, cols)"),
    Row("ascent_step", "2.1", "One step of gradient ascent, with the trick", *_FILTERS,
        "ascent_step(new_model, I, filter_index, eta)"),
    Row("gradient_ascent", "2.2", "The loop", *_FILTERS,
        "gradient_ascent(new_model, filter_index, step, steps, eta, size)"),
    Row("plain_ascent_step", "2.3", "The step without the trick", *_FILTERS,
        "plain_ascent_step(new_model, I, filter_index, eta)"),
    Row("class_step", "3.1", "Gradient ascent on a class score", *_CLASS_NEURONS,
        "class_step(score_model, I, class_index, eta)"),
    Row("vanilla_saliency", "3.2", "Vanilla saliency", *_CLASS_NEURONS,
        "vanilla_saliency(score_model, image, class_index)"),
    Row("channel_weights", "4.1", "One weight per channel: α", *_GRAD_CAM,
        "channel_weights(grads)"),
    Row("grad_cam_heatmap", "4.2", "The heatmap S", *_GRAD_CAM,
        "grad_cam_heatmap(A, alpha)"),
)

TABLE: dict[str, Row] = {row.key: row for row in ROWS}


def listed(key: str, reference: Callable, **checks: Any) -> Exercise:
    """The exercise ``key`` of the table, checked against ``reference`` as ``checks`` say.

    ``checks``: ``cases``, ``compare`` and optionally ``observe`` and ``explain`` (see
    :class:`~._core.Exercise`).
    """
    return Exercise(**TABLE[key]._asdict(), reference=reference, **checks)


def checker_doc(key: str, reference: Callable) -> str:
    """The docstring of ``lh.check.<key>``: the exercise as the table has it, and its reference."""
    row = TABLE[key]
    summary = " ".join((reference.__doc__ or "").split("\n\n")[0].split())
    paragraphs = (
        f"Notebook {row.notebook}, slide '{row.slide}'.  The reference solution, "
        f"``lh.check.reference.{key}``: {summary}",
        "Runs ``function`` on the exercise's cases, shows one short message naming the first "
        "mistake, and returns the function the rest of the notebook uses: ``function`` when it "
        "passed, else the reference.",
    )
    head = f"Exercise {row.number}: ``{row.signature}``, \"{row.title}\"."
    return "\n\n".join([head, *(textwrap.fill(text, 92) for text in paragraphs)])
