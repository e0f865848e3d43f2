"""What every CAM method shares: heatmap helpers, layers, scores, classes and images.

Pure functions on arrays (:func:`normalize_heatmap`, :func:`upsample_heatmap`,
:func:`overlay`); the layer a method uses (:func:`cam_layers`, :func:`resolve_cam_layer`,
:func:`cam_layer_choices`) and where the class scores come from (:func:`score_spec`), all
resolved by the model's view (``modelview.py``); the compiled one-forward-one-backward
:class:`CamEngine` and the probabilities function, cached per model; images and classes
paired into a batch (:func:`batch_and_classes`) and the maps shaped back
(``_single``, ``_finish``); and forgetting one model's cache (:func:`forget_model`;
``lh.clear_caches`` forgets all).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from .._quiet import tf
from ..colormaps import HEAT
from ..images import load_image
from ..modelview import Score, view
from ..zoo import ZooModel

# ---------------------------------------------------------------------------
# Pure functions on arrays


def normalize_heatmap(cam: np.ndarray) -> np.ndarray:
    """ReLU, then divide each map (the last two axes) by its maximum → values in [0, 1].

    A map whose maximum is 0 (no positive evidence anywhere) becomes all zeros, with no
    division warning and no NaN.
    """
    cam = np.maximum(np.asarray(cam, dtype=np.float32), 0.0)
    peak = cam.max(axis=(-2, -1), keepdims=True) if cam.size else cam
    safe = np.where(peak > 0, peak, 1.0)
    out = np.where(peak > 0, cam / safe, 0.0).astype(np.float32)
    return np.clip(out, 0.0, 1.0)


def upsample_heatmap(heatmap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Smoothly (bilinearly) resize a heatmap (H, W) or a stack (N, H, W) to ``size``=(h, w)."""
    heatmap = np.asarray(heatmap, dtype=np.float32)
    if heatmap.ndim not in (2, 3):
        raise ValueError(
            f"heatmap has shape {heatmap.shape}; expected (H, W) or (N, H, W). "
            "Pass the array grad_cam returned."
        )
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"size must be (height, width) with positive values, got {size!r}")
    stack = heatmap[None] if heatmap.ndim == 2 else heatmap
    lo, hi = float(stack.min(initial=0.0)), float(stack.max(initial=0.0))
    out = tf.image.resize(stack[..., None], tuple(int(s) for s in size), method="bilinear")
    out = np.clip(out.numpy()[..., 0], lo, hi)
    return out[0] if heatmap.ndim == 2 else out


