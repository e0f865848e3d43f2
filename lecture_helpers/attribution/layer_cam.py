"""Layer-CAM (Jiang et al. 2021): a weight per position, not per channel.

S_ij = ReLU(sum_k ReLU(dF_c/dA_ijk) A_ijk) / max.  Where Grad-CAM averages each channel's
gradient over the whole map, Layer-CAM keeps it where it is: at an early layer, whose
channels are not one part each, the map stays sharp and on the object.
"""

from __future__ import annotations

import numpy as np

from .base import Inputs, Maps, Method
from .maps import normalize_heatmap


def layer_cam_from_gradients(activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """Layer-CAM from A and dF_c/dA, (N, H, W, K) each → (N, H, W) in [0, 1]."""
    a = np.asarray(activations, dtype=np.float64)
    g = np.asarray(gradients, dtype=np.float64)
    return normalize_heatmap((np.maximum(g, 0.0) * a).sum(axis=-1))


def compute(inputs: Inputs) -> Maps:
    """The same passes as Grad-CAM."""
    return Maps(layer_cam_from_gradients(*inputs.feature_gradients()))


METHOD = Method("layer_cam", "Layer-CAM", "Jiang et al. 2021", compute, layer=True)
