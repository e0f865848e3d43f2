"""Notebook 2 (slide "Optimize Filters for Input"): gradient ascent on one filter's output.

2.1 ``ascent_step``: one step ``I <- I + eta * g / RMS(g)`` on the mean of channel
``filter_index`` (the slide's "trick": divide the gradient by its root mean square).
2.2 ``gradient_ascent``: the loop from ``I = 0``, checked with spy steps that record their
calls.  2.3 ``plain_ascent_step``: the same step without the trick.

The cases use a tiny two-layer convnet built in code (seeded weights), so a check takes a
fraction of a second.  A wrong step is named by what it did to ``I``: the direction of the
change (the gradient, its opposite, the gradient of channels ``0..filter_index-1``) and its
size (raw gradient, L2 norm instead of RMS, eta forgotten or applied twice).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from .._quiet import tf
from ..optimize.engine import GRADIENT_EPSILON
from ._core import Case, Exercise, fresh

__all__ = ["EXERCISES", "ascent_step", "gradient_ascent", "plain_ascent_step"]

SLIDE = "Optimize Filters for Input"

# A step "points the right way" when its cosine with a direction is above this.
SAME_DIRECTION = 0.99


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


# --- shared comparison helpers (also used by class_neurons) -------------------------------


def _num(x: float) -> str:
    """A number with 3 significant digits; whole numbers as 1.0, 10.0."""
    x = float(f"{float(x):.3g}")
    if x == round(x) and abs(x) < 1e6:
        return f"{x:.1f}"
    return f"{x:.3g}"


def _scalar(value: Any, what: str) -> tuple[float | None, str | None]:
    """A float from a float, a 0-d tensor or array; else a message naming what came back."""
    if value is None:
        return None, f"returned None: return {what} (a float)"
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"returned a {type(value).__name__}: return {what} (a float)"
    if array.size != 1:
        return None, f"returned an array of shape {array.shape}: return {what}, one number"
    return float(array.reshape(())), None


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norms) if norms > 0 else 0.0


def _scale(step: np.ndarray, expected: np.ndarray) -> float:
    """k in step ≈ k * expected (least squares)."""
    e = np.ravel(expected).astype(np.float64)
    return float(np.ravel(step).astype(np.float64) @ e / (e @ e))


def _near(a: float, b: float, rel: float = 0.02) -> bool:
    return abs(a - b) <= rel * abs(b)


def _close_values(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-3 * abs(b) + 1e-6


def _step_close(step: np.ndarray, expected: np.ndarray) -> bool:
    tolerance = 2e-3 * float(np.max(np.abs(expected))) + 1e-6
    return bool(np.all(np.abs(step - expected) <= tolerance))


def _where_differs(got: np.ndarray, expected: np.ndarray, start: np.ndarray) -> str:
    """The generic fallback: where I after the step differs most, and by how much."""
    difference = np.abs(got - expected)
    _, row, column, channel = np.unravel_index(np.argmax(difference), difference.shape)
    at = (0, row, column, channel)
    return (
        f"I after the step is off by up to {_num(difference[at])}: at row {row}, column "
        f"{column}, channel {channel} it moved by {_num(got[at] - start[at])}, expected "
        f"{_num(expected[at] - start[at])}"
    )


def _eta_message(k: float, eta: float) -> str | None:
    if eta != 1 and (_near(k, 1 / eta) or _near(k, eta)):
        return (
            f"the step is {_num(k)} times the size eta={_num(eta)} asks for: multiply the "
            f"gradient by eta once"
        )
    return None


def _size_message(k: float, size: str) -> str | None:
    """A step in the right direction but of the wrong size (None when the size is right)."""
    if _near(k, 1.0, 0.05):
        return None
    return f"the step points the right way but is {_num(k)} times the size of {size}"


# --- 2.1 and 2.3: one step ------------------------------------------------------------------


def _objective_and_gradient(
    new_model: keras.Model, image: np.ndarray, channels: int | slice
) -> tuple[float, np.ndarray]:
    """The mean of new_model(I)[..., channels] and its raw gradient with respect to I."""
    x = tf.constant(image)
    with tf.GradientTape() as tape:
        tape.watch(x)
        objective = tf.reduce_mean(new_model(x)[..., channels])
    return float(objective), tape.gradient(objective, x).numpy()


def _channels_text(filter_index: int) -> str:
    return "channel 0" if filter_index == 1 else f"channels 0 to {filter_index - 1} together"


def _slice_hint(filter_index: int) -> str:
    return (
        f"you maximized {_channels_text(filter_index)}: [:, :, :, :filter_index] (the slide's "
        f"typo) takes channels 0..filter_index-1; take one channel, new_model(I)[..., "
        f"filter_index]"
    )


def _unchanged_hint(update: str) -> str:
    return (
        f"I did not change: `I += ...` or `I = I + ...` makes a new tensor; update the "
        f"variable in place with {update}"
    )


def _step_mistake(case: Case, step: np.ndarray, expected: np.ndarray, trick: bool) -> str:
    """Name what a wrong step did: its direction first, then its size."""
    new_model, start, filter_index, eta = case.args
    image = start.numpy()
    _, gradient = _objective_and_gradient(new_model, image, filter_index)
    rms = float(np.sqrt(np.mean(np.square(gradient))))
    if _cosine(step, gradient) > SAME_DIRECTION:
        k = _scale(step, expected)
        positions = int(np.prod(new_model(image).shape[1:3]))
        if trick and _near(k, rms):
            return (
                "I moved by the raw gradient: divide it by its RMS, sqrt(mean(grad**2)) "
                "(the slide's 'trick')"
            )
        if trick and _near(k, 1 / np.sqrt(gradient.size)):
            return (
                f"you divided by the L2 norm (tf.norm) of the gradient, so the step is "
                f"{_num(np.sqrt(gradient.size))} times smaller (the square root of its "
                f"{gradient.size} values): divide by the RMS, sqrt(mean(grad**2))"
            )
        if not trick and _near(k, 1 / rms):
            return (
                "you still divide by the RMS: without the trick the step is eta times the "
                "raw gradient"
            )
        if not trick and _near(k, 1 / np.linalg.norm(gradient)):
            return (
                "you still divide the gradient by its norm: without the trick the step is "
                "eta times the raw gradient"
            )
        if not trick and _near(k, positions):
            return (
                f"the step is {positions} times too large: the objective is the sum over "
                f"positions: use tf.reduce_mean"
            )
        size = "eta * gradient / RMS" if trick else "eta * gradient"
        named = _eta_message(k, eta) or _size_message(k, size)
        if named:
            return named
    if _cosine(step, -gradient) > SAME_DIRECTION:
        return "I moved against the gradient: gradient ascent adds eta * the gradient to I"
    if filter_index > 0:
        _, typo = _objective_and_gradient(new_model, image, slice(0, filter_index))
        if _cosine(step, typo) > SAME_DIRECTION:
            return _slice_hint(filter_index)
    return _where_differs(image + step, image + expected, image)


def _compare_step(case: Case, got: Any, expected: Any, trick: bool) -> str | None:
    value, after = got
    expected_value, expected_after = expected
    new_model, start, filter_index, _ = case.args
    image = start.numpy()
    number, problem = _scalar(value, "the objective before the step")
    if problem:
        return problem
    if np.isnan(number):
        if filter_index == 0:
            return (
                "the objective is NaN: new_model(I)[:, :, :, :filter_index] (the slide's "
                "typo) is empty for filter_index=0; take one channel, new_model(I)[..., "
                "filter_index]"
            )
        return "the objective is NaN: take the mean of channel filter_index of new_model(I)"
    if not np.all(np.isfinite(after)):
        return "I has NaN or infinite values after the step"
    if np.array_equal(after, image):
        return _unchanged_hint("I.assign_add(...)")
    step, expected_step = after - image, expected_after - image
    if not _step_close(step, expected_step):
        return _step_mistake(case, step, expected_step, trick)
    if _close_values(number, expected_value):
        return None
    positions = int(np.prod(new_model(image).shape[1:3]))
    if _near(number, positions * expected_value, 1e-3):
        return (
            f"the objective is the sum over positions ({positions} times the mean): use "
            f"tf.reduce_mean"
        )
    after_value, _ = _objective_and_gradient(new_model, expected_after, filter_index)
    if _close_values(number, after_value):
        return (
            f"you returned the objective after the step ({_num(number)}): return the value "
            f"whose gradient you took, {_num(expected_value)}"
        )
    return (
        f"returned {_num(number)}, expected the objective before the step, "
        f"{_num(expected_value)}"
    )


def _compare_ascent_step(case: Case, got: Any, expected: Any) -> str | None:
    return _compare_step(case, got, expected, trick=True)


def _compare_plain_step(case: Case, got: Any, expected: Any) -> str | None:
    return _compare_step(case, got, expected, trick=False)


def explain_step_error(error: BaseException, objective: str, update: str) -> str | None:
    """Hints for the errors a step raises: `I += ...` on a variable; a None gradient."""
    text = str(error)
    if isinstance(error, RuntimeError) and "tf.Variable" in text:
        return f"`I += ...` cannot update a tf.Variable: update the variable in place with {update}"
    if isinstance(error, TypeError | ValueError | AttributeError) and (
        "NoneType" in text or "(None)" in text
    ):
        return (
            f"tape.gradient returned None: compute {objective} inside the `with "
            "tf.GradientTape()` block, from I"
        )
    return None


def _explain_step(error: BaseException, case: Case) -> str | None:
    return explain_step_error(error, "the objective", "I.assign_add(...)")


# --- 2.2: the loop -----------------------------------------------------------------------


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
    Exercise(
        key="ascent_step",
        number="2.1",
        notebook="02_filters",
        title="One step of gradient ascent, with the trick",
        slide=SLIDE,
        signature="ascent_step(new_model, I, filter_index, eta)",
        reference=ascent_step,
        cases=_step_cases,
        compare=_compare_ascent_step,
        observe=_observe_step,
        explain=_explain_step,
    ),
    Exercise(
        key="gradient_ascent",
        number="2.2",
        notebook="02_filters",
        title="The loop",
        slide=SLIDE,
        signature="gradient_ascent(new_model, filter_index, step, steps, eta, size)",
        reference=gradient_ascent,
        cases=_loop_cases,
        compare=_compare_loop,
        observe=_observe_loop,
    ),
    Exercise(
        key="plain_ascent_step",
        number="2.3",
        notebook="02_filters",
        title="The step without the trick",
        slide=SLIDE,
        signature="plain_ascent_step(new_model, I, filter_index, eta)",
        reference=plain_ascent_step,
        cases=_step_cases,
        compare=_compare_plain_step,
        observe=_observe_step,
        explain=_explain_step,
    ),
]
