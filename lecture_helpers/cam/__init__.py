"""Class activation maps: Grad-CAM (the lecture's method) and its relatives, by name.

The lecture's recipe, for an image I, a class c and the last convolutional layer L with
activations A (H x W x K):

    alpha_k = mean over i, j of  d f_c(I) / d A_ijk          (one weight per channel)
    S       = ReLU(sum_k alpha_k A_k) / max                  (a heatmap in [0, 1])

``grad_cam(model, image)`` does it in one call: ONE forward pass of a model with two
outputs (A and the class scores) and a backward pass from the score to A only, compiled
once per model and layer.  The score is the unnormalized class score (the logit).

Each function here is a thin convenience over :func:`lecture_helpers.attribution.explain`,
where every method is one small module; they return bare arrays: (H, W) for one image and
one class, (N, H, W) for a batch or a list of classes.  Every function takes a ``ZooModel``
or a plain ``keras.Model`` (Functional, Sequential, nested: name a layer inside a base model
as ``"base_name/layer_name"``, or leave ``layer=None``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from .._quiet import tf
from ..attribution import METHODS, explain
from ..attribution.base import Inputs
from ..attribution.engine import cam_engine, forget_model
from ..attribution.grad_cam import gradcam_from_gradients
from ..attribution.grad_cam_plus_plus import gradcam_plus_plus_from_gradients
from ..attribution.guided_backprop import GuidedReLU, guided_model, refresh_guided_weights
from ..attribution.layers import cam_layer_choices, cam_layers, resolve_cam_layer
from ..attribution.maps import normalize_heatmap, overlay, upsample_heatmap
from ..zoo import ZooModel
from .display import mass_fraction, plot_colormaps, plot_guided, plot_heatmaps, plot_randomization

__all__ = [
    "CAM_METHODS",
    "ChannelWeightCheck",
    "GuidedReLU",
    "cam_layer_choices",
    "cam_layers",
    "channel_weight_check",
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

# The methods whose map is a heatmap over the photo (the Grad-CAM explorer's menu, the sanity
# check, the faithfulness curves), in the registry's order: {title: id}.
CAM_METHODS: dict[str, str] = {
    method.title: method.id for method in METHODS.values() if method.family == "heatmap"
}


def _single(images: Any, class_index: Any) -> bool:
    """One image and one class: the conveniences return one map, not a stack of one."""
    batch = (isinstance(images, np.ndarray) and images.ndim == 4) or isinstance(
        images, list | tuple)
    many_classes = isinstance(class_index, list | tuple | np.ndarray | range)
    return not batch and not many_classes


def _maps(method: str, model: Any, image: Any, class_index: Any, layer: str | None = None, *,
          size: Any = None, upsample: bool = False, **options: Any) -> np.ndarray:
    result = explain(model, image, class_index, layer, method=method, size=size, **options)
    maps = result.heatmaps if upsample else result.maps
    return maps[0] if _single(image, class_index) else maps


def grad_cam(
    model: ZooModel | keras.Model, image: Any, class_index: Any = None, layer: str | None = None,
    *, size: tuple[int, int] | None = None, upsample: bool = False,
) -> np.ndarray:
    """Grad-CAM heatmap(s) in [0, 1] at the layer's resolution (``upsample=True``: at the
    model input's resolution).

    ``class_index``: None (each image's top class), an index, a name (``"tabby"``), or a
    list (one per image, or several classes for one image → one map per class).
    ``layer``: None (the model's last conv layer), a name, or ``"base/layer"`` inside a
    nested model.  ``image``: one image → (H, W); a batch or list → (N, H, W).
    """
    return _maps("grad_cam", model, image, class_index, layer, size=size, upsample=upsample)


def grad_cam_plus_plus(
    model: ZooModel | keras.Model, image: Any, class_index: Any = None, layer: str | None = None,
    *, size: tuple[int, int] | None = None, upsample: bool = False,
) -> np.ndarray:
    """Grad-CAM++ heatmap(s) in [0, 1]; same arguments and cost as :func:`grad_cam`."""
    return _maps("grad_cam_plus_plus", model, image, class_index, layer, size=size,
                 upsample=upsample)


def score_cam(
    model: ZooModel | keras.Model, image: Any, class_index: Any = None, layer: str | None = None,
    *, size: tuple[int, int] | None = None, channels: int | None = 128, batch_size: int = 8,
    upsample: bool = False,
) -> np.ndarray:
    """Score-CAM (Wang et al. 2020): no gradients, one forward pass per channel scored
    (the ``channels`` with the largest mean activation, None = all), ``batch_size`` masked
    images at a time; otherwise as :func:`grad_cam`."""
    return _maps("score_cam", model, image, class_index, layer, size=size, upsample=upsample,
                 channels=channels, batch_size=batch_size)


def occlusion_sensitivity(
    model: ZooModel | keras.Model, image: Any, class_index: Any = None, *,
    size: tuple[int, int] | None = None, patch: int = 32, stride: int = 16, fill: float = 127.5,
    batch_size: int = 16, normalize: bool = True, score: str = "probability",
) -> np.ndarray:
    """Occlusion sensitivity (Zeiler & Fergus 2014): the mean drop of the class probability
    (``score="logit"``: of the logit) when a grey ``patch`` x ``patch`` square, moved in
    steps of ``stride``, hides each pixel; ``normalize=False`` keeps the signed drop.
    (H, W) per image at the model input's resolution."""
    return _maps("occlusion", model, image, class_index, size=size, patch=patch, stride=stride,
                 fill=fill, batch_size=batch_size, normalize=normalize, score=score)


def guided_backprop(
    model: ZooModel | keras.Model, image: Any, class_index: Any = None, *,
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Guided backpropagation: d f_c / d pixels through guided ReLUs, (H, W, 3) per image
    (raw float values; show with ``lh.prepare_image_for_display(g, norm="std")``)."""
    result = explain(model, image, class_index, method="guided_backprop", size=size)
    return result.attributions[0] if _single(image, class_index) else result.attributions


def guided_grad_cam(
    model: ZooModel | keras.Model, image: Any, class_index: Any = None, layer: str | None = None,
    *, size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Guided Grad-CAM (Selvaraju et al. 2017): guided backprop x upsampled Grad-CAM,
    (H, W, 3) per image at the model input's resolution."""
    result = explain(model, image, class_index, layer, method="guided_grad_cam", size=size)
    return result.attributions[0] if _single(image, class_index) else result.attributions


def compute_heatmap(
    model: ZooModel | keras.Model, image: Any, class_index: Any = None, layer: str | None = None,
    *, method: str = "Grad-CAM", size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Any method of :data:`CAM_METHODS` (a title or an id) as a [0, 1] heatmap, at the
    layer's resolution (CAMs) or the pixels' (pixel methods: max |value| over colour
    channels).  Methods that read no layer ignore ``layer``."""
    result = explain(model, image, class_index,
                     layer if _method(method).layer else None, method=method, size=size)
    maps = normalize_heatmap(result.maps)
    return maps[0] if _single(image, class_index) else maps


def _method(name: str) -> Any:
    from ..attribution import get_method

    return get_method(CAM_METHODS.get(name, name))


def grad_cam_gradients(
    model: ZooModel | keras.Model, image: Any, class_index: Any = None, layer: str | None = None,
    *, size: tuple[int, int] | None = None,
) -> dict[str, np.ndarray]:
    """The raw pieces: {"activations": A, "gradients": dF_c/dA, "scores" (N, C), "classes",
    "inputs"} (batched, (N, H, W, K) for A) from one forward and one backward pass."""
    inputs = Inputs(model, image, class_index, resolve_cam_layer(model, layer), size)
    activations, grads, scores, chosen = cam_engine(model, layer).gradients(
        tf.constant(inputs.x), tf.constant(inputs.requested))
    return {"activations": activations.numpy(), "gradients": grads.numpy(),
            "scores": scores.numpy(), "classes": chosen.numpy(), "inputs": inputs.x}


@dataclass(frozen=True)
class ChannelWeightCheck:
    """How well Grad-CAM's one weight per channel summarizes a layer's gradient."""

    layer: str
    score: float  # f_c: the class score (logit)
    implied_score: float  # sum over i, j, k of alpha_k A_ijk: what the channel weights add up to
    sign_agreement: float  # share of gradients dF_c/dA_ijk with the sign of their channel's mean


def channel_weight_check(
    model: ZooModel | keras.Model, image: Any, class_index: Any = None, layer: str | None = None,
    *, size: tuple[int, int] | None = None,
) -> ChannelWeightCheck:
    """Is one weight per channel (the mean gradient alpha_k) a fair summary at ``layer``?

    At a last conv layer followed by global average pooling and a dense layer, the class
    score is linear in A: every position of a channel has the same gradient
    (``sign_agreement`` = 1) and ``implied_score`` is the score minus the dense bias.
    Deeper inside the network neither holds, and Grad-CAM's map can mislead.
    """
    pieces = grad_cam_gradients(model, image, class_index, layer, size=size)
    activations = pieces["activations"][:1].astype(np.float64)
    gradients = pieces["gradients"][:1].astype(np.float64)
    alpha = gradients.mean(axis=(1, 2), keepdims=True)
    nonzero = (gradients != 0) | (alpha != 0)
    agree = (np.sign(gradients) == np.sign(alpha)) & nonzero
    return ChannelWeightCheck(
        layer=resolve_cam_layer(model, layer),
        score=float(pieces["scores"][0, int(pieces["classes"][0])]),
        implied_score=float((activations * alpha).sum()),
        sign_agreement=float(agree.sum() / max(1, nonzero.sum())),
    )
