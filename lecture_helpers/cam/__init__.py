"""Class activation maps: Grad-CAM (the lecture's method) and its relatives.

The lecture's recipe, for an image I, a class c and the last convolutional layer L with
activations A (H x W x K):

    alpha_k = mean over i, j of  d f_c(I) / d A_ijk          (one weight per channel)
    S       = ReLU(sum_k alpha_k A_k) / max                  (a heatmap in [0, 1])

``grad_cam(model, image)`` does it in one call: ONE forward pass of a model with two
outputs (A and the class scores) and a backward pass from the score to A only, compiled
once per model and layer.  The score is the unnormalized class score (the logit), not
the softmax probability.

Also here: Grad-CAM++, Score-CAM (batched over channels), guided backpropagation and
guided Grad-CAM, occlusion sensitivity (batched), ``upsample_heatmap`` and ``overlay``.

Every function takes a ``ZooModel`` (``lh.load_model(...)``) or a plain ``keras.Model``
(Functional, Sequential, NESTED: a base model used as a layer, the transfer-learning
pattern; name a layer inside the base as ``"base_name/layer_name"``, or leave
``layer=None``).  Layers, class scores, classes and images are resolved by the model's
view (``modelview.py``), like every other helper.

Layout, one module per method over a small shared base (as pytorch-grad-cam does):
:mod:`.base` (heatmap helpers, layers, scores, the compiled engine, batches),
:mod:`.grad_cam`, :mod:`.score_cam`, :mod:`.guided`, :mod:`.occlusion`; here,
:data:`CAM_METHODS` and :func:`compute_heatmap`.  Every name is re-exported here; note
that ``grad_cam`` and ``score_cam`` here are the functions, not the submodules of the same
name.  Assigning an attribute of this package (``lh.cam.name = ...``) also changes it in
the submodules that read it (see :mod:`lecture_helpers._package`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

# ``name as name``: names outside ``__all__`` (as before the split) that the widgets,
# attribution_metrics, tests and benchmarks reach as ``cam.name``.
from .._package import forward_assignments
from ..errors import UnknownNameError
from ..zoo import ZooModel
from .base import CamEngine as CamEngine
from .base import batch_and_classes as batch_and_classes
from .base import cam_engine as cam_engine
from .base import (
    cam_layer_choices,
    cam_layers,
    forget_model,
    normalize_heatmap,
    overlay,
    resolve_cam_layer,
    upsample_heatmap,
)
from .base import image_batch as image_batch
from .base import probability_function as probability_function
from .base import score_spec as score_spec
from .display import (
    mass_fraction,
    plot_colormaps,
    plot_guided,
    plot_heatmaps,
    plot_randomization,
)
from .grad_cam import (
    ChannelWeightCheck,
    channel_weight_check,
    grad_cam,
    grad_cam_gradients,
    grad_cam_plus_plus,
    gradcam_from_gradients,
    gradcam_plus_plus_from_gradients,
)
from .guided import GuidedReLU as GuidedReLU
from .guided import guided_backprop, guided_grad_cam, guided_model, refresh_guided_weights
from .occlusion import occlusion_sensitivity
from .score_cam import score_cam

__all__ = [
    "CAM_METHODS",
    "cam_layer_choices",
    "cam_layers",
    "channel_weight_check",
    "ChannelWeightCheck",
    "compute_heatmap",
    "forget_model",
    "grad_cam",
    "grad_cam_gradients",
    "grad_cam_plus_plus",
    "gradcam_from_gradients",
    "gradcam_plus_plus_from_gradients",
    "guided_backprop",
    "guided_grad_cam",
    "guided_model",
    "mass_fraction",
    "normalize_heatmap",
    "occlusion_sensitivity",
    "overlay",
    "plot_colormaps",
    "plot_guided",
    "plot_heatmaps",
    "plot_randomization",
    "refresh_guided_weights",
    "resolve_cam_layer",
    "score_cam",
    "upsample_heatmap",
]


# ---------------------------------------------------------------------------
# One entry point for the widget and comparisons


def _guided_grad_cam_map(model, image, class_index=None, layer=None, *, size=None):
    g = guided_grad_cam(model, image, class_index, layer, size=size)
    return normalize_heatmap(np.abs(g).max(axis=-1))


def _guided_backprop_map(model, image, class_index=None, layer=None, *, size=None):
    g = guided_backprop(model, image, class_index, size=size)
    return normalize_heatmap(np.abs(g).max(axis=-1))


def _occlusion_map(model, image, class_index=None, layer=None, *, size=None):
    return occlusion_sensitivity(model, image, class_index, size=size)


CAM_METHODS: dict[str, Callable[..., np.ndarray]] = {
    "Grad-CAM": grad_cam,
    "Grad-CAM++": grad_cam_plus_plus,
    "Score-CAM": score_cam,
    "Guided Grad-CAM": _guided_grad_cam_map,
    "Guided backprop": _guided_backprop_map,
    "Occlusion": _occlusion_map,
}


def compute_heatmap(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    layer: str | None = None,
    *,
    method: str = "Grad-CAM",
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Any method of :data:`CAM_METHODS` as a [0, 1] heatmap (pixel methods: max |grad|
    over colour channels).  Guided backprop and occlusion ignore ``layer``."""
    if method not in CAM_METHODS:
        raise UnknownNameError(
            f"unknown method {method!r}; choose one of: {', '.join(CAM_METHODS)}"
        )
    return CAM_METHODS[method](model, image, class_index, layer, size=size)


forward_assignments(__name__)
