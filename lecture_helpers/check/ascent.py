"""Notebook 2 (slide "Optimize Filters for Input"): gradient ascent on one filter's output.

The exercises, in the notebook's order (their numbers, titles and slide: ``table.py``):
``ascent_step``, one step ``I <- I + eta * g / RMS(g)`` on the mean of channel
``filter_index`` (the slide's "trick": divide the gradient by its root mean square);
``gradient_ascent``, the loop from ``I = 0``, checked with spy steps that record their calls;
``plain_ascent_step``, the same step without the trick.

The cases use a tiny two-layer convnet built in code (seeded weights), so a check takes a
fraction of a second.  How a wrong step is named: ``_ascent_step.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from .._quiet import tf
from ..optimize.engine import GRADIENT_EPSILON
from ._ascent_step import SAME_DIRECTION as SAME_DIRECTION
from ._ascent_step import (
    _close_values,
    _compare_ascent_step,
    _compare_plain_step,
    _explain_step,
    _num,
)
from ._ascent_step import explain_step_error as explain_step_error
from ._core import Case, Exercise, fresh
from .table import listed

__all__ = ["EXERCISES", "ascent_step", "gradient_ascent", "plain_ascent_step"]


# --- reference solutions (the notebook's) -------------------------------------------------


def ascent_step(new_model: keras.Model, I: tf.Variable, filter_index: int, eta: float) -> float:  # noqa: E741
    """One step of gradient ascent with the trick; returns the objective before the step."""
    with tf.GradientTape() as tape:
        tape.watch(I)
        channel_out = new_model(I)[:, :, :, filter_index]
        filter_output_to_maximize = tf.reduce_mean(channel_out)
    grad_fn = tape.gradient(filter_output_to_maximize, I)
    grad_fn /= tf.sqrt(tf.reduce_mean(tf.square(grad_fn))) + GRADIENT_EPSILON  # the trick
    I.assign_add(eta * grad_fn)  # one iteration of maximizing
    return float(filter_output_to_maximize)


def gradient_ascent(
    new_model: keras.Model,
    filter_index: int,
    step: Callable,
    steps: int = 30,
    eta: float = 10.0,
    size: int = 64,
) -> tuple[np.ndarray, list[float]]:
    """The slide's loop: ``I`` starts at zeros, ``steps`` calls of ``step``; (image, curve)."""
    I = tf.Variable(np.zeros((1, size, size, 3)), dtype=tf.float32)  # noqa: E741  init to zeros
    curve = []
    for _ in range(steps):
        curve.append(step(new_model, I, filter_index, eta))
    return I.numpy()[0], curve


def plain_ascent_step(
    new_model: keras.Model, I: tf.Variable, filter_index: int, eta: float  # noqa: E741
) -> float:
    """One step of gradient ascent without the trick: ``I += eta * gradient``."""
    with tf.GradientTape() as tape:
        tape.watch(I)
        channel_out = new_model(I)[:, :, :, filter_index]
        filter_output_to_maximize = tf.reduce_mean(channel_out)
    grad_fn = tape.gradient(filter_output_to_maximize, I)
    I.assign_add(eta * grad_fn)
    return float(filter_output_to_maximize)


# --- the tiny model and the cases ----------------------------------------------------------


@functools.lru_cache(maxsize=1)
def filter_model() -> keras.Model:
    """A tiny feature extractor: two 3x3 ReLU convolutions with 8 filters, seeded weights.

    The biases are positive, so most filters answer (with a non-zero gradient) from I = 0.
    """
    rng = np.random.default_rng(14)
    inputs = keras.Input((None, None, 3))
    first = keras.layers.Conv2D(8, 3, activation="relu")
    second = keras.layers.Conv2D(8, 3, activation="relu")
    model = keras.Model(inputs, second(first(inputs)), name="tiny_filters")
    first.set_weights([
        rng.normal(0.0, 0.35, (3, 3, 3, 8)).astype(np.float32),
        rng.uniform(0.02, 0.2, 8).astype(np.float32),
    ])
    second.set_weights([
        rng.normal(0.0, 0.25, (3, 3, 8, 8)).astype(np.float32),
        rng.uniform(0.02, 0.2, 8).astype(np.float32),
    ])
    return model


