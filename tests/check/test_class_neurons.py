"""The checkers of notebook 3 (lh.check.class_step, lh.check.vanilla_saliency).

Every mistake listed for these exercises is written below as a small wrong function; each
must be reported as "wrong" with its own hint.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

import lecture_helpers as lh  # noqa: F401  (imports TensorFlow quietly first)
from lecture_helpers.check import class_neurons
from lecture_helpers.check._core import run as run_exercise

EXERCISES = {exercise.key: exercise for exercise in class_neurons.EXERCISES}


def check(key, function):
    return run_exercise(EXERCISES[key], function)


# --- the notebook's solutions ---------------------------------------------------------------


def notebook_class_step(score_model, I, class_index, eta):  # noqa: E741
    with tf.GradientTape() as tape:
        tape.watch(I)
        f_c = score_model(I)[0, class_index]  # the class score, before the softmax
    grad = tape.gradient(f_c, I)
    grad /= tf.sqrt(tf.reduce_mean(tf.square(grad))) + 1e-8
    I.assign(tf.clip_by_value(I + eta * grad, 0.0, 255.0))
    return float(f_c)


def tensor_class_step(score_model, I, class_index, eta):  # noqa: E741
    with tf.GradientTape() as tape:
        f_c = score_model(I)[0, class_index]  # a variable is watched without tape.watch
    grad = tape.gradient(f_c, I)
    grad /= tf.norm(grad) / tf.sqrt(tf.cast(tf.size(grad), tf.float32))
    I.assign_add(eta * grad)
    I.assign(tf.clip_by_value(I, 0, 255))
    return f_c  # a 0-d tensor


def notebook_vanilla_saliency(score_model, image, class_index):
    x = tf.convert_to_tensor(image[None], dtype=tf.float32)  # a batch of one
    with tf.GradientTape() as tape:
        tape.watch(x)
        f_c = score_model(x)[0, class_index]
    grads = tape.gradient(f_c, x)[0]  # (H, W, 3)
    return tf.reduce_max(tf.abs(grads), axis=-1).numpy()


def tensor_vanilla_saliency(score_model, image, class_index):
    x = tf.Variable(image[None].astype(np.float64), dtype=tf.float32)
    with tf.GradientTape() as tape:
        f_c = score_model(x)[:, class_index]
    return tf.reduce_max(tf.abs(tape.gradient(f_c, x)), axis=-1)[0]  # a tf.Tensor


@pytest.mark.parametrize(
    ("key", "function"),
    [
        ("class_step", class_neurons.class_step),
        ("class_step", notebook_class_step),
        ("class_step", tensor_class_step),
        ("vanilla_saliency", class_neurons.vanilla_saliency),
        ("vanilla_saliency", notebook_vanilla_saliency),
        ("vanilla_saliency", tensor_vanilla_saliency),
    ],
)
def test_right_solutions_pass(key, function):
    feedback = check(key, function)
    assert feedback.passed, str(feedback)
    assert feedback.cases == len(EXERCISES[key].cases())


@pytest.mark.parametrize("key", list(EXERCISES))
def test_stub_is_not_done(key):
    def stub(*args):
        raise NotImplementedError(EXERCISES[key].stub_message)

    feedback = check(key, stub)
    assert feedback.status == "not done"


@pytest.mark.parametrize("key", list(EXERCISES))
def test_not_a_function(key):
    feedback = check(key, None)
    assert feedback.status == "wrong"
    assert "not a function" in feedback.message


@pytest.mark.parametrize("key", list(EXERCISES))
def test_the_check_does_not_change_its_cases(key):
    cases = EXERCISES[key].cases()

    def saved():
        return [
            [a.numpy().copy() if isinstance(a, tf.Variable) else np.copy(a) for a in c.args[1:]]
            for c in cases
        ]

    before = saved()
    first = str(check(key, EXERCISES[key].reference))
    assert str(check(key, EXERCISES[key].reference)) == first
    for old, new in zip(before, saved(), strict=True):
        for a, b in zip(old, new, strict=True):
            np.testing.assert_array_equal(a, b)


def test_public_entry_point_runs_the_references():
    from lecture_helpers.check import reference, run

    for key in EXERCISES:
        assert run(key, getattr(reference, key)).passed


def test_the_cases_are_not_saturated():
    """The softmax's gradient points clearly elsewhere than the logit's on the first cases."""
    for case in EXERCISES["class_step"].cases()[:2]:
        model, start, class_index, _ = case.args
        found = class_neurons._gradients(model, start.numpy(), class_index)
        assert 0.05 < found["probability"] < 0.5
        gradient = found["classes"][class_index]
        assert class_neurons._cosine(found["softmax"], gradient) < 0.9
        assert int(np.argmax(found["logits"])) != class_index


# --- 3.1: a step on a class score -----------------------------------------------------------


def make_class_step(
    *,
    objective="logit",
    trick=True,
    clip=True,
    sign=1.0,
    update="assign",
    returned="score",
):
    """A class_step with the mistakes chosen by the keywords."""

    def step(score_model, I, class_index, eta):  # noqa: E741
        with tf.GradientTape() as tape:
            tape.watch(I)
            logits = score_model(I)
            if objective == "logit":
                f_c = logits[0, class_index]
            elif objective == "softmax":
                f_c = tf.nn.softmax(logits)[0, class_index]
            elif objective == "log_softmax":
                f_c = tf.nn.log_softmax(logits)[0, class_index]
            elif objective == "next class":
                f_c = logits[0, class_index + 1]
            elif objective == "argmax class":
                f_c = logits[0, int(tf.argmax(logits[0]))]
            else:  # the sum of all class scores
                f_c = tf.reduce_sum(logits)
        grad = tape.gradient(f_c, I)
        if trick:
            grad /= tf.sqrt(tf.reduce_mean(tf.square(grad))) + 1e-8
        new = I + sign * eta * grad
        if clip:
            new = tf.clip_by_value(new, 0.0, 255.0)
        if update == "assign":
            I.assign(new)
        elif update == "iadd":
            I += sign * eta * grad  # noqa: E741  (raises on a tf.Variable)
        else:
            I = new  # noqa: E741, F841
        return float(f_c)

    return step


def class_step_outside_tape(score_model, I, class_index, eta):  # noqa: E741
    f_c = score_model(I)[0, class_index]
    with tf.GradientTape() as tape:
        tape.watch(I)
    grad = tape.gradient(f_c, I)
    grad /= tf.sqrt(tf.reduce_mean(tf.square(grad))) + 1e-8
    I.assign(tf.clip_by_value(I + eta * grad, 0.0, 255.0))
    return float(f_c)


def returns_score_after(score_model, I, class_index, eta):  # noqa: E741
    class_neurons.class_step(score_model, I, class_index, eta)
    return float(score_model(I)[0, class_index])


def returns_probability(score_model, I, class_index, eta):  # noqa: E741
    class_neurons.class_step(score_model, I, class_index, eta)
    return 0.5  # not f_c


CLASS_STEP_MISTAKES = [
    ("softmax", make_class_step(objective="softmax"), [
        "you maximized the softmax; the slide maximizes the class score before the softmax",
        "f_c = score_model(I)[0, class_index]",
    ]),
    ("log-softmax", make_class_step(objective="log_softmax"), [
        "you maximized the log-softmax; the slide maximizes the class score before the softmax"
    ]),
    ("no trick", make_class_step(trick=False), [
        "I moved by the raw gradient: divide it by its RMS"
    ]),
    ("no clipping", make_class_step(clip=False), [
        "pixels left [0, 255] (up to", "clip I to [0, 255] after the step"
    ]),
    ("descent", make_class_step(sign=-1.0), ["I moved against the gradient"]),
    ("I = I + ...", make_class_step(update="rebind"), [
        "I did not change: `I += ...` or `I = I + ...` makes a new tensor",
        "I.assign(tf.clip_by_value(...))",
    ]),
    ("I += on a variable", make_class_step(update="iadd"), [
        "RuntimeError", "`I += ...` cannot update a tf.Variable", "I.assign(tf.clip_by_value(...))"
    ]),
    ("next class", make_class_step(objective="next class"), [
        "you raised class 4's score, not class_index=3"
    ]),
    ("argmax class", make_class_step(objective="argmax class"), [
        "you raised class 2's score, not class_index=3"
    ]),
    ("sum of all scores", make_class_step(objective="sum"), [
        "you maximized the sum of all class scores"
    ]),
    ("f_c outside the tape", class_step_outside_tape, [
        "raised ValueError", "tape.gradient returned None: compute f_c inside the "
        "`with tf.GradientTape()` block, from I",
    ]),
    ("f_c after the step", returns_score_after, [
        "you returned f_c after the step", "return the score whose gradient you took"
    ]),
    ("another number returned", returns_probability, [
        "returned 0.5, expected f_c before the step"
    ]),
]


@pytest.mark.parametrize(
    ("function", "expected"),
    [pytest.param(f, e, id=name) for name, f, e in CLASS_STEP_MISTAKES],
)
def test_class_step_mistakes(function, expected):
    feedback = check("class_step", function)
    assert feedback.status == "wrong", str(feedback)
    for text in expected:
        assert text in feedback.message, str(feedback)


def test_no_clipping_names_how_far_out():
    feedback = check("class_step", make_class_step(clip=False))
    assert feedback.case.startswith("a near-white")
    peak = float(feedback.message.split("up to ")[1].split(")")[0])
    assert peak > 256


# --- 3.2: vanilla saliency --------------------------------------------------------------------


def make_saliency(*, objective="logit", reduce="max_abs", batch=False, watch=True,
                  normalize=False, axis=-1):
    """A vanilla_saliency with the mistakes chosen by the keywords."""

    def saliency(score_model, image, class_index):
        x = tf.convert_to_tensor(image[None], dtype=tf.float32)
        with tf.GradientTape() as tape:
            if watch:
                tape.watch(x)
            logits = score_model(x)
            if objective == "logit":
                f_c = logits[0, class_index]
            elif objective == "softmax":
                f_c = tf.nn.softmax(logits)[0, class_index]
            else:  # the next class
                f_c = logits[0, class_index + 1]
        grads = tape.gradient(f_c, x)
        grads = grads if batch else grads[0]
        if reduce == "max_abs":
            result = tf.reduce_max(tf.abs(grads), axis=axis)
        elif reduce == "max":
            result = tf.reduce_max(grads, axis=axis)
        elif reduce == "mean_abs":
            result = tf.reduce_mean(tf.abs(grads), axis=axis)
        else:
            result = tf.reduce_sum(tf.abs(grads), axis=axis)
        result = result.numpy()
        return result / result.max() if normalize else result

    return saliency


SALIENCY_MISTAKES = [
    ("no abs", make_saliency(reduce="max"), [
        "negative gradients vanished: take |∂f_c/∂I| before the max over colours"
    ]),
    ("mean over colours", make_saliency(reduce="mean_abs"), [
        "you averaged over the colour channels; the slide takes the max"
    ]),
    ("sum over colours", make_saliency(reduce="sum_abs"), [
        "you summed over the colour channels; the slide takes the max"
    ]),
    ("max over rows", make_saliency(axis=0), [
        "the map has shape (32, 3), expected (32, 32)", "the colour axis, axis=-1"
    ]),
    ("batch axis kept", make_saliency(batch=True), [
        "the map has shape (1, 32, 32): drop the batch axis"
    ]),
    ("gradient of the softmax", make_saliency(objective="softmax"), [
        "you maximized the softmax; the slide maximizes the class score before the softmax"
    ]),
    ("normalized map", make_saliency(normalize=True), [
        "the map is scaled (peak 1.0 instead of", "return |∂f_c/∂I| itself, the display "
        "normalizes"
    ]),
    ("no tape.watch", make_saliency(watch=False), [
        "raised TypeError", "tape.gradient returned None: x is a constant; call tape.watch(x) "
        "inside the tape"
    ]),
    ("wrong class", make_saliency(objective="next"), [
        "you took the gradient of class 4's score, not class_index=3"
    ]),
]


@pytest.mark.parametrize(
    ("function", "expected"),
    [pytest.param(f, e, id=name) for name, f, e in SALIENCY_MISTAKES],
)
def test_vanilla_saliency_mistakes(function, expected):
    feedback = check("vanilla_saliency", function)
    assert feedback.status == "wrong", str(feedback)
    for text in expected:
        assert text in feedback.message, str(feedback)


def test_saliency_peak_is_named():
    feedback = check("vanilla_saliency", make_saliency(normalize=True))
    expected = class_neurons.vanilla_saliency(*EXERCISES["vanilla_saliency"].cases()[0].args)
    assert f"instead of {class_neurons._num(expected.max())}" in feedback.message


def test_saliency_axis_mix_up_on_the_wide_image():
    # Square images hide a swap of rows and columns; the 24x40 case does not.
    def transposed(score_model, image, class_index):
        return class_neurons.vanilla_saliency(score_model, image, class_index).T

    feedback = check("vanilla_saliency", transposed)
    assert feedback.status == "wrong"
    assert "rows and columns are swapped" in feedback.message
    only_wide = dataclasses.replace(
        EXERCISES["vanilla_saliency"], cases=lambda: EXERCISES["vanilla_saliency"].cases()[1:]
    )
    feedback = run_exercise(only_wide, transposed)
    assert "the map has shape (40, 24), expected (24, 40)" in feedback.message


def test_class_step_generic_difference_says_where():
    def noisy(score_model, I, class_index, eta):  # noqa: E741
        value = class_neurons.class_step(score_model, I, class_index, eta)
        I.assign(tf.clip_by_value(I + tf.random.stateless_normal(I.shape, (3, 4)), 0, 255))
        return value

    feedback = check("class_step", noisy)
    assert feedback.status == "wrong"
    assert "I after the step is off by up to" in feedback.message


def test_saliency_generic_difference_says_where():
    def shifted(score_model, image, class_index):
        result = class_neurons.vanilla_saliency(score_model, image, class_index)
        return np.roll(result, 1, axis=1)

    feedback = check("vanilla_saliency", shifted)
    assert feedback.status == "wrong"
    assert "the map at row" in feedback.message and "expected" in feedback.message
