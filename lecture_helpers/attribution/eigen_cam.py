"""Eigen-CAM (Muhammad and Yeasin 2020): the feature map's first principal component.

The activations A (h x w positions, K channels), centred over positions, projected on their
first principal direction v: S = ReLU(A v) / max, v's sign chosen so that the projection
agrees with the mean activation.  No gradient and no class: one forward pass, the same map
for every class, showing what the layer responds to most, whatever the model decides.
"""

from __future__ import annotations

import numpy as np

from .base import Inputs, Maps, Method
from .maps import normalize_heatmap


def eigen_cam_from_activations(activations: np.ndarray) -> np.ndarray:
    """Eigen-CAM from A, (N, H, W, K) → (N, H, W) in [0, 1]."""
    maps = []
    for a in np.asarray(activations, dtype=np.float64):
        flat = a.reshape(-1, a.shape[-1])
        centred = flat - flat.mean(axis=0)
        direction = np.linalg.svd(centred, full_matrices=False)[2][0]
        projection = centred @ direction
        if np.dot(projection, flat.mean(axis=1)) < 0:
            projection = -projection
        maps.append(projection.reshape(a.shape[:2]))
    return normalize_heatmap(np.stack(maps))


def compute(inputs: Inputs) -> Maps:
    """One forward pass of the distinct images."""
    activations, _ = inputs.features()
    rows = [inputs.source(r) for r in range(len(inputs.x))]
    return Maps(eigen_cam_from_activations(activations)[rows])


METHOD = Method("eigen_cam", "Eigen-CAM", "Muhammad and Yeasin 2020", compute, layer=True,
                gradients=False, class_specific=False)
