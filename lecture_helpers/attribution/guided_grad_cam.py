"""Guided Grad-CAM (Selvaraju et al. 2017): guided backprop times the upsampled Grad-CAM map.

Guided backprop's fine detail, kept only where the class's Grad-CAM evidence is.
"""

from __future__ import annotations

import numpy as np

from . import grad_cam, guided_backprop
from .base import Inputs, Maps, Method
from .maps import upsample_heatmap


def compute(inputs: Inputs) -> Maps:
    """Guided backprop's pass and Grad-CAM's; the map is the largest |value| over colour."""
    guided = guided_backprop.compute(inputs).attributions
    cam = upsample_heatmap(grad_cam.compute(inputs).maps, inputs.x.shape[1:3])
    values = guided * cam[..., None]
    return Maps(np.abs(values).max(axis=-1), attributions=values)


METHOD = Method("guided_grad_cam", "Guided Grad-CAM", "Selvaraju et al. 2017", compute,
                layer=True)
