"""The checks of one step of gradient ascent: ``ascent_step`` and ``plain_ascent_step``.

A wrong step is named by what it did to ``I``: the direction of the change (the gradient, its
opposite, the gradient of channels ``0..filter_index-1``) and its size (raw gradient, L2 norm
instead of RMS, eta forgotten or applied twice).  The helpers that compare a step with the
reference's serve ``class_step`` (notebook 3) as well.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from .._quiet import tf
from ._core import Case

# A step "points the right way" when its cosine with a direction is above this.
SAME_DIRECTION = 0.99


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


# --- ascent_step and plain_ascent_step: one step ------------------------------------------


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


def _unpack_step(case: Case, got: Any, expected: Any) -> tuple:
    """(value returned, I after) of the student's step and of the reference's, and I before."""
    (value, after), (expected_value, expected_after) = got, expected
    return value, after, expected_value, expected_after, case.args[1].numpy()


def _not_moved(after: np.ndarray, image: np.ndarray, update: str) -> str | None:
    """Why I after the step is no step at all (None: I moved, to finite values)."""
    if not np.all(np.isfinite(after)):
        return "I has NaN or infinite values after the step"
    if np.array_equal(after, image):
        return (
            f"I did not change: `I += ...` or `I = I + ...` makes a new tensor; update the "
            f"variable in place with {update}"
        )
    return None


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
    value, after, expected_value, expected_after, image = _unpack_step(case, got, expected)
    new_model, _, filter_index, _ = case.args
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
    problem = _not_moved(after, image, "I.assign_add(...)")
    if problem:
        return problem
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
