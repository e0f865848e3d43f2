"""The image gradient (Simonyan et al. 2013), the lecture's saliency map.

M_ij = max over colour channels of |d f_c(I) / d I_ij|: one backward pass to the pixels.
"""

from __future__ import annotations

import numpy as np

from .base import Inputs, Maps, Method
from .engine import default_batch_size


def pixel_attribution(inputs: Inputs, images: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """d f_c / d pixels, (n, H, W, C)."""
    return inputs.pixel_gradients(images, classes, batch_size=len(images))[1]


def compute(inputs: Inputs, *, batch_size: int | None = None) -> Maps:
    """``batch_size`` images per backward pass (default: 4 of 224 x 224 px)."""
    x = inputs.x
    batch_size = batch_size or default_batch_size(x.shape[1] * x.shape[2])
    grads = inputs.row_gradients(batch_size)
    return Maps(np.abs(grads).max(axis=-1), attributions=grads.astype(np.float32))


METHOD = Method("vanilla", "Vanilla gradient", "Simonyan et al. 2013", compute,
                pixel_attribution=pixel_attribution,
                family="saliency")
