"""Notebook 3 (slide "Visualizing Filters: Class Neuron"): a class score's gradient.

The exercises, in the notebook's order (their numbers, titles and slide: ``table.py``):
``class_step``, one step ``I <- clip(I + eta * g / RMS(g), 0, 255)`` where ``g`` is the
gradient of the class score ``f_c`` (the logit, before the softmax); ``vanilla_saliency``, the
map ``max over colours of |df_c/dI|``.

The cases use a tiny classifier built in code (rescaling, one ReLU convolution, global
average pooling, five logits; seeded weights) whose softmax is far from saturated on grey
noise, so the softmax's gradient points clearly elsewhere than the logit's.  A wrong step is
named by the direction it moved I (cosine with the gradient of each thing one might have
maximized: the softmax, another class, the sum of all scores) and then by its size.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from .._quiet import tf
from ..optimize.engine import GRADIENT_EPSILON
from ._ascent_step import (
    SAME_DIRECTION,
    _close_values,
    _cosine,
    _eta_message,
    _near,
    _not_moved,
    _num,
    _scalar,
    _scale,
    _size_message,
    _step_close,
    _unpack_step,
    _where_differs,
    explain_step_error,
)
from ._core import Case, Exercise, fresh
from .table import listed

__all__ = ["EXERCISES", "class_step", "vanilla_saliency"]

CLASSES = 5
# A pixel counts as clipped when it is this close to 0 or 255.
_EDGE = 1e-3


# --- reference solutions (the notebook's) -------------------------------------------------


def class_step(score_model: keras.Model, I: tf.Variable, class_index: int, eta: float) -> float:  # noqa: E741
    """One step of gradient ascent on the class score f_c, I kept in [0, 255]; returns f_c."""
    with tf.GradientTape() as tape:
        tape.watch(I)
        f_c = score_model(I)[0, class_index]  # the class score, before the softmax
    grad = tape.gradient(f_c, I)
    grad /= tf.sqrt(tf.reduce_mean(tf.square(grad))) + GRADIENT_EPSILON  # the trick
    I.assign(tf.clip_by_value(I + eta * grad, 0.0, 255.0))
    return float(f_c)


def vanilla_saliency(score_model: keras.Model, image: np.ndarray, class_index: int) -> np.ndarray:
    """The (H, W) map max over colour channels of |df_c/dI| at ``image`` (H, W, 3)."""
    x = tf.convert_to_tensor(image[None], dtype=tf.float32)  # a batch of one
    with tf.GradientTape() as tape:
        tape.watch(x)
        f_c = score_model(x)[0, class_index]
    grads = tape.gradient(f_c, x)[0]  # (H, W, 3)
    return tf.reduce_max(tf.abs(grads), axis=-1).numpy()


# --- the tiny classifier and the cases ------------------------------------------------------


@functools.lru_cache(maxsize=1)
def classifier_model() -> keras.Model:
    """A tiny classifier of [0, 255] images returning 5 logits (no softmax), seeded weights.

    The dense weights share a common part, so the classes' gradients overlap and the
    softmax's gradient (which subtracts the others') differs clearly from the logit's.
    """
    rng = np.random.default_rng(7)
    inputs = keras.Input((None, None, 3))
    conv = keras.layers.Conv2D(8, 3, activation="relu")
    dense = keras.layers.Dense(CLASSES)
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    x = keras.layers.GlobalAveragePooling2D()(conv(x))
    model = keras.Model(inputs, dense(x), name="tiny_classifier")
    conv.set_weights([
        rng.normal(0.0, 2.0, (3, 3, 3, 8)).astype(np.float32),
        rng.normal(0.0, 0.05, 8).astype(np.float32),
    ])
    kernel = rng.normal(0.0, 1.0, (8, CLASSES)) + rng.normal(0.0, 1.0, (8, 1))
    dense.set_weights([kernel.astype(np.float32), rng.normal(0.0, 0.3, CLASSES).astype(np.float32)])
    return model


def _grey_noise(height: int, width: int, seed: int, level: float = 127.0, spread: float = 8.0):
    noise = np.random.default_rng(seed).normal(0.0, 1.0, (height, width, 3))
    return np.clip(level + spread * noise, 0, 255).astype(np.float32)


@functools.lru_cache(maxsize=4)
def _step_cases() -> tuple[Case, ...]:
    model = classifier_model()

    def start(image: np.ndarray) -> tf.Variable:
        return tf.Variable(image[None])

    return (
        Case(
            "a 32x32 grey noise image, class 3, eta 1",
            (model, start(_grey_noise(32, 32, 1)), 3, 1.0),
        ),
        Case(
            "a 32x32 grey noise image, class 0, eta 8",
            (model, start(_grey_noise(32, 32, 2)), 0, 8.0),
        ),
        Case(
            "a near-white 32x32 image (pixels near 250), class 0, eta 40",
            (model, start(_grey_noise(32, 32, 3, level=248.0, spread=4.0)), 0, 40.0),
        ),
    )


def _observe_step(function: Callable, case: Case) -> tuple[Any, np.ndarray]:
    """(what the step returned, the variable I after the call)."""
    model, I, class_index, eta = fresh(case.args)  # noqa: E741
    value = function(model, I, class_index, eta)
    return value, np.array(I.numpy())


# --- the gradients of everything one might maximize ----------------------------------------


def _gradients(model: keras.Model, image: np.ndarray, class_index: int) -> dict[str, Any]:
    """Scores and gradients at ``image`` (a batch of one): every logit, the softmax, the sum."""
    x = tf.constant(image)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        logits = model(x)[0]
        probability = tf.nn.softmax(logits)[class_index]
        log_probability = tf.nn.log_softmax(logits)[class_index]
        scores = [logits[j] for j in range(logits.shape[0])]
        total = tf.reduce_sum(logits)
    found = {
        "logits": logits.numpy(),
        "probability": float(probability),
        "log_probability": float(log_probability),
        "classes": [tape.gradient(score, x).numpy() for score in scores],
        "softmax": tape.gradient(probability, x).numpy(),
        "log_softmax": tape.gradient(log_probability, x).numpy(),
        "sum": tape.gradient(total, x).numpy(),
    }
    del tape
    return found


def _softmax_hint(value: float | None, found: dict[str, Any]) -> str:
    name = "softmax"
    if value is not None and _close_values(value, found["log_probability"]):
        name = "log-softmax"
    return (
        f"you maximized the {name}; the slide maximizes the class score before the softmax: "
        f"f_c = score_model(I)[0, class_index]"
    )


def _wrong_class_hint(raised: int, class_index: int) -> str:
    return f"you raised class {raised}'s score, not class_index={class_index}"


_SUM_HINT = (
    "you maximized the sum of all class scores; f_c is one of them: "
    "score_model(I)[0, class_index]"
)


# --- class_step: one step on a class score -------------------------------------------------


def _class_step_mistake(
    case: Case, after: np.ndarray, expected_after: np.ndarray, value: float
) -> str:
    """Name what a wrong step did, from its direction on the pixels not clipped."""
    model, start, class_index, eta = case.args
    image = start.numpy()
    found = _gradients(model, image, class_index)
    inside = (
        (expected_after > _EDGE) & (expected_after < 255 - _EDGE)
        & (after > _EDGE) & (after < 255 - _EDGE)
    )
    step, expected = (after - image)[inside], (expected_after - image)[inside]
    gradient = found["classes"][class_index]
    if _cosine(step, gradient[inside]) > SAME_DIRECTION:
        k = _scale(step, expected)
        if _near(k, float(np.sqrt(np.mean(np.square(gradient))))):
            return (
                "I moved by the raw gradient: divide it by its RMS, sqrt(mean(grad**2)) "
                "(the slide's 'trick')"
            )
        if _near(k, 1 / np.sqrt(gradient.size)):
            return (
                f"you divided by the L2 norm (tf.norm) of the gradient, so the step is "
                f"{_num(np.sqrt(gradient.size))} times smaller (the square root of its "
                f"{gradient.size} values): divide by the RMS, sqrt(mean(grad**2))"
            )
        named = _eta_message(k, eta) or _size_message(k, "eta * gradient / RMS")
        if named:
            return named
    if _cosine(step, -gradient[inside]) > SAME_DIRECTION:
        return "I moved against the gradient: gradient ascent adds eta * the gradient to I"
    if _cosine(step, found["softmax"][inside]) > SAME_DIRECTION:
        return _softmax_hint(value, found)
    for other, other_gradient in enumerate(found["classes"]):
        if other != class_index and _cosine(step, other_gradient[inside]) > SAME_DIRECTION:
            return _wrong_class_hint(other, class_index)
    if _cosine(step, found["sum"][inside]) > SAME_DIRECTION:
        return _SUM_HINT
    return _where_differs(after, expected_after, image)


def _compare_class_step(case: Case, got: Any, expected: Any) -> str | None:
    value, after, expected_value, expected_after, image = _unpack_step(case, got, expected)
    model, _, class_index, _ = case.args
    number, problem = _scalar(value, "f_c before the step")
    if problem:
        return problem
    problem = _not_moved(after, image, "I.assign(tf.clip_by_value(...))")
    if problem:
        return problem
    if after.max() > 255 + _EDGE:
        return (
            f"pixels left [0, 255] (up to {after.max():.1f}): clip I to [0, 255] after the step"
        )
    if after.min() < -_EDGE:
        return (
            f"pixels left [0, 255] (down to {after.min():.1f}): clip I to [0, 255] after the "
            f"step"
        )
    if not _step_close(after - image, expected_after - image):
        return _class_step_mistake(case, after, expected_after, number)
    if _close_values(number, expected_value):
        return None
    found = _gradients(model, image, class_index)
    if _close_values(number, found["probability"]):
        return (
            f"you returned the softmax probability ({_num(number)}): return the class score "
            f"f_c before the softmax, {_num(expected_value)}"
        )
    after_score = float(model(tf.constant(expected_after))[0, class_index])
    if _close_values(number, after_score):
        return (
            f"you returned f_c after the step ({_num(number)}): return the score whose "
            f"gradient you took, {_num(expected_value)}"
        )
    return f"returned {_num(number)}, expected f_c before the step, {_num(expected_value)}"


def _explain_gradient(error: BaseException, case: Case) -> str | None:
    return explain_step_error(error, "f_c", "I.assign(tf.clip_by_value(...))")


# --- vanilla_saliency ----------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _saliency_cases() -> tuple[Case, ...]:
    model = classifier_model()
    rows, columns = np.mgrid[0:24, 0:40]
    wave = 30.0 * np.sin(columns / 5.0)[..., None] * np.cos(rows / 7.0)[..., None]
    wide = np.clip(_grey_noise(24, 40, 5) + wave, 0, 255).astype(np.float32)
    return (
        Case("a 32x32 grey noise image, class 3", (model, _grey_noise(32, 32, 4), 3)),
        Case("a 24x40 image (24 rows, 40 columns), class 0", (model, wide, 0)),
    )


def _colour_max(gradient: np.ndarray) -> np.ndarray:
    return np.abs(gradient[0]).max(axis=-1)


def _saliency_mistake(case: Case, got: np.ndarray, expected: np.ndarray) -> str | None:
    """Name the map it is: another reduction over colours, another score, or a rescaled map."""
    model, image, class_index = case.args
    found = _gradients(model, image[None].astype(np.float32), class_index)
    gradient = found["classes"][class_index][0]

    def same(candidate: np.ndarray) -> bool:
        scale = max(float(np.max(np.abs(candidate))), float(np.max(np.abs(expected))))
        return bool(np.all(np.abs(got - candidate) <= 1e-3 * scale + 1e-12))

    if got.shape[0] == got.shape[1] and same(expected.T):
        return "rows and columns are swapped: the map is (height, width), like the image"
    if same(gradient.max(axis=-1)):
        return "negative gradients vanished: take |∂f_c/∂I| before the max over colours"
    for reduce, verb in ((np.mean, "averaged"), (np.sum, "summed")):
        if same(reduce(np.abs(gradient), axis=-1)) or same(reduce(gradient, axis=-1)):
            return f"you {verb} over the colour channels; the slide takes the max"
    if same(_colour_max(found["softmax"])) or same(_colour_max(found["log_softmax"])):
        value = found["log_probability"] if same(_colour_max(found["log_softmax"])) else None
        return _softmax_hint(value, found)
    for other, other_gradient in enumerate(found["classes"]):
        if other != class_index and same(_colour_max(other_gradient)):
            return f"you took the gradient of class {other}'s score, not class_index={class_index}"
    if _cosine(got - got.mean(), expected - expected.mean()) > 0.9999:
        return (
            f"the map is scaled (peak {_num(got.max())} instead of {_num(expected.max())}): "
            f"return |∂f_c/∂I| itself, the display normalizes"
        )
    return None


def _compare_saliency(case: Case, got: Any, expected: Any) -> str | None:
    _, image, _ = case.args
    height, width = image.shape[:2]
    if got is None:
        return f"returned None: return the ({height}, {width}) map of |∂f_c/∂I|"
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"returned a {type(got).__name__}: return the ({height}, {width}) map as an array"
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != (height, width):
        if got.shape == (1, height, width):
            return (
                f"the map has shape {got.shape}: drop the batch axis (take "
                f"tape.gradient(...)[0])"
            )
        return (
            f"the map has shape {got.shape}, expected ({height}, {width}): take the max over "
            f"the colour axis, axis=-1"
        )
    if not np.all(np.isfinite(got)):
        return "the map has NaN or infinite values"
    tolerance = 1e-3 * float(np.max(expected)) + 1e-12
    difference = np.abs(got - expected)
    if np.all(difference <= tolerance):
        return None
    named = _saliency_mistake(case, got, expected)
    if named:
        return named
    row, column = np.unravel_index(np.argmax(difference), difference.shape)
    return (
        f"the map at row {row}, column {column} is {_num(got[row, column])}, expected "
        f"{_num(expected[row, column])}"
    )


def _explain_saliency(error: BaseException, case: Case) -> str | None:
    text = str(error)
    if isinstance(error, TypeError | ValueError | AttributeError) and (
        "NoneType" in text or "(None)" in text
    ):
        return "tape.gradient returned None: x is a constant; call tape.watch(x) inside the tape"
    return None


EXERCISES: list[Exercise] = [
    listed(
        "class_step",
        reference=class_step,
        cases=_step_cases,
        compare=_compare_class_step,
        observe=_observe_step,
        explain=_explain_gradient,
    ),
    listed(
        "vanilla_saliency",
        reference=vanilla_saliency,
        cases=_saliency_cases,
        compare=_compare_saliency,
        explain=_explain_saliency,
    ),
]
