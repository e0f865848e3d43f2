"""Grad-CAM (the lecture's method) and Grad-CAM++.

Both come from the same pieces, the layer's activations A and the gradients of the class
score with respect to them (:func:`grad_cam_gradients`: one forward and one backward pass
through the cached :class:`~.base.CamEngine`); :func:`gradcam_from_gradients` and
:func:`gradcam_plus_plus_from_gradients` turn them into heatmaps with NumPy alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from .._quiet import tf
from ..zoo import ZooModel
from .base import _finish, _single, batch_and_classes, cam_engine, normalize_heatmap


def gradcam_from_gradients(activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """Grad-CAM from A and dA = d f_c / dA, both (N, H, W, K) → (N, H, W) in [0, 1].

    alpha_k = mean_ij dA_ijk;  S = ReLU(sum_k alpha_k A_k) / max.
    """
    activations = np.asarray(activations, dtype=np.float32)
    alpha = np.asarray(gradients, dtype=np.float32).mean(axis=(1, 2))  # (N, K)
    cam = np.einsum("nhwk,nk->nhw", activations, alpha)
    return normalize_heatmap(cam)


def gradcam_plus_plus_from_gradients(activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """Grad-CAM++ (Chattopadhay et al. 2018) from A and d f_c / dA, (N, H, W, K) each.

    With the exponential-score closed form: a_ijk = g^2 / (2 g^2 + sum_ab A_abk g^3),
    w_k = sum_ij a_ijk ReLU(g_ijk), S = ReLU(sum_k w_k A_k) / max. Computed as
    a_ijk = 1 / (2 + sum_ab A_abk g), the same for g != 0, so that a small gradient keeps its
    weight (an absolute cut-off on the denominator, which scales with g^2, would drop it); only
    exact zeros (g = 0, or a zero denominator) get a_ijk = 0.
    """
    a = np.asarray(activations, dtype=np.float64)
    g = np.asarray(gradients, dtype=np.float64)
    denominator = 2.0 + a.sum(axis=(1, 2), keepdims=True) * g
    defined = (g != 0) & (denominator != 0)
    aij = np.where(defined, 1.0 / np.where(defined, denominator, 1.0), 0.0)
    weights = (aij * np.maximum(g, 0.0)).sum(axis=(1, 2))  # (N, K)
    cam = np.einsum("nhwk,nk->nhw", a, weights)
    return normalize_heatmap(cam)


def grad_cam_gradients(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    layer: str | None = None,
    *,
    size: tuple[int, int] | None = None,
) -> dict[str, np.ndarray]:
    """The raw pieces: {"activations": A, "gradients": dF_c/dA, "scores", "classes", "inputs"}
    (batched, (N, H, W, K) for A) from one forward and one backward pass."""
    engine = cam_engine(model, layer)
    _, x, classes = batch_and_classes(model, image, class_index, size)
    activations, grads, scores, chosen = engine.gradients(tf.constant(x), tf.constant(classes))
    return {
        "activations": activations.numpy(),
        "gradients": grads.numpy(),
        "scores": scores.numpy(),
        "classes": chosen.numpy(),
        "inputs": x,
    }


@dataclass(frozen=True)
class ChannelWeightCheck:
    """How well Grad-CAM's one weight per channel summarizes a layer's gradient."""

    layer: str
    score: float  # f_c: the class score (logit)
    implied_score: float  # sum over i, j, k of alpha_k A_ijk: what the channel weights add up to
    sign_agreement: float  # share of gradients dF_c/dA_ijk with the sign of their channel's mean


def channel_weight_check(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    layer: str | None = None,
    *,
    size: tuple[int, int] | None = None,
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
        layer=cam_engine(model, layer).layer,
        score=float(pieces["scores"][0, int(pieces["classes"][0])]),
        implied_score=float((activations * alpha).sum()),
        sign_agreement=float(agree.sum() / max(1, nonzero.sum())),
    )


def grad_cam(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    layer: str | None = None,
    *,
    size: tuple[int, int] | None = None,
    upsample: bool = False,
) -> np.ndarray:
    """Grad-CAM heatmap(s) in [0, 1] at the layer's resolution (``upsample=True``: at the
    model input's resolution).

    ``class_index``: None (each image's top class), an index, a name (``"tabby"``), or a
    list (one per image, or several classes for one image → one map per class).
    ``layer``: None (the model's last conv layer), a name, or ``"base/layer"`` inside a
    nested model.  ``image``: one image → (H, W); a batch or list → (N, H, W).
    """
    pieces = grad_cam_gradients(model, image, class_index, layer, size=size)
    maps = gradcam_from_gradients(pieces["activations"], pieces["gradients"])
    return _finish(maps, _single(image, class_index), upsample, pieces["inputs"])


def grad_cam_plus_plus(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    layer: str | None = None,
    *,
    size: tuple[int, int] | None = None,
    upsample: bool = False,
) -> np.ndarray:
    """Grad-CAM++ heatmap(s) in [0, 1]; same arguments and cost as :func:`grad_cam`."""
    pieces = grad_cam_gradients(model, image, class_index, layer, size=size)
    maps = gradcam_plus_plus_from_gradients(pieces["activations"], pieces["gradients"])
    return _finish(maps, _single(image, class_index), upsample, pieces["inputs"])
