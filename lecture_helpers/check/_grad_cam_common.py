"""What notebook 4's checkers share: tolerances, numbers as a student reads them, hints.

The cases are small seeded arrays, frozen (read-only) so that no comparison changes them; a
result is read as a float array, or named for what it is instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

RTOL, ATOL = 1e-3, 1e-5  # values of order 1 in float32: far above rounding, far below a slip


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