def _noise_start(size: int, seed: int) -> tf.Variable:
    image = np.random.default_rng(seed).normal(0.0, 1.0, (1, size, size, 3))
    return tf.Variable(image.astype(np.float32))


@functools.lru_cache(maxsize=4)
def _step_cases() -> tuple[Case, ...]:
    model = filter_model()
    return (
        Case("a 16x16 noise image, filter 2, eta 10", (model, _noise_start(16, 1), 2, 10.0)),
        Case("a 20x20 noise image, filter 5, eta 1", (model, _noise_start(20, 2), 5, 1.0)),
        Case("a 16x16 noise image, filter 0, eta 4", (model, _noise_start(16, 3), 0, 4.0)),
    )


def _observe_step(function: Callable, case: Case) -> tuple[Any, np.ndarray]:
    """(what the step returned, the variable I after the call)."""
    new_model, I, filter_index, eta = fresh(case.args)  # noqa: E741
    value = function(new_model, I, filter_index, eta)
    return value, np.array(I.numpy())


# --- gradient_ascent: the loop ------------------------------------------------------------


class StepSpy:
    """A step function that records its calls and makes a known update.

    With ``real`` it also runs that step; without, it adds ``eta`` times a seeded pattern
    (a different one per call) to ``I`` and returns ``0.5 * call number``.
    """

    def __init__(self, model: keras.Model, real: Callable | None = None) -> None:
        self.model, self.real, self.calls = model, real, []

    def __call__(self, new_model, I, filter_index, eta):  # noqa: E741  (the slide's names)
        self.calls.append({
            "model": new_model is self.model,
            "variable": isinstance(I, tf.Variable),
            "type": type(I).__name__,
            "dtype": getattr(getattr(I, "dtype", None), "name", str(getattr(I, "dtype", ""))),
            "I": I.numpy() if isinstance(I, tf.Variable) else np.array(I),
            "filter_index": filter_index,
            "eta": eta,
        })
        if self.real is not None:
            return self.real(new_model, I, filter_index, eta)
        number = len(self.calls)
        if isinstance(I, tf.Variable):
            pattern = np.random.default_rng(number).normal(0.0, 1.0, tuple(I.shape))
            I.assign_add(tf.cast(float(eta) * pattern, I.dtype))
        return 0.5 * number


@functools.lru_cache(maxsize=4)
def _loop_cases() -> tuple[Case, ...]:
    model = filter_model()
    return (
        Case("a spy step, filter 3, 4 steps, eta 2.5, size 16", (model, 3, None, 4, 2.5, 16)),
        Case("a spy step, filter 1, 7 steps, eta 0.5, size 20", (model, 1, None, 7, 0.5, 20)),
        Case(
            "ascent_step on a tiny model, filter 4, 5 steps, eta 10, size 16",
            (model, 4, None, 5, 10.0, 16),
            info={"real": True},
        ),
    )


def _observe_loop(function: Callable, case: Case) -> dict[str, Any]:
    """What the loop returned, and every call it made to the (spy) step."""
    new_model, filter_index, _, steps, eta, size = case.args
    spy = StepSpy(new_model, ascent_step if case.info.get("real") else None)
    result = function(new_model, filter_index, spy, steps, eta, size)
    return {"result": result, "calls": spy.calls}


