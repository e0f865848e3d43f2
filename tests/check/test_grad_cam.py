"""The checkers of notebook 4 (Grad-CAM): lh.check.channel_weights and lh.check.grad_cam_heatmap.

Every common mistake is written as a small wrong function and must produce its own hint.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import lecture_helpers as lh  # noqa: F401  (imports TensorFlow quietly first)
from lecture_helpers.check import exercise, reference, run
from lecture_helpers.check import grad_cam as ex4

# ---------------------------------------------------------------------------------------------
# Exercise 4.1: channel_weights(grads)


def notebook_weights(grads):
    """The notebook's solution, as given in the exercise text."""
    alpha_k = tf.reduce_mean(grads, axis=(0, 1, 2))  # mean over batch, i and j
    return alpha_k.numpy()


def numpy_weights(grads):
    return np.mean(np.asarray(grads), axis=(0, 1, 2))


def tensor_weights(grads):
    return tf.reduce_mean(grads, axis=(0, 1, 2))  # a tf.Tensor result is fine


def float64_list_weights(grads):
    return [float(a) for a in np.asarray(grads, dtype=np.float64).mean(axis=(0, 1, 2))]


def loop_weights(grads):
    return [tf.reduce_mean(grads[..., k]) for k in range(grads.shape[-1])]  # 0-d tensors


@pytest.mark.parametrize(
    "solution",
    [reference.channel_weights, ex4.channel_weights, notebook_weights, numpy_weights,
     tensor_weights, float64_list_weights, loop_weights],
    ids=["reference", "module", "notebook", "numpy", "tf.Tensor result", "list of floats",
         "list of tensors"],
)
def test_channel_weights_right_solutions_pass(solution):
    feedback = run("channel_weights", solution)
    assert feedback.passed, str(feedback)
    assert feedback.cases == len(exercise("channel_weights").cases())


def g(grads):
    return np.asarray(grads)


def _sum_all(grads):
    return np.sum(g(grads))


def _add_one(grads):
    alpha = np.mean(g(grads), axis=(0, 1, 2))
    alpha[3] += 1.0
    return alpha


WEIGHT_MISTAKES = {
    "mean over all axes": (
        lambda grads: tf.reduce_mean(grads).numpy(),
        ["the mean is over all axes; α averages over i and j only", "axis=(0, 1, 2)"],
    ),
    "sum over all axes": (_sum_all, ["you summed over all axes"]),
    "sum instead of mean": (
        lambda grads: np.sum(g(grads), axis=(0, 1, 2)),
        ["you summed over i and j: α divides by |I×J| = 98 (the mean)"],
    ),
    "tf sum instead of mean": (
        lambda grads: tf.reduce_sum(grads, axis=(0, 1, 2)),
        ["|I×J| = 98"],
    ),
    "mean over the channel axis": (
        lambda grads: np.mean(g(grads), axis=-1),
        ["α has one weight per channel k: average over the positions (axes 0, 1, 2), "
         "not over the channels"],
    ),
    "batch axis kept": (
        lambda grads: np.mean(g(grads), axis=(1, 2)),
        ["α has shape (1, 16): average over the batch axis too, axis=(0, 1, 2)"],
    ),
    "mean of |grads|": (
        lambda grads: np.mean(np.abs(g(grads)), axis=(0, 1, 2)),
        ["you averaged |∂f_c/∂A|: α keeps the sign of the gradients"],
    ),
    "max instead of mean": (
        lambda grads: np.max(g(grads), axis=(0, 1, 2)),
        ["maximum", "α is the plain mean"],
    ),
    "mean of the positive gradients": (
        lambda grads: np.mean(np.maximum(g(grads), 0), axis=(0, 1, 2)),
        ["only the positive gradients (a ReLU)", "α is the plain mean"],
    ),
    "sum of the positive gradients": (
        lambda grads: np.sum(np.maximum(g(grads), 0), axis=(0, 1, 2)),
        ["you summed only the positive gradients", "α is the plain mean"],
    ),
    "ReLU of α": (
        lambda grads: tf.nn.relu(tf.reduce_mean(grads, axis=(0, 1, 2))),
        ["you applied a ReLU to α: α keeps its sign"],
    ),
    "mean over batch and i only": (
        lambda grads: np.mean(g(grads), axis=(0, 1)),
        ["α has shape (14, 16): you averaged over the batch and the rows i only; "
         "average over the columns j too, axis=(0, 1, 2)"],
    ),
    "mean over batch and j only": (
        lambda grads: np.mean(g(grads), axis=(0, 2)),
        ["α has shape (7, 16): you averaged over the batch and the columns j only; "
         "average over the rows i too"],
    ),
    "mean over i only": (
        lambda grads: np.mean(g(grads), axis=1),
        ["α has shape (1, 14, 16): you averaged over the rows i only; "
         "average over the batch and the columns j too"],
    ),
    "keepdims": (
        lambda grads: np.mean(g(grads), axis=(0, 1, 2), keepdims=True),
        ["α has shape (1, 1, 1, 16): drop the averaged axes (no keepdims)"],
    ),
    "no mean at all": (
        lambda grads: g(grads),
        ["α has the shape of the gradients (1, 7, 14, 16)"],
    ),
    "returns None": (lambda grads: None, ["returned None: return α"]),
    "returns a string": (lambda grads: "alpha", ["returned a str, not numbers: return α"]),
    "returns a pair": (
        lambda grads: (numpy_weights(grads), grads),
        ["returned a tuple of 2 things: return only α"],
    ),
    "one weight per column": (
        lambda grads: np.array([g(grads)[..., k].mean() for k in range(g(grads).shape[2])]),
        ["α has shape (14,), expected (16,): one weight per channel k, axis=(0, 1, 2)"],
    ),
    "generic: one channel off": (_add_one, ["α for channel 3 is ", ", expected "]),
}


