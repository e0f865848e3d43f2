"""The checkers of notebook 2 (lh.check.ascent_step, gradient_ascent, plain_ascent_step).

Every mistake listed for these exercises is written below as a small wrong function; each
must be reported as "wrong" with its own hint.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

import lecture_helpers as lh  # noqa: F401  (imports TensorFlow quietly first)
from lecture_helpers.check import ascent
from lecture_helpers.check._core import run as run_exercise

EXERCISES = {exercise.key: exercise for exercise in ascent.EXERCISES}


def check(key, function, cases=None):
    """The feedback of exercise ``key`` (optionally on some of its cases only)."""
    exercise = EXERCISES[key]
    if cases is not None:
        chosen = tuple(exercise.cases()[i] for i in cases)
        exercise = dataclasses.replace(exercise, cases=lambda: chosen)
    return run_exercise(exercise, function)


# --- the notebook's solutions and their accepted variants ---------------------------------


def notebook_ascent_step(new_model, I, filter_index, eta):  # noqa: E741
    with tf.GradientTape() as tape:
        tape.watch(I)
        channel_out = new_model(I)[:, :, :, filter_index]
        filter_output_to_maximize = tf.reduce_mean(channel_out)
    grad_fn = tape.gradient(filter_output_to_maximize, I)
    grad_fn /= tf.sqrt(tf.reduce_mean(tf.square(grad_fn))) + 1e-8  # the trick: divide by the RMS
    I.assign_add(eta * grad_fn)  # one iteration of maximizing
    return float(filter_output_to_maximize)


def norm_rms_ascent_step(new_model, I, filter_index, eta):  # noqa: E741
    with tf.GradientTape() as tape:
        tape.watch(I)
        filter_output_to_maximize = tf.reduce_mean(new_model(I)[:, :, :, filter_index])
    grad_fn = tape.gradient(filter_output_to_maximize, I)
    grad_fn /= tf.norm(grad_fn) / tf.sqrt(tf.cast(tf.size(grad_fn), tf.float32))
    I.assign_add(eta * grad_fn)
    return filter_output_to_maximize  # a 0-d tensor


def assign_ascent_step(new_model, I, filter_index, eta):  # noqa: E741
    with tf.GradientTape() as tape:
        tape.watch(I)
        filter_output_to_maximize = tf.reduce_mean(new_model(I)[..., filter_index])
    grad_fn = tape.gradient(filter_output_to_maximize, I)
    grad_fn /= tf.sqrt(tf.reduce_mean(tf.square(grad_fn))) + 1e-8
    I.assign(I + eta * grad_fn)
    return filter_output_to_maximize.numpy()


def notebook_gradient_ascent(new_model, filter_index, step, steps=30, eta=10.0, size=64):
    I = tf.Variable(np.zeros((1, size, size, 3)), dtype=tf.float32)  # noqa: E741  init to zeros
    curve = []
    for _ in range(steps):
        curve.append(step(new_model, I, filter_index, eta))
    return I.numpy()[0], curve


def variable_image_gradient_ascent(new_model, filter_index, step, steps=30, eta=10.0, size=64):
    I = tf.Variable(tf.zeros((1, size, size, 3)))  # noqa: E741
    curve = np.array([step(new_model, I, filter_index, eta) for _ in range(steps)])
    return tf.Variable(I[0]), curve  # a Variable and an array: accepted


def notebook_plain_ascent_step(new_model, I, filter_index, eta):  # noqa: E741
    with tf.GradientTape() as tape:
        tape.watch(I)
        channel_out = new_model(I)[:, :, :, filter_index]
        filter_output_to_maximize = tf.reduce_mean(channel_out)
    grad_fn = tape.gradient(filter_output_to_maximize, I)
    I.assign_add(eta * grad_fn)
    return float(filter_output_to_maximize)


@pytest.mark.parametrize(
    ("key", "function"),
    [
        ("ascent_step", ascent.ascent_step),
        ("ascent_step", notebook_ascent_step),
        ("ascent_step", norm_rms_ascent_step),
        ("ascent_step", assign_ascent_step),
        ("gradient_ascent", ascent.gradient_ascent),
        ("gradient_ascent", notebook_gradient_ascent),
        ("gradient_ascent", variable_image_gradient_ascent),
        ("plain_ascent_step", ascent.plain_ascent_step),
        ("plain_ascent_step", notebook_plain_ascent_step),
    ],
)
def test_right_solutions_pass(key, function):
    feedback = check(key, function)
    assert feedback.passed, str(feedback)
    assert feedback.cases == 3


@pytest.mark.parametrize("key", list(EXERCISES))
def test_stub_is_not_done(key):
    def stub(*args):
        raise NotImplementedError(EXERCISES[key].stub_message)

    feedback = check(key, stub)
    assert feedback.status == "not done"
    assert "NotImplementedError" in feedback.message


@pytest.mark.parametrize("key", list(EXERCISES))
def test_not_a_function(key):
    feedback = check(key, 42)
    assert feedback.status == "wrong"
    assert "not a function" in feedback.message


@pytest.mark.parametrize("key", list(EXERCISES))
def test_the_check_does_not_change_its_cases(key):
    cases = EXERCISES[key].cases()
    before = [
        [a.numpy().copy() if isinstance(a, tf.Variable) else a for a in case.args]
        for case in cases
    ]
    first = str(check(key, EXERCISES[key].reference))
    assert str(check(key, EXERCISES[key].reference)) == first
    for case, saved in zip(cases, before, strict=True):
        for arg, value in zip(case.args, saved, strict=True):
            if isinstance(arg, tf.Variable):
                np.testing.assert_array_equal(arg.numpy(), value)


def test_public_entry_point_runs_the_references():
    from lecture_helpers.check import reference, run

    for key in EXERCISES:
        assert run(key, getattr(reference, key)).passed


# --- 2.1 and 2.3: one step, with and without the trick ------------------------------------


def make_step(
    *,
    trick="rms",
    sign=1.0,
    channels="one",
    update="assign_add",
    eta_power=1,
    reduce=tf.reduce_mean,
    returned="before",
):
    """A step function with the mistakes chosen by the keywords."""

    def step(new_model, I, filter_index, eta):  # noqa: E741
        with tf.GradientTape() as tape:
            tape.watch(I)
            out = new_model(I)
            channel_out = out[:, :, :, filter_index] if channels == "one" else (
                out[:, :, :, :filter_index]
            )
            objective = reduce(channel_out)
        grad_fn = tape.gradient(objective, I)
        if trick == "rms":
            grad_fn /= tf.sqrt(tf.reduce_mean(tf.square(grad_fn))) + 1e-8
        elif trick == "l2":
            grad_fn /= tf.norm(grad_fn) + 1e-8
        change = sign * eta**eta_power * grad_fn
        if update == "assign_add":
            I.assign_add(change)
        elif update == "iadd":
            I += change  # noqa: E741  (raises on a tf.Variable)
        else:  # rebinding
            I = I + change  # noqa: E741, F841
        if returned == "after":
            return float(reduce(new_model(I)[..., filter_index]))
        return float(objective)

    return step


def objective_outside_tape(new_model, I, filter_index, eta):  # noqa: E741
    filter_output_to_maximize = tf.reduce_mean(new_model(I)[:, :, :, filter_index])
    with tf.GradientTape() as tape:
        tape.watch(I)
    grad_fn = tape.gradient(filter_output_to_maximize, I)
    grad_fn /= tf.sqrt(tf.reduce_mean(tf.square(grad_fn))) + 1e-8
    I.assign_add(eta * grad_fn)
    return float(filter_output_to_maximize)


def plain_objective_outside_tape(new_model, I, filter_index, eta):  # noqa: E741
    filter_output_to_maximize = tf.reduce_mean(new_model(I)[:, :, :, filter_index])
    with tf.GradientTape() as tape:
        tape.watch(I)
    grad_fn = tape.gradient(filter_output_to_maximize, I)
    I.assign_add(eta * grad_fn)  # TypeError: float * None
    return float(filter_output_to_maximize)


def returns_nothing(new_model, I, filter_index, eta):  # noqa: E741
    ascent.ascent_step(new_model, I, filter_index, eta)


STEP_MISTAKES = [
    ("no trick", make_step(trick=None), [
        "I moved by the raw gradient: divide it by its RMS, sqrt(mean(grad**2)) "
        "(the slide's 'trick')"
    ]),
    ("L2 norm", make_step(trick="l2"), [
        "you divided by the L2 norm (tf.norm)", "27.7 times smaller", "768 values",
        "divide by the RMS",
    ]),
    ("descent", make_step(sign=-1.0), ["I moved against the gradient"]),
    ("slide's slice", make_step(channels="typo"), [
        "you maximized channels 0 to 1 together", "[:, :, :, :filter_index]",
        "take one channel, new_model(I)[..., filter_index]",
    ]),
    ("I += on a variable", make_step(update="iadd"), [
        "RuntimeError", "`I += ...` cannot update a tf.Variable",
        "update the variable in place with I.assign_add(",
    ]),
    ("I = I + ...", make_step(update="rebind"), [
        "I did not change: `I += ...` or `I = I + ...` makes a new tensor; update the "
        "variable in place with I.assign_add(...)"
    ]),
    ("eta ignored", make_step(eta_power=0), [
        "the step is 0.1 times the size eta=10.0 asks for"
    ]),
    ("eta twice", make_step(eta_power=2), ["the step is 10.0 times the size eta=10.0 asks for"]),
    ("sum over positions", make_step(reduce=tf.reduce_sum), [
        "the objective is the sum over positions (144 times the mean): use tf.reduce_mean"
    ]),
    ("objective after the step", make_step(returned="after"), [
        "you returned the objective after the step", "return the value whose gradient you took",
    ]),
    ("objective outside the tape", objective_outside_tape, [
        "raised ValueError", "tape.gradient returned None: compute the objective inside the "
        "`with tf.GradientTape()` block, from I",
    ]),
    ("returns nothing", returns_nothing, ["returned None: return the objective before the step"]),
]


@pytest.mark.parametrize(
    ("function", "expected"),
    [pytest.param(f, e, id=name) for name, f, e in STEP_MISTAKES],
)
def test_ascent_step_mistakes(function, expected):
    feedback = check("ascent_step", function)
    assert feedback.status == "wrong", str(feedback)
    for text in expected:
        assert text in feedback.message, str(feedback)


def test_ascent_step_slide_slice_with_filter_0_is_named():
    # The third case asks for filter 0: the slide's [..., :filter_index] is empty there.
    feedback = check("ascent_step", make_step(channels="typo"), cases=[2])
    assert feedback.status == "wrong"
    assert "the objective is NaN" in feedback.message
    assert "is empty for filter_index=0" in feedback.message
    assert "take one channel, new_model(I)[..., filter_index]" in feedback.message


def test_ascent_step_generic_difference_says_where():
    def noisy(new_model, I, filter_index, eta):  # noqa: E741
        value = ascent.ascent_step(new_model, I, filter_index, eta)
        I.assign_add(tf.random.stateless_normal(I.shape, (1, 2)))
        return value

    feedback = check("ascent_step", noisy)
    assert feedback.status == "wrong"
    assert "I after the step is off by up to" in feedback.message
    assert "expected" in feedback.message and "row" in feedback.message


PLAIN_MISTAKES = [
    ("still normalized", make_step(trick="rms"), [
        "you still divide by the RMS: without the trick the step is eta times the raw gradient"
    ]),
    ("still divided by the norm", make_step(trick="l2"), ["you still divide the gradient"]),
    ("descent", make_step(trick=None, sign=-1.0), ["I moved against the gradient"]),
    ("I = I + ...", make_step(trick=None, update="rebind"), [
        "I did not change", "I.assign_add(...)"
    ]),
    ("I += on a variable", make_step(trick=None, update="iadd"), [
        "RuntimeError", "`I += ...` cannot update a tf.Variable", "I.assign_add("
    ]),
    ("slide's slice", make_step(trick=None, channels="typo"), [
        "you maximized channels 0 to 1 together", "[:, :, :, :filter_index]"
    ]),
    ("eta ignored", make_step(trick=None, eta_power=0), [
        "the step is 0.1 times the size eta=10.0 asks for"
    ]),
    ("sum over positions", make_step(trick=None, reduce=tf.reduce_sum), [
        "the step is 144 times too large", "use tf.reduce_mean"
    ]),
    ("objective after the step", make_step(trick=None, returned="after"), [
        "you returned the objective after the step"
    ]),
    ("objective outside the tape", plain_objective_outside_tape, [
        "raised TypeError", "tape.gradient returned None"
    ]),
]


@pytest.mark.parametrize(
    ("function", "expected"),
    [pytest.param(f, e, id=name) for name, f, e in PLAIN_MISTAKES],
)
def test_plain_ascent_step_mistakes(function, expected):
    feedback = check("plain_ascent_step", function)
    assert feedback.status == "wrong", str(feedback)
    for text in expected:
        assert text in feedback.message, str(feedback)


# --- 2.2: the loop ---------------------------------------------------------------------------


def make_loop(
    *,
    start=np.zeros,
    count=lambda steps: steps,
    pass_eta=lambda eta: eta,
    pass_filter=lambda index: index,
    batch_axis=False,
    ignore_size=False,
    fresh_each_step=False,
    dtype=tf.float32,
):
    """A gradient_ascent loop with the mistakes chosen by the keywords."""

    def loop(new_model, filter_index, step, steps=30, eta=10.0, size=64):
        size = 64 if ignore_size else size
        shape = (1, size, size, 3)
        I = tf.Variable(start(shape), dtype=dtype)  # noqa: E741
        curve = []
        for _ in range(count(steps)):
            if fresh_each_step:
                I = tf.Variable(start(shape), dtype=dtype)  # noqa: E741
            curve.append(step(new_model, I, pass_filter(filter_index), pass_eta(eta)))
        return (I.numpy() if batch_axis else I.numpy()[0]), curve

    return loop


def global_step_loop(new_model, filter_index, step, steps=30, eta=10.0, size=64):
    # Calls the module's ascent_step instead of the step it was given.
    return notebook_gradient_ascent(new_model, filter_index, notebook_ascent_step, steps, eta, size)


def appends_eta_loop(new_model, filter_index, step, steps=30, eta=10.0, size=64):
    I = tf.Variable(np.zeros((1, size, size, 3)), dtype=tf.float32)  # noqa: E741
    curve = []
    for _ in range(steps):
        step(new_model, I, filter_index, eta)
        curve.append(eta)
    return I.numpy()[0], curve


def returns_start_loop(new_model, filter_index, step, steps=30, eta=10.0, size=64):
    I = tf.Variable(np.zeros((1, size, size, 3)), dtype=tf.float32)  # noqa: E741
    first = I.numpy()[0]
    curve = [step(new_model, I, filter_index, eta) for _ in range(steps)]
    return first, curve


def random_start(shape):
    return np.random.default_rng(0).uniform(0, 1, shape)


LOOP_MISTAKES = [
    ("random start", make_loop(start=random_start), [
        "I must start at zeros (the slide's init)"
    ]),
    ("one step too few", make_loop(count=lambda steps: steps - 1), [
        "curve has 3 values; steps=4 asks for 4 calls of step"
    ]),
    ("global step", global_step_loop, [
        "your loop did not call the step it was given: call step(new_model, I, filter_index, "
        "eta)"
    ]),
    ("eta not passed on", make_loop(pass_eta=lambda eta: 10.0), [
        "step got eta=10.0: pass the eta argument (2.5)"
    ]),
    ("filter not passed on", make_loop(pass_filter=lambda index: 0), [
        "step got filter_index=0: pass the filter_index argument (3)"
    ]),
    ("batch axis kept", make_loop(batch_axis=True), [
        "image has shape (1, 16, 16, 3): return I.numpy()[0]"
    ]),
    ("size ignored", make_loop(ignore_size=True), [
        "I has shape (1, 64, 64, 3): size=16 asks for (1, 16, 16, 3)"
    ]),
    ("fresh I per step", make_loop(fresh_each_step=True), [
        "step 2 started from zeros again: the loop must update one I across steps"
    ]),
    ("float64 variable", make_loop(dtype=tf.float64), [
        "I is a float64 variable: create it with dtype=tf.float32"
    ]),
    ("curve of etas", appends_eta_loop, [
        "curve[0] is 2.5, expected 0.5: append what step returns"
    ]),
    ("start image returned", returns_start_loop, [
        "image at row", "return I.numpy()[0] after the loop"
    ]),
]


@pytest.mark.parametrize(
    ("function", "expected"),
    [pytest.param(f, e, id=name) for name, f, e in LOOP_MISTAKES],
)
def test_gradient_ascent_mistakes(function, expected):
    feedback = check("gradient_ascent", function)
    assert feedback.status == "wrong", str(feedback)
    for text in expected:
        assert text in feedback.message, str(feedback)


def test_gradient_ascent_reports_an_error_from_the_step():
    def broken(new_model, filter_index, step, steps=30, eta=10.0, size=64):
        I = np.zeros((1, size, size, 3), np.float32)  # noqa: E741  a numpy array
        return I[0], [step(new_model, I, filter_index, eta) + None for _ in range(steps)]

    feedback = check("gradient_ascent", broken)
    assert feedback.status == "wrong"
    assert "raised TypeError" in feedback.message


def test_spy_step_records_the_loop():
    spy = ascent.StepSpy(ascent.filter_model())
    image, curve = ascent.gradient_ascent(ascent.filter_model(), 2, spy, steps=3, eta=1.0, size=16)
    assert curve == [0.5, 1.0, 1.5]
    assert [call["filter_index"] for call in spy.calls] == [2, 2, 2]
    assert not np.any(spy.calls[0]["I"])
    assert image.shape == (16, 16, 3) and np.any(image)
