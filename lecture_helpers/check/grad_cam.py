"""Exercises of notebook 4 (Grad-CAM): the channel weights α and the heatmap S.

Both come from the slide "Grad CAM, Guided Demo"::

    α_k = 1/|I×J| Σ_ij ∂f_c/∂A_ijk          (tf.reduce_mean(grad_var, axis=(0, 1, 2)))
    S   = ReLU(Σ_k α_k A_k) / S_max

The cases are small seeded arrays (no model), so a whole check takes milliseconds.  The
checks name the usual slips: a mean over the wrong axes, a sum for the mean, |gradients|,
the ReLU on each channel (as the slide's loop does) instead of once on the sum, no ReLU, no
division by S_max, a min-max normalization, the batch axis kept, α along the wrong axis of A,
and 0/0 = NaN when no position has positive evidence.
"""

from __future__ import annotations

import functools
import itertools
import warnings
from typing import Any

import numpy as np
import tensorflow as tf

from ._core import Case, Exercise, call

__all__ = ["EXERCISES", "channel_weights", "grad_cam_heatmap"]

SLIDE = "Grad CAM, Guided Demo"
NOTEBOOK = "04_grad_cam"
RTOL, ATOL = 1e-3, 1e-5  # values of order 1 in float32: far above rounding, far below a slip


# ---------------------------------------------------------------------------------------------
# The reference solutions (what the notebook falls back to)


def channel_weights(grads: Any) -> np.ndarray:
    """α_k: the gradients ∂f_c/∂A, shape (1, I, J, K), averaged over the batch, i and j → (K,)."""
    alpha_k = tf.reduce_mean(grads, axis=(0, 1, 2))  # mean over batch, i and j
    return alpha_k.numpy()


def grad_cam_heatmap(A: Any, alpha: Any) -> np.ndarray:
    """S = ReLU(Σ_k α_k A_k) / S_max, shape (I, J), from A (1, I, J, K) and α (K,).

    All zeros where no position has positive evidence (S_max = 0).
    """
    A = np.array(A)[0]  # (I, J, K): drop the batch axis
    S = np.maximum(np.sum(A * np.asarray(alpha), axis=-1), 0)  # ReLU(Σ_k α_k A_k)
    S_max = S.max()
    return S / S_max if S_max > 0 else S


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _num(x: float) -> str:
    """A number with 3 significant digits ("0.412", "3.2", "98", "1234")."""
    x = float(x)
    return f"{x:.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def _frozen(array: np.ndarray) -> np.ndarray:
    """A read-only array, so that no comparison can change a case."""
    array.setflags(write=False)
    return array


def _as_array(got: Any, name: str, expected_shape: tuple) -> tuple[np.ndarray | None, str | None]:
    """``got`` as a float array, or a sentence saying why it is not one."""
    want = f"an array of shape {expected_shape}"
    if got is None:
        return None, f"returned None: return {name}, {want}"
    try:
        return np.asarray(got, dtype=np.float64), None
    except (TypeError, ValueError):
        kind = type(got).__name__
        if isinstance(got, tuple | list):
            return None, f"returned a {kind} of {len(got)} things: return only {name}, {want}"
        return None, f"returned a {kind}, not numbers: return {name}, {want}"


def _explain(error: BaseException, name: str, shape: tuple) -> str | None:
    """A hint for an error about ``name`` (grads or A, of ``shape``): numpy or tf.Tensor, axes."""
    text = str(error)
    tensor = "Tensor" in text
    if isinstance(error, AttributeError) and "attribute 'numpy'" in text:
        return (
            f"{name} may be a numpy array or a tf.Tensor: .numpy() works only on a tf.Tensor; "
            f"np.asarray({name}) works on both"
        )
    if isinstance(error, AttributeError) and tensor:
        return (
            f"{name} is a tf.Tensor here, which has no numpy methods: convert it first, "
            f"{name} = np.array({name}), or use tf functions (tf.reduce_mean, tf.reduce_sum)"
        )
    if isinstance(error, TypeError) and tensor and "assignment" in text:
        return (
            f"{name} is a tf.Tensor here, which cannot be changed in place: work on a numpy "
            f"copy, {name} = np.array({name})"
        )
    low = text.lower()
    if "of dimension" in low or "reduction dimension" in low:  # numpy's AxisError, tf's
        return f"{name} has 4 axes (batch, i, j, k), numbered 0 to 3; the channels k are axis -1"
    if isinstance(error, IndexError):
        return f"{name} has shape {shape}: (batch, rows i, columns j, channels k)"
    return None


# ---------------------------------------------------------------------------------------------
# Exercise 4.1: channel_weights(grads) → α, shape (K,)

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


# ---------------------------------------------------------------------------------------------
# Exercise 4.2: grad_cam_heatmap(A, alpha) → S, shape (I, J)