def overlay(
    image: Any,
    heatmap: np.ndarray,
    alpha: float = 0.4,
    cmap: str = HEAT,
) -> np.ndarray:
    """Draw ``heatmap`` (values in [0, 1], any resolution) over ``image`` → uint8 RGB.

    The heatmap is upsampled smoothly to the image's size and coloured with ``cmap``
    (default :data:`~lecture_helpers.colormaps.HEAT`, whose lightness rises with the heat;
    "jet" gives the classic look); ``alpha`` is its opacity (0 = image only, 1 = heatmap only).
    """
    import matplotlib

    img = load_image(image)
    heatmap = np.asarray(heatmap, dtype=np.float32)
    if heatmap.ndim != 2:
        raise ValueError(
            f"overlay draws one heatmap of shape (H, W); got shape {heatmap.shape}. "
            "For a batch, overlay each one: overlay(image, heatmaps[i])."
        )
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1] (the heatmap's opacity), got {alpha}")
    if not np.all(np.isfinite(heatmap)):
        raise ValueError("heatmap contains NaN or infinite values")
    heatmap = np.clip(heatmap, 0.0, 1.0)
    if heatmap.shape != img.shape[:2]:
        heatmap = upsample_heatmap(heatmap, img.shape[:2])
    colours = matplotlib.colormaps[cmap](heatmap)[..., :3] * 255.0
    blended = (1.0 - alpha) * img.astype(np.float32) + alpha * colours
    return np.clip(np.round(blended), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------
# Layers, scores, classes and images: all from the model's view (modelview.py)

_CAM_PURPOSE = "class activation maps need a convolutional layer"


def cam_layers(model: ZooModel | keras.Model) -> list[str]:
    """Names (paths, ``base/layer`` inside nested models) of the layers with a 4-D output,
    i.e. the valid ``layer=`` choices for the CAM methods, input side first."""
    return view(model).spatial_layers()


def resolve_cam_layer(model: ZooModel | keras.Model, layer: str | None = None) -> str:
    """The full path of the layer a CAM method will use (validated).

    ``None`` → the model's last convolutional layer (a zoo model's ``last_conv_layer``,
    else the last layer with a 4-D output, found inside nested models too).  A plain name
    that is not at the top level but exists once inside a nested model is accepted.
    """
    model_view = view(model)
    if layer is None:
        return model_view.last_conv_layer()
    return model_view.feature_layer(layer, _CAM_PURPOSE)


def cam_layer_choices(
    model: ZooModel | keras.Model, size: tuple[int, int] | None = None, max_layers: int = 5
) -> list[str]:
    """A short menu of layers for CAMs, deepest first: the model's last conv layer, then
    the last layer (a block's output where the names show it) at each spatial resolution,
    coarse to fine (one forward pass of a zero image at ``size`` measures them)."""
    model_view = view(model)
    last = resolve_cam_layer(model)
    paths = cam_layers(model)
    if len(paths) < 2:
        return [last]
    if size is None:
        size = model_view.target_size((224, 224))
    shapes = [
        tuple(o.shape[1:3])
        for o in model_view.probe(paths)(np.zeros((1, *size, model_view.channels), np.float32))
    ]
    last_at: dict[tuple, str] = {}
    block_output_at: dict[tuple, str] = {}  # EfficientNet/MobileNet names: a block's output
    for path, shape in zip(paths, shapes, strict=True):
        last_at[shape] = path
        if path.endswith(("_add", "_project_bn")):
            block_output_at[shape] = path
    last_at.update(block_output_at)
    chosen = [last]
    for shape in sorted(last_at, key=lambda hw: hw[0] * hw[1]):
        if last_at[shape] not in chosen:
            chosen.append(last_at[shape])
    return chosen[:max_layers]


def score_spec(model: ZooModel | keras.Model) -> Score:
    """Where the model's class scores come from (see :class:`modelview.Score`)."""
    return view(model).score


class CamEngine:
    """Compiled Grad-CAM pieces for one model and one layer (build once, reuse).

    ``gradients(x, classes)`` → (A, dScore/dA, scores, classes used) in ONE forward pass
    and a backward pass from the selected score to A only.  A class of -1 means "the
    top class of that image".  ``forward(x)`` → (A, scores, probabilities).
    """

    def __init__(self, model: ZooModel | keras.Model, layer: str | None = None):
        model_view = view(model)
        self.layer = resolve_cam_layer(model, layer)
        self.num_classes = model_view.num_classes
        self._sub = model_view.probe_model(
            [model_view.layer_output(self.layer), model_view.scores, model_view.probabilities],
            "cam",
        )
        x_spec = model_view.input_spec()
        self.gradients = tf.function(
            self._gradients, input_signature=[x_spec, tf.TensorSpec([None], tf.int32)]
        )
        self.forward = tf.function(
            lambda x: self._sub(x, training=False), input_signature=[x_spec]
        )

    def _gradients(self, x, classes):
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(x)
            activations, scores, _ = self._sub(x, training=False)
            selected = _selected_scores(scores, classes)
        chosen = _chosen_classes(scores, classes)
        grads = tape.gradient(selected, activations)
        return activations, grads, scores, chosen


def _chosen_classes(scores: Any, classes: Any) -> Any:
    top = tf.argmax(scores, axis=-1, output_type=tf.int32)
    return tf.where(classes < 0, top, classes)


def _selected_scores(scores: Any, classes: Any) -> Any:
    return tf.gather(scores, _chosen_classes(scores, classes), axis=1, batch_dims=1)


def cam_engine(model: ZooModel | keras.Model, layer: str | None = None) -> CamEngine:
    """The cached :class:`CamEngine` of (model, layer): built and traced once."""
    path = resolve_cam_layer(model, layer)
    return view(model).cached(("cam_engine", path), lambda: CamEngine(model, path))


def forget_model(model: ZooModel | keras.Model) -> None:
    """Drop the compiled functions and guided clone cached for one model."""
    view(model).clear_cache()


def _output_function(model: ZooModel | keras.Model, kind: str) -> Callable[[Any], Any]:
    """Cached compiled x → (N, C) ``kind``: "probabilities" or "scores" (the logits); the
    view's own (:meth:`~lecture_helpers.modelview.ModelView.compiled`), so that every helper
    shares one traced copy."""
    return view(model).compiled(kind)


def probability_function(model: ZooModel | keras.Model) -> Callable[[Any], Any]:
    """Cached compiled x → (N, C) class probabilities (binary models: [P(0), P(1)])."""
    return _output_function(model, "probabilities")


def logit_function(model: ZooModel | keras.Model) -> Callable[[Any], Any]:
    """Cached compiled x → (N, C) class scores, the logits (binary models: [-z, z])."""
    return _output_function(model, "scores")


def _is_batch(images: Any) -> bool:
    return (isinstance(images, np.ndarray) and images.ndim == 4) or isinstance(
        images, list | tuple
    )


def image_batch(
    model: ZooModel | keras.Model, images: Any, size: tuple[int, int] | None = None
) -> np.ndarray:
    """Images in any form → the float32 (N, H, W, C) batch the model takes
    (:meth:`modelview.ModelView.batch`)."""
    return view(model).batch(images, size)


def _pair_up(batch: np.ndarray, classes: list[int] | None) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast N images against M classes (N == M, N == 1 or M == 1)."""
    n = len(batch)
    if classes is None:
        return batch, np.full(n, -1, np.int32)
    m = len(classes)
    if m == n:
        return batch, np.asarray(classes, np.int32)
    if n == 1:
        return np.repeat(batch, m, axis=0), np.asarray(classes, np.int32)
    if m == 1:
        return batch, np.full(n, classes[0], np.int32)
    raise ValueError(
        f"got {n} images and {m} classes; give one class for all images, one class per "
        "image, or several classes for one image."
    )


def batch_and_classes(
    model: ZooModel | keras.Model, image: Any, class_index: Any, size: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the images' batch, the paired batch, class per row; -1 = top class)."""
    batch = image_batch(model, image, size)
    x, classes = _pair_up(batch, view(model).class_indices(class_index))
    return batch, x, classes


def _single(images: Any, class_index: Any) -> bool:
    many_classes = isinstance(class_index, list | tuple | np.ndarray | range)
    return not _is_batch(images) and not many_classes


def _finish(maps: np.ndarray, single: bool, upsample: bool, x: np.ndarray) -> np.ndarray:
    if upsample:
        maps = upsample_heatmap(maps, x.shape[1:3])
    return maps[0] if single else maps
