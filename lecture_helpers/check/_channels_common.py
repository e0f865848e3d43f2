"""What notebook 1's checkers share: numbers and results as a student reads them, the convnet.

The slide's small convnet gets fixed weights here, so that the cases of ``activation_model``
and ``channel_grid`` are the same on every run.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np


def _num(value: float) -> str:
    """A number with 3 significant digits, as a student reads it (37.2, 0.31, 300)."""
    return f"{float(value):.3g}"


def _describe(value: Any) -> str:
    """What a returned value is, in a few words ("a list of 8 KerasTensor")."""
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)):
        kinds = sorted({type(v).__name__ for v in value})
        return f"a {type(value).__name__} of {len(value)} {'/'.join(kinds) or 'items'}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


@functools.lru_cache(maxsize=1)
def _small_convnet() -> Any:
    """The slide's small convnet (150x150), with fixed glorot-uniform weights and zero biases."""
    from ..zoo import lecture_small_convnet

    model = lecture_small_convnet()
    rng = np.random.default_rng(1)
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        kernel = weights[0]
        receptive = int(np.prod(kernel.shape[:-2])) if kernel.ndim > 2 else 1
        fan_in, fan_out = receptive * kernel.shape[-2], receptive * kernel.shape[-1]
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        new = [rng.uniform(-limit, limit, kernel.shape).astype("float32")]
        new += [np.zeros(w.shape, "float32") for w in weights[1:]]
        layer.set_weights(new)
    return model

