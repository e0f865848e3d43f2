"""The reference solutions of the exercises, with the exercises' own signatures.

A notebook falls back to these when an exercise is not done or not yet right
(``lh.check.<exercise>`` returns the reference then, and says so).
"""

from __future__ import annotations

from .ascent import ascent_step, gradient_ascent, plain_ascent_step
from .channels import activation_model, channel_grid, prepare_image_for_display
from .class_neurons import class_step, vanilla_saliency
from .grad_cam import channel_weights, grad_cam_heatmap

__all__ = [
    "activation_model", "channel_grid", "prepare_image_for_display",
    "ascent_step", "gradient_ascent", "plain_ascent_step",
    "class_step", "vanilla_saliency",
    "channel_weights", "grad_cam_heatmap",
]
