"""Grad-CAM (Selvaraju et al. 2017), the lecture's method.

alpha_k = mean over i, j of dF_c/dA_ijk (one weight per channel);
S = ReLU(sum_k alpha_k A_k) / max.
"""

from __future__ import annotations

import numpy as np

from .base import Inputs, Maps, Method
from .maps import normalize_heatmap


def gradcam_from_gradients(activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """Grad-CAM from A and dA = d f_c / dA, both (N, H, W, K) → (N, H, W) in [0, 1]."""
    activations = np.asarray(activations, dtype=np.float32)
    alpha = np.asarray(gradients, dtype=np.float32).mean(axis=(1, 2))  # (N, K)
    return normalize_heatmap(np.einsum("nhwk,nk->nhw", activations, alpha))


def compute(inputs: Inputs) -> Maps:
    """One forward pass and one backward pass to the layer."""
    return Maps(gradcam_from_gradients(*inputs.feature_gradients()))


METHOD = Method("grad_cam", "Grad-CAM", "Selvaraju et al. 2017", compute, layer=True)
