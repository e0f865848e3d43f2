"""Exercises of notebook 4 (Grad-CAM): the channel weights α and the heatmap S.

Both come from the slide "Grad CAM, Guided Demo" (their numbers, titles and slide:
``table.py``)::

    α_k = 1/|I×J| Σ_ij ∂f_c/∂A_ijk          (tf.reduce_mean(grad_var, axis=(0, 1, 2)))
    S   = ReLU(Σ_k α_k A_k) / S_max

The cases are small seeded arrays (no model), so a whole check takes milliseconds.  The
checks name the usual slips: a mean over the wrong axes, a sum for the mean, |gradients|
(``_channel_weights.py``), the ReLU on each channel (as the slide's loop does) instead of once
on the sum, no ReLU, no division by S_max, a min-max normalization, the batch axis kept, α
along the wrong axis of A, and 0/0 = NaN when no position has positive evidence (here).
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np
import tensorflow as tf

from ._channel_weights import _compare_weights, _explain_weights, _weight_cases
from ._core import Case, Exercise, call
from ._grad_cam_common import RTOL, _as_array, _explain, _frozen, _num
from .table import listed

__all__ = ["EXERCISES", "channel_weights", "grad_cam_heatmap"]


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
# grad_cam_heatmap(A, alpha) → S, shape (I, J)


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


EXERCISES: list[Exercise] = [
    listed(
        "channel_weights",
        reference=channel_weights,
        cases=_weight_cases,
        compare=_compare_weights,
        explain=_explain_weights,
    ),
    listed(
        "grad_cam_heatmap",
        reference=grad_cam_heatmap,
        cases=_heatmap_cases,
        compare=_compare_heatmap,
        observe=_observe_quietly,
        explain=_explain_heatmap,
    ),
]