@pytest.mark.parametrize("mistake", list(WEIGHT_MISTAKES))
def test_channel_weights_mistakes_get_their_hint(mistake):
    function, hints = WEIGHT_MISTAKES[mistake]
    feedback = run("channel_weights", function)
    assert feedback.status == "wrong", str(feedback)
    for hint in hints:
        assert hint in feedback.message, str(feedback)


def _numpy_method(grads):
    return grads.mean(axis=(0, 1, 2))  # no .mean on a tf.Tensor


def _numpy_dot_numpy(grads):
    return np.mean(grads, axis=(0, 1, 2)).numpy()


def _axis_four(grads):
    return np.mean(np.asarray(grads), axis=(1, 2, 4))


def _tf_axis_four(grads):
    return tf.reduce_mean(grads, axis=(1, 2, 4)).numpy()


def _index_rows_as_channels(grads):
    grads = np.asarray(grads)
    return np.array([grads[0, k].mean() for k in range(grads.shape[-1])])  # row k, not channel k


@pytest.mark.parametrize(
    "function, error, hint",
    [
        (_index_rows_as_channels, "IndexError", "grads has shape (1, 7, 14, 16): (batch, rows i"),
        (_numpy_method, "AttributeError", "grads is a tf.Tensor here"),
        (_numpy_dot_numpy, "AttributeError", ".numpy() works only on a tf.Tensor"),
        (_axis_four, "AxisError", "numbered 0 to 3"),
        (_tf_axis_four, "InvalidArgumentError", "numbered 0 to 3"),
    ],
    ids=["rows indexed as channels", "numpy method on a tf.Tensor", ".numpy() on numpy", "axis 4",
         "tf axis 4"],
)
def test_channel_weights_errors_are_explained(function, error, hint):
    feedback = run("channel_weights", function)
    assert feedback.status == "wrong"
    assert f"raised {error}" in feedback.message, str(feedback)
    assert hint in feedback.message, str(feedback)


def test_channel_weights_cases_have_distinct_axis_sizes():
    shapes = [case.info["grads"].shape for case in exercise("channel_weights").cases()]
    assert any(len({i, j, k}) == 3 for _, i, j, k in shapes)
    assert any(i != j for _, i, j, _ in shapes)  # non-square: i and j cannot be mixed up
    kinds = {type(case.args[0]).__module__.split(".")[0]
             for case in exercise("channel_weights").cases()}
    assert kinds == {"numpy", "tensorflow"}