def _activations(rng: np.random.Generator, rows: int, cols: int, channels: int,
                 dead: int) -> np.ndarray:
    """Post-ReLU activations (≥ 0, many zeros) with ``dead`` channels all zero."""
    A = np.maximum(rng.normal(0.2, 1.0, size=(1, rows, cols, channels)), 0)
    A[..., rng.choice(channels, size=dead, replace=False)] = 0
    return A.astype(np.float32)


def _cancelling() -> tuple[np.ndarray, np.ndarray]:
    """3 channels on a 6x8 map where channel 2 (α < 0) outweighs channel 0 on the right half."""
    rng = np.random.default_rng(7)
    A = np.zeros((1, 6, 8, 3), np.float32)
    A[0, :, :, 0] = 1.0 + 0.5 * rng.random((6, 8))  # everywhere
    A[0, 1:4, 1:4, 1] = 2.0 + rng.random((3, 3))  # a blob at the top left
    A[0, :, 4:, 2] = 1.0 + rng.random((6, 4))  # the right half
    return A, np.array([1.0, 0.5, -2.0], np.float32)


@functools.lru_cache(maxsize=4)
def _heatmap_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(42)
    wide = _activations(rng, 7, 14, 16, dead=3)
    wide_alpha = rng.normal(0.0, 1.0, 16).astype(np.float32)
    square = _activations(rng, 7, 7, 8, dead=2)
    square_alpha = rng.normal(0.0, 1.0, 8).astype(np.float32)
    every = _activations(rng, 5, 9, 6, dead=1)
    live = int(np.flatnonzero(every.any(axis=(0, 1, 2)))[0])
    every[..., live] += 0.1  # some evidence at every position: S > 0 everywhere
    every_alpha = np.abs(rng.normal(0.0, 1.0, 6)).astype(np.float32) + 0.1
    none = _activations(rng, 5, 6, 4, dead=1)
    none_alpha = -np.abs(rng.normal(0.0, 1.0, 4)).astype(np.float32) - 0.1
    cancel, cancel_alpha = _cancelling()
    cases = []
    for A, alpha, name, as_tensor in (
        (cancel, cancel_alpha, "3 channels on a 6x8 map; channel 2 (α < 0) cancels channel 0 "
         "on the right half", False),
        (wide, wide_alpha, "7x14 activations with 16 channels (3 dead), α of mixed sign", False),
        (square, square_alpha, "7x7 activations with 8 channels (2 dead), A a tf.Tensor", True),
        (every, every_alpha, "every α positive: S > 0 at every position", False),
        (none, none_alpha, "every α negative: no position has positive evidence", False),
    ):
        A, alpha = _frozen(A.copy()), _frozen(alpha.copy())
        given = tf.constant(A) if as_tensor else A
        cases.append(Case(name, (given, alpha), info={"A": A, "alpha": alpha}))
    return tuple(cases)


def _unit(S: np.ndarray) -> np.ndarray:
    """S divided by its maximum when that is positive (a map compared up to its scale)."""
    peak = S.max() if S.size else 0.0
    return S / peak if peak > 0 else S