def _first_call_problem(call: dict, case: Case) -> str | None:
    _, filter_index, _, _, eta, size = case.args
    if not call["variable"]:
        return (
            f"step got I as a {call['type']}: pass a tf.Variable (the slide's trainable "
            f"tensor variable)"
        )
    shape = (1, size, size, 3)
    if call["I"].shape != shape:
        return f"I has shape {call['I'].shape}: size={size} asks for {shape}"
    if call["dtype"] != "float32":
        return f"I is a {call['dtype']} variable: create it with dtype=tf.float32"
    if not call["model"]:
        return "step got a different model: pass new_model on to step"
    if call["filter_index"] != filter_index:
        return (
            f"step got filter_index={call['filter_index']!r}: pass the filter_index argument "
            f"({filter_index})"
        )
    try:
        eta_ok = float(call["eta"]) == float(eta)
    except (TypeError, ValueError):
        eta_ok = False
    if not eta_ok:
        return f"step got eta={call['eta']!r}: pass the eta argument ({_num(eta)})"
    if np.any(call["I"] != 0):
        return (
            f"I must start at zeros (the slide's init): the first step got values up to "
            f"{_num(np.max(np.abs(call['I'])))}"
        )
    return None


def _compare_loop(case: Case, got: Any, expected: Any) -> str | None:
    _, _, _, steps, _, size = case.args
    result, calls = got["result"], got["calls"]
    expected_image, expected_curve = expected["result"]
    expected_calls = expected["calls"]
    if not isinstance(result, tuple | list) or len(result) != 2:
        return f"returned a {type(result).__name__}: return (image, curve)"
    if not calls:
        return (
            "your loop did not call the step it was given: call step(new_model, I, "
            "filter_index, eta)"
        )
    problem = _first_call_problem(calls[0], case)
    if problem:
        return problem
    image, curve = result
    try:
        curve = [float(np.asarray(value)) for value in curve]
    except (TypeError, ValueError):
        return "curve must be a list of numbers: append what step returns"
    if len(curve) != steps:
        return f"curve has {len(curve)} values; steps={steps} asks for {steps} calls of step"
    if len(calls) != steps:
        return f"step was called {len(calls)} times; steps={steps} asks for {steps} calls"
    for number, (call, reference) in enumerate(zip(calls, expected_calls, strict=True)):
        if number and not np.allclose(call["I"], reference["I"], rtol=1e-3, atol=1e-4):
            if not np.any(call["I"]):
                return (
                    f"step {number + 1} started from zeros again: the loop must update one "
                    f"I across steps (create it once, before the loop)"
                )
            return (
                f"step {number + 1} got a different I than step {number} left: the loop must "
                f"update one I across steps"
            )
    image = np.asarray(image)
    if image.shape == (1, size, size, 3):
        return f"image has shape {image.shape}: return I.numpy()[0]"
    if image.shape != (size, size, 3):
        return f"image has shape {image.shape}, expected {(size, size, 3)}: return I.numpy()[0]"
    tolerance = 1e-3 * float(np.max(np.abs(expected_image))) + 1e-5
    difference = np.abs(image - expected_image)
    if np.any(difference > tolerance):
        row, column, channel = np.unravel_index(np.argmax(difference), difference.shape)
        return (
            f"image at row {row}, column {column}, channel {channel} is "
            f"{_num(image[row, column, channel])}, expected "
            f"{_num(expected_image[row, column, channel])}: return I.numpy()[0] after the loop"
        )
    for number, (value, reference) in enumerate(zip(curve, expected_curve, strict=True)):
        if not _close_values(value, float(reference)):
            return (
                f"curve[{number}] is {_num(value)}, expected {_num(reference)}: append what "
                f"step returns, in order"
            )
    return None


EXERCISES: list[Exercise] = [
    listed(
        "ascent_step",
        reference=ascent_step,
        cases=_step_cases,
        compare=_compare_ascent_step,
        observe=_observe_step,
        explain=_explain_step,
    ),
    listed(
        "gradient_ascent",
        reference=gradient_ascent,
        cases=_loop_cases,
        compare=_compare_loop,
        observe=_observe_loop,
    ),
    listed(
        "plain_ascent_step",
        reference=plain_ascent_step,
        cases=_step_cases,
        compare=_compare_plain_step,
        observe=_observe_step,
        explain=_explain_step,
    ),
]