# ---------------------------------------------------------------------------------------------
# Exercise 4.2: grad_cam_heatmap(A, alpha)


def notebook_heatmap(A, alpha):
    """The notebook's solution, as given in the exercise text."""
    A = np.array(A)[0]                    # (I, J, K): drop the batch axis
    S = np.sum(A * alpha, axis=-1)       # Σ_k α_k A_k
    S = np.maximum(S, 0)                  # ReLU
    if S.max() > 0:
        S /= S.max()                      # divide by S_max
    return S


def mean_heatmap(A, alpha):
    """The mean over the channels instead of the sum: the same map after dividing by S_max."""
    S = np.maximum(np.mean(np.array(A)[0] * alpha, axis=-1), 0)
    return S / S.max() if S.max() > 0 else S


def tf_heatmap(A, alpha):
    S = tf.nn.relu(tf.reduce_sum(A * tf.constant(alpha), axis=-1))[0]
    return tf.math.divide_no_nan(S, tf.reduce_max(S))  # a tf.Tensor result is fine


def slide_loop_heatmap(A, alpha):
    """The slide's loop with the ReLU moved after the sum."""
    A = np.array(A)
    for chan in range(A.shape[-1]):
        A[:, :, :, chan] *= alpha[chan]
    S = np.maximum(np.sum(A, axis=-1)[0], 0)
    return S / np.max(S) if np.max(S) > 0 else S


def epsilon_heatmap(A, alpha):
    S = np.maximum(np.einsum("bijk,k->ij", np.asarray(A), alpha), 0)
    return S / (S.max() + 1e-9)