def _wrong_axis_maps(A: np.ndarray, alpha: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The maps α gives when it multiplies the rows i or the columns j of A instead of k.

    ``A[:, :, k] *= alpha[k]`` on the 4-D A (or ``A[k]`` / ``A[:, k]`` on the 3-D one) scales the
    first K columns (rows); a broadcast along another axis of size K scales them all.  With the
    ReLU after the sum, or on each channel as in the slide's loop.
    """
    K = alpha.size
    maps = []
    for axis, name in ((0, "rows i"), (1, "columns j")):
        if A.shape[axis] < K:
            continue
        index = [slice(None)] * 3
        index[axis] = slice(0, K)
        shape = [1, 1, 1]
        shape[axis] = K
        scaled = A.copy()
        scaled[tuple(index)] *= alpha.reshape(shape)
        maps.append((name, np.maximum(scaled.sum(axis=-1), 0)))
        scaled[tuple(index)] = np.maximum(scaled[tuple(index)], 0)  # the slide's loop
        maps.append((name, np.maximum(scaled.sum(axis=-1), 0)))
    return maps


def _heatmap_shape_mistake(shape: tuple, rows: int, cols: int, K: int) -> str:
    """Name what a wrongly shaped S kept or summed (A has shape (1, rows, cols, K))."""
    if shape == (1, rows, cols):
        return f"S has shape {shape}: drop the batch axis"
    if shape in ((rows, cols, K), (1, rows, cols, K)):
        return f"S has shape {shape}: sum α_k A_k over the channels k, axis=-1"
    for summed, shapes in (
        ("the rows i", ((cols, K), (1, cols, K))),
        ("the columns j", ((rows, K), (1, rows, K))),
    ):
        if shape in shapes:
            return (
                f"S has shape {shape}: you summed over {summed}; "
                "sum over the channels k, axis=-1"
            )
    return f"S has shape {shape}, expected {(rows, cols)}: one value per position i, j"


def _compare_heatmap(case: Case, got: Any, expected: Any) -> str | None:
    A, alpha = case.info["A"].astype(np.float64), case.info["alpha"].astype(np.float64)
    rows, cols, K = A.shape[1:]
    got, problem = _as_array(got, "S", (rows, cols))
    if problem:
        return problem
    if got.shape != (rows, cols):
        return _heatmap_shape_mistake(tuple(got.shape), rows, cols, K)
    expected = np.asarray(expected, dtype=np.float64)
    close = functools.partial(np.allclose, rtol=RTOL, atol=1e-4)
    if not np.isfinite(got).all():
        if not expected.any():
            return (
                "S is all zero here (no position has positive evidence) and your map is NaN: "
                "divide by S_max only when S_max > 0"
            )
        i, j = np.argwhere(~np.isfinite(got))[0]
        return f"S at row {i}, column {j} is {got[i, j]}: check for a division by zero"
    if close(got, expected):
        return None
    if got.min() < -1e-4 * max(1.0, np.abs(got).max()):
        low = _num(got.min())
        return f"S has negative values (down to {low}): apply the ReLU, np.maximum(S, 0)"
    weighted = A[0] * alpha  # (I, J, K): α_k A_k
    raw = weighted.sum(axis=-1)  # Σ_k α_k A_k
    relu = np.maximum(raw, 0)
    shape = _unit(got)  # S up to its scale: a slip and a missing division are told apart

    def spread(x: np.ndarray) -> np.ndarray:
        return (x - x.min()) / (x.max() - x.min()) if x.max() > x.min() else x

    per_channel = (
        "you applied the ReLU to each channel before the sum (as in the slide's code); "
        "Grad-CAM applies it once, to the sum: S = ReLU(Σ_k α_k A_k)"
    )
    absolute = "you took |Σ_k α_k A_k|: negative evidence became positive; the ReLU sets it to 0"
    min_max = "you subtracted S's minimum: divide by S_max only"
    slips = [
        (np.maximum(weighted, 0).sum(axis=-1), per_channel),
        (np.abs(raw), absolute),
        (spread(raw), min_max),
        (spread(relu), min_max),
    ]
    slips += [
        (
            wrong,
            f"α multiplied the {name} of A: α_k multiplies channel k, the last axis of A "
            "(A * alpha, or A[..., k] * alpha[k])",
        )
        for name, wrong in _wrong_axis_maps(A[0], alpha)
    ]
    for wrong, sentence in slips:
        wrong = _unit(wrong)
        if close(shape, wrong) and not close(wrong, expected):  # only where the slip shows
            return sentence
    if expected.any() and close(shape, expected):
        return f"S peaks at {_num(got.max())}: divide by S_max so that the peak is 1"
    i, j = np.argwhere(~np.isclose(got, expected, rtol=RTOL, atol=1e-4))[0]
    return f"S at row {i}, column {j} is {_num(got[i, j])}, expected {_num(expected[i, j])}"


def _observe_quietly(function: Any, case: Case) -> Any:
    """Call without numpy's division warnings: 0/0 is judged by the values (NaN), not a warning."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return call(function, case)


def _explain_heatmap(error: BaseException, case: Case) -> str | None:
    text = str(error)
    shape, K = case.info["A"].shape, case.info["alpha"].size
    if "for axis 0 with size 1" in text:
        return f"A has shape {shape}: the batch axis has one image, A[0]"
    if (
        "broadcast" in text
        or "Incompatible shapes" in text
        or (isinstance(error, IndexError) and "out of bounds" in text)
    ):
        return (
            f"α_k multiplies channel k, the last axis of A {shape}: A * alpha broadcasts α "
            f"(shape ({K},)) along that axis, or loop over A[..., k] for k in range({K})"
        )
    if isinstance(error, ZeroDivisionError | FloatingPointError) and not np.any(
        grad_cam_heatmap(case.info["A"], case.info["alpha"])
    ):
        return (
            "S is all zero here (no position has positive evidence): "
            "divide by S_max only when S_max > 0"
        )
    return _explain(error, "A", shape)


# ---------------------------------------------------------------------------------------------

EXERCISES: list[Exercise] = [
    Exercise(
        key="channel_weights",
        number="4.1",
        notebook=NOTEBOOK,
        title="One weight per channel: α",
        slide=SLIDE,
        signature="channel_weights(grads)",
        reference=channel_weights,
        cases=_weight_cases,
        compare=_compare_weights,
        explain=_explain_weights,
    ),
    Exercise(
        key="grad_cam_heatmap",
        number="4.2",
        notebook=NOTEBOOK,
        title="The heatmap S",
        slide=SLIDE,
        signature="grad_cam_heatmap(A, alpha)",
        reference=grad_cam_heatmap,
        cases=_heatmap_cases,
        compare=_compare_heatmap,
        observe=_observe_quietly,
        explain=_explain_heatmap,
    ),
]
