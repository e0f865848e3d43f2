"""Grad-CAM++ (Chattopadhay et al. 2018): weights from the positive gradients only.

With the exponential-score closed form: a_ijk = g^2 / (2 g^2 + sum_ab A_abk g^3),
w_k = sum_ij a_ijk ReLU(g_ijk), S = ReLU(sum_k w_k A_k) / max.
"""

from __future__ import annotations

import numpy as np

from .base import Inputs, Maps, Method
from .maps import normalize_heatmap


def gradcam_plus_plus_from_gradients(activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """Grad-CAM++ from A and g = d f_c / dA, (N, H, W, K) each → (N, H, W) in [0, 1].

    Computed as a_ijk = 1 / (2 + sum_ab A_abk g), the same for g != 0, so that a small
    gradient keeps its weight (an absolute cut-off on the denominator, which scales with
    g^2, would drop it); only exact zeros (g = 0, or a zero denominator) get a_ijk = 0.
    """
    a = np.asarray(activations, dtype=np.float64)
    g = np.asarray(gradients, dtype=np.float64)
    denominator = 2.0 + a.sum(axis=(1, 2), keepdims=True) * g
    defined = (g != 0) & (denominator != 0)
    aij = np.where(defined, 1.0 / np.where(defined, denominator, 1.0), 0.0)
    weights = (aij * np.maximum(g, 0.0)).sum(axis=(1, 2))  # (N, K)
    return normalize_heatmap(np.einsum("nhwk,nk->nhw", a, weights))


def compute(inputs: Inputs) -> Maps:
    """The same passes as Grad-CAM."""
    return Maps(gradcam_plus_plus_from_gradients(*inputs.feature_gradients()))


METHOD = Method("grad_cam_plus_plus", "Grad-CAM++", "Chattopadhay et al. 2018", compute,
                layer=True)