def test_grad_cam_heatmap_matches_the_products_grad_cam():
    """reference(A, channel_weights(grads)) is lh.cam's Grad-CAM from A and the gradients."""
    from lecture_helpers.attribution.grad_cam import gradcam_from_gradients

    rng = np.random.default_rng(3)
    A = np.maximum(rng.normal(size=(1, 7, 14, 16)), 0).astype(np.float32)
    grads = rng.normal(0.1, 1.0, size=(1, 7, 14, 16)).astype(np.float32)
    S = reference.grad_cam_heatmap(A, reference.channel_weights(grads))
    np.testing.assert_allclose(S, gradcam_from_gradients(A, grads)[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "solution",
    [reference.grad_cam_heatmap, notebook_heatmap, mean_heatmap, tf_heatmap, slide_loop_heatmap,
     epsilon_heatmap],
    ids=["reference", "notebook", "mean over channels", "tf", "slide loop, ReLU after", "epsilon"],
)
def test_grad_cam_heatmap_right_solutions_pass(solution):
    feedback = run("grad_cam_heatmap", solution)
    assert feedback.passed, str(feedback)
    assert feedback.cases == len(exercise("grad_cam_heatmap").cases())


def _weighted_sum(A, alpha):
    return np.sum(np.array(A)[0] * alpha, axis=-1)


def _normalized(S):
    return S / S.max() if S.max() > 0 else S


def _relu_each_channel(A, alpha):
    """The slide's code: A[..., k] *= α_k; A[..., k] = ReLU(A[..., k]), then the sum."""
    A = np.array(A)
    for chan in range(A.shape[-1]):
        A[:, :, :, chan] *= alpha[chan]
        A[:, :, :, chan] = np.maximum(A[:, :, :, chan], 0)
    S = np.sum(A, axis=-1)[0]
    return S / np.max(S) if np.max(S) > 0 else S


def _no_relu(A, alpha):
    S = _weighted_sum(A, alpha)
    return S / S.max()


def _abs(A, alpha):
    return _normalized(np.abs(_weighted_sum(A, alpha)))


def _not_normalized(A, alpha):
    return np.maximum(_weighted_sum(A, alpha), 0)


def _divided_by_sum(A, alpha):
    S = np.maximum(_weighted_sum(A, alpha), 0)
    return S / S.sum() if S.sum() > 0 else S


def _min_max(A, alpha):
    S = _weighted_sum(A, alpha)
    return (S - S.min()) / (S.max() - S.min())


def _relu_then_min_max(A, alpha):
    S = np.maximum(_weighted_sum(A, alpha), 0)
    return (S - S.min()) / (S.max() - S.min()) if S.max() > S.min() else S


def _batch_kept(A, alpha):
    S = np.maximum(np.sum(np.array(A) * alpha, axis=-1), 0)
    return S / S.max() if S.max() > 0 else S


def _sum_over_rows(A, alpha):
    S = np.maximum(np.sum(np.array(A)[0] * alpha, axis=0), 0)
    return S / S.max() if S.max() > 0 else S


def _no_sum(A, alpha):
    S = np.maximum(np.array(A)[0] * alpha, 0)
    return S / S.max() if S.max() > 0 else S


def _nan_when_nothing_positive(A, alpha):
    S = np.maximum(_weighted_sum(A, alpha), 0)
    return S / S.max()


def _tf_nan_when_nothing_positive(A, alpha):
    S = tf.nn.relu(tf.reduce_sum(tf.convert_to_tensor(A) * alpha, axis=-1))[0]
    return S / tf.reduce_max(S)


def _alpha_on_columns(A, alpha):
    """A[:, :, k] on the 4-D A picks column k, not channel k."""
    A = np.array(A)
    for chan in range(len(alpha)):
        A[:, :, chan] *= alpha[chan]
    S = np.maximum(np.sum(A, axis=-1)[0], 0)
    return S / S.max() if S.max() > 0 else S


def _alpha_on_rows_slide_loop(A, alpha):
    """A[k] on the 3-D A picks row k; with the slide's ReLU on each slice."""
    A = np.array(A)[0]
    for chan in range(len(alpha)):
        A[chan] *= alpha[chan]
        A[chan] = np.maximum(A[chan], 0)
    S = np.maximum(np.sum(A, axis=-1), 0)
    return S / S.max() if S.max() > 0 else S


def _off_by_a_bit(A, alpha):
    S = notebook_heatmap(A, alpha)
    S[2, 5] = 0.5 * S[2, 5] + 0.3
    return S


HEATMAP_MISTAKES = {
    "ReLU on each channel (the slide's loop)": (
        _relu_each_channel,
        ["you applied the ReLU to each channel before the sum (as in the slide's code); "
         "Grad-CAM applies it once, to the sum: S = ReLU(Σ_k α_k A_k)"],
    ),
    "no ReLU": (
        _no_relu,
        ["S has negative values (down to -1.02): apply the ReLU, np.maximum(S, 0)"],
    ),
    "abs instead of ReLU": (
        _abs,
        ["you took |Σ_k α_k A_k|: negative evidence became positive; the ReLU sets it to 0"],
    ),
    "not normalized": (
        _not_normalized,
        ["S peaks at 2.87: divide by S_max so that the peak is 1"],
    ),
    "divided by the sum": (_divided_by_sum, ["S peaks at 0.0", "divide by S_max"]),
    "min-max normalization": (_min_max, ["you subtracted S's minimum: divide by S_max only"]),
    "ReLU, then min-max": (
        _relu_then_min_max,
        ["you subtracted S's minimum: divide by S_max only"],
    ),
    "batch axis kept": (_batch_kept, ["S has shape (1, 6, 8): drop the batch axis"]),
    "sum over the rows": (
        _sum_over_rows,
        ["S has shape (8, 3): you summed over the rows i; sum over the channels k, axis=-1"],
    ),
    "no sum": (_no_sum, ["S has shape (6, 8, 3): sum α_k A_k over the channels k, axis=-1"]),
    "NaN when nothing is positive": (
        _nan_when_nothing_positive,
        ["S is all zero here (no position has positive evidence) and your map is NaN: "
         "divide by S_max only when S_max > 0"],
    ),
    "tf NaN when nothing is positive": (
        _tf_nan_when_nothing_positive,
        ["your map is NaN: divide by S_max only when S_max > 0"],
    ),
    "α on the columns": (
        _alpha_on_columns,
        ["α multiplied the columns j of A: α_k multiplies channel k, the last axis of A"],
    ),
    "α on the rows, slide loop": (
        _alpha_on_rows_slide_loop,
        ["α multiplied the rows i of A: α_k multiplies channel k, the last axis of A"],
    ),
    "returns None": (lambda A, alpha: None, ["returned None: return S"]),
    "generic: one position off": (_off_by_a_bit, ["S at row 2, column 5 is ", ", expected "]),
}


@pytest.mark.parametrize("mistake", list(HEATMAP_MISTAKES))
def test_grad_cam_heatmap_mistakes_get_their_hint(mistake):
    function, hints = HEATMAP_MISTAKES[mistake]
    feedback = run("grad_cam_heatmap", function)
    assert feedback.status == "wrong", str(feedback)
    for hint in hints:
        assert hint in feedback.message, str(feedback)


def _broadcast_on_rows(A, alpha):
    S = np.sum(np.array(A)[0] * alpha[:, None, None], axis=-1)
    return np.maximum(S, 0) / S.max()


def _tf_broadcast(A, alpha):
    return tf.reduce_sum(tf.convert_to_tensor(A)[0] * tf.reshape(alpha, (-1, 1)), axis=-1)


def _loop_over_the_rows(A, alpha):
    A = np.array(A)
    for chan in range(A.shape[1]):  # I, the number of rows, instead of K
        A[..., chan] *= alpha[chan]
    return _normalized(np.maximum(np.sum(A, axis=-1)[0], 0))


def _tensor_item_assignment(A, alpha):
    A = A[0]
    for chan in range(len(alpha)):
        A[..., chan] *= alpha[chan]  # a tf.Tensor cannot be changed in place
    return _normalized(np.maximum(np.sum(A, axis=-1), 0))


def _batch_index_one(A, alpha):
    A = np.array(A)[1]  # counting from 1: there is no second image
    return _normalized(np.maximum(np.sum(A * alpha, axis=-1), 0))


def _numpy_method_on_tensor(A, alpha):
    S = np.maximum((A[0] * alpha).sum(axis=-1), 0)
    return S / S.max()


@pytest.mark.parametrize(
    "function, error, hint",
    [
        (_broadcast_on_rows, "ValueError", "α_k multiplies channel k, the last axis of A"),
        (_tf_broadcast, "InvalidArgumentError", "α_k multiplies channel k, the last axis of A"),
        (_loop_over_the_rows, "IndexError", "α_k multiplies channel k, the last axis of A"),
        (_tensor_item_assignment, "TypeError", "A is a tf.Tensor here, which cannot be changed"),
        (_numpy_method_on_tensor, "AttributeError", "A is a tf.Tensor here"),
        (_batch_index_one, "IndexError", "A has shape (1, 6, 8, 3): the batch axis has one image"),
    ],
    ids=["broadcast error", "tf broadcast error", "index error", "tensor assignment",
         "numpy method on a tf.Tensor", "batch index 1"],
)
def test_grad_cam_heatmap_errors_are_explained(function, error, hint):
    feedback = run("grad_cam_heatmap", function)
    assert feedback.status == "wrong"
    assert f"raised {error}" in feedback.message, str(feedback)
    assert hint in feedback.message, str(feedback)


def test_zero_division_in_the_all_negative_case_is_explained():
    def python_division(A, alpha):
        S = np.maximum(_weighted_sum(A, alpha), 0)
        return S / float(S.max()) if float(S.max()) != 0 else S.tolist()[0][0] / 0.0

    feedback = run("grad_cam_heatmap", python_division)
    assert "raised ZeroDivisionError" in feedback.message, str(feedback)
    assert "divide by S_max only when S_max > 0" in feedback.message
    assert feedback.case.startswith("every α negative")


def test_heatmap_cases_cover_the_brief():
    cases = exercise("grad_cam_heatmap").cases()
    shapes = [case.info["A"].shape for case in cases]
    assert (1, 7, 14, 16) in shapes and (1, 7, 7, 8) in shapes
    assert any(isinstance(case.args[0], tf.Tensor) for case in cases)
    assert any(not ex4.grad_cam_heatmap(*case.args).any() for case in cases)  # S all zero
    for case in cases:
        assert (case.info["A"] >= 0).all()  # post-ReLU activations
        if case.info["A"].shape in ((1, 7, 14, 16), (1, 7, 7, 8)):
            alpha = case.info["alpha"]
            assert (alpha > 0).any() and (alpha < 0).any()  # α of mixed sign
            assert not case.info["A"].any(axis=(0, 1, 2)).all()  # some dead channels
    assert any(ex4.grad_cam_heatmap(*case.args).min() > 0 for case in cases)  # min-max shows
    # In the designed case the ReLU on each channel clearly differs from the ReLU after the sum.
    first = cases[0]
    gap = np.abs(_relu_each_channel(*first.args) - ex4.grad_cam_heatmap(*first.args)).max()
    assert gap > 0.3


# ---------------------------------------------------------------------------------------------
# Both exercises


@pytest.mark.parametrize("key", ["channel_weights", "grad_cam_heatmap"])
def test_stub_is_not_done(key):
    def stub(*args):
        raise NotImplementedError(exercise(key).stub_message)

    feedback = run(key, stub)
    assert feedback.status == "not done"
    assert "Grad CAM, Guided Demo" in feedback.message


@pytest.mark.parametrize("key", ["channel_weights", "grad_cam_heatmap"])
def test_not_a_function(key):
    feedback = run(key, 42)
    assert feedback.status == "wrong"
    assert "not a function" in feedback.message


@pytest.mark.parametrize("key", ["channel_weights", "grad_cam_heatmap"])
def test_exercise_metadata(key):
    found = exercise(key)
    assert found.notebook == "04_grad_cam"
    assert found.slide == "Grad CAM, Guided Demo"
    assert found.reference is getattr(reference, key)
    assert [e.key for e in ex4.EXERCISES] == ["channel_weights", "grad_cam_heatmap"]


def _snapshot(cases):
    return [
        [np.array(a, copy=True) for a in case.args] + [v.copy() for v in case.info.values()]
        for case in cases
    ]


def test_checks_do_not_change_the_cases():
    """Functions that change their inputs in place leave the cases as they were."""

    def in_place_weights(grads):
        if isinstance(grads, np.ndarray):
            grads *= 2.0
            return numpy_weights(grads) / 2.0
        return numpy_weights(grads)

    def in_place_heatmap(A, alpha):
        if isinstance(A, np.ndarray):
            A *= alpha
            alpha *= 0
            return _normalized(np.maximum(A.sum(axis=-1)[0], 0))
        return notebook_heatmap(A, alpha)

    pairs = [
        ("channel_weights", exercise("channel_weights").cases, in_place_weights, WEIGHT_MISTAKES),
        ("grad_cam_heatmap", exercise("grad_cam_heatmap").cases, in_place_heatmap,
         HEATMAP_MISTAKES),
    ]
    for key, cases, function, mistakes in pairs:
        before = _snapshot(cases())
        first, second = run(key, function), run(key, function)
        assert first.passed and second.passed, (str(first), str(second))
        for wrong, _ in mistakes.values():  # the same message each time
            assert str(run(key, wrong)) == str(run(key, wrong))
        for old, new in zip(before, _snapshot(cases()), strict=True):
            for a, b in zip(old, new, strict=True):
                np.testing.assert_array_equal(a, b)


def test_checker_returns_the_function_to_go_on_with(capsys, monkeypatch):
    """lh.check.<key>(fn) shows the message and returns fn when it passed, else the reference."""
    import lecture_helpers.check as check

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert check.channel_weights(numpy_weights) is numpy_weights
    assert check.grad_cam_heatmap(_no_relu) is reference.grad_cam_heatmap
    shown = capsys.readouterr().out
    assert "Exercise 4.1, channel_weights: correct on all 4 cases" in shown
    assert "Exercise 4.2, grad_cam_heatmap: S has negative values" in shown
