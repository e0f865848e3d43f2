"""The checks of ``channel_weights(grads)``, Grad-CAM's α: cases, comparison and hints.

The cases: seeded gradients of mixed sign, as numpy arrays and as tf.Tensors.  A wrong α is
named by the axes it was averaged over (its shape) or by the slip its values show: a sum for
the mean, |gradients|, the maximum, only the positive gradients, a ReLU on α.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np
import tensorflow as tf

from ._core import Case
from ._grad_cam_common import ATOL, RTOL, _as_array, _explain, _frozen, _num

_AXIS_NAMES = {0: "the batch", 1: "the rows i", 2: "the columns j", 3: "the channels k"}


def _grads(rng: np.random.Generator, rows: int, cols: int, channels: int) -> np.ndarray:
    """Gradients of mixed sign whose channel means (α) are of both signs."""
    means = rng.permutation(np.linspace(-0.8, 0.8, channels)) + rng.normal(0, 0.1, channels)
    return rng.normal(means, 1.0, size=(1, rows, cols, channels)).astype(np.float32)


@functools.lru_cache(maxsize=4)
def _weight_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(41)
    wide, square, small = _grads(rng, 7, 14, 16), _grads(rng, 7, 7, 8), _grads(rng, 4, 4, 3)
    cases = []
    for grads, name, as_tensor in (
        (wide, "gradients of a 7x14 map with 16 channels", False),
        (wide, "gradients of a 7x14 map with 16 channels, as a tf.Tensor", True),
        (square, "gradients of a 7x7 map with 8 channels, as a tf.Tensor", True),
        (small, "gradients of a 4x4 map with 3 channels", False),
    ):
        grads = _frozen(grads.copy())
        given = tf.constant(grads) if as_tensor else grads
        cases.append(Case(name, (given,), info={"grads": grads}))
    return tuple(cases)


def _axes_sentence(axes: tuple[int, ...]) -> str:
    names = [_AXIS_NAMES[a] for a in axes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _weights_shape_mistake(got: np.ndarray, grads: np.ndarray) -> str:
    """Name the axes a wrongly shaped α was averaged over."""
    K = grads.shape[-1]
    shape = tuple(got.shape)
    if got.size == 1:
        value = float(got.reshape(-1)[0])
        if np.isclose(value, grads.mean(dtype=np.float64), rtol=RTOL, atol=ATOL):
            return (
                "the mean is over all axes; α averages over i and j only: "
                "one α per channel k, axis=(0, 1, 2)"
            )
        if np.isclose(value, grads.sum(dtype=np.float64), rtol=RTOL, atol=ATOL):
            return "you summed over all axes: α is one mean per channel k, axis=(0, 1, 2)"
        return f"α is a single number: one weight per channel k, shape ({K},), axis=(0, 1, 2)"
    if shape == (1, K):
        return f"α has shape {shape}: average over the batch axis too, axis=(0, 1, 2)"
    if shape == grads.shape:
        return (
            f"α has the shape of the gradients {shape}: average them over the batch and the "
            "positions i, j, axis=(0, 1, 2)"
        )
    if got.squeeze().shape == (K,):
        return (
            f"α has shape {shape}: drop the averaged axes (no keepdims), "
            f"so that α has shape ({K},)"
        )
    # Which axes give this shape?  Prefer those whose mean (or sum) also gives these values.
    matches = []
    for count in (1, 2, 3):
        for axes in itertools.combinations(range(4), count):
            mean = grads.mean(axis=axes, dtype=np.float64)
            if mean.shape != shape:
                continue
            sums = grads.sum(axis=axes, dtype=np.float64)
            fits = any(np.allclose(got, v, rtol=RTOL, atol=ATOL) for v in (mean, sums))
            if fits or got.ndim > 1:  # a 1-D α of another length: only by its values
                matches.append((not fits, axes))
    if matches:
        axes = min(matches)[1]
        if 3 in axes:
            return (
                "α has one weight per channel k: average over the positions (axes 0, 1, 2), "
                "not over the channels"
            )
        missing = tuple(a for a in (0, 1, 2) if a not in axes)
        return (
            f"α has shape {shape}: you averaged over {_axes_sentence(axes)} only; average over "
            f"{_axes_sentence(missing)} too, axis=(0, 1, 2)"
        )
    return f"α has shape {shape}, expected ({K},): one weight per channel k, axis=(0, 1, 2)"


def _compare_weights(case: Case, got: Any, expected: Any) -> str | None:
    grads = case.info["grads"]
    rows, cols, K = grads.shape[1:]
    got, problem = _as_array(got, "α", (K,))
    if problem:
        return problem
    if got.shape != (K,):
        return _weights_shape_mistake(got, grads)
    expected = np.asarray(expected, dtype=np.float64)
    if np.allclose(got, expected, rtol=RTOL, atol=ATOL):
        return None
    g = grads.astype(np.float64)
    positions = (0, 1, 2)
    slips = (
        (
            expected * rows * cols,
            f"you summed over i and j: α divides by |I×J| = {rows * cols} (the mean)",
        ),
        (
            np.abs(g).mean(axis=positions),
            "you averaged |∂f_c/∂A|: α keeps the sign of the gradients",
        ),
        (
            g.max(axis=positions),
            "you took the maximum of ∂f_c/∂A over i and j: α is the plain mean, "
            "tf.reduce_mean(grads, axis=(0, 1, 2))",
        ),
        (
            np.maximum(g, 0).mean(axis=positions),
            "you averaged only the positive gradients (a ReLU): α is the plain mean of "
            "∂f_c/∂A, negative values included",
        ),
        (
            np.maximum(g, 0).sum(axis=positions),
            "you summed only the positive gradients: α is the plain mean of ∂f_c/∂A, "
            "negative values included",
        ),
        (
            np.maximum(expected, 0),
            "you applied a ReLU to α: α keeps its sign (the ReLU comes later, on the heatmap S)",
        ),
    )
    for value, sentence in slips:
        if np.allclose(got, value, rtol=RTOL, atol=ATOL):
            return sentence
    k = int(np.flatnonzero(~np.isclose(got, expected, rtol=RTOL, atol=ATOL))[0])
    return f"α for channel {k} is {_num(got[k])}, expected {_num(expected[k])}"


def _explain_weights(error: BaseException, case: Case) -> str | None:
    return _explain(error, "grads", case.info["grads"].shape)
