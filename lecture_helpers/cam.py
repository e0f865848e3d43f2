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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from ._quiet import tf
from .images import load_image
from .modelview import Score, _activation_name, clear_views, view
from .zoo import ZooModel, get_keras_model

__all__ = [
    "CAM_METHODS",
    "cam_layer_choices",
    "cam_layers",
    "clear_cam_cache",
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
    "normalize_heatmap",
    "occlusion_sensitivity",
    "overlay",
    "refresh_guided_weights",
    "resolve_cam_layer",
    "score_cam",
    "upsample_heatmap",
]

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


def gradcam_from_gradients(activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """Grad-CAM from A and dA = d f_c / dA, both (N, H, W, K) → (N, H, W) in [0, 1].

    alpha_k = mean_ij dA_ijk;  S = ReLU(sum_k alpha_k A_k) / max.
    """
    activations = np.asarray(activations, dtype=np.float32)
    alpha = np.asarray(gradients, dtype=np.float32).mean(axis=(1, 2))  # (N, K)
    cam = np.einsum("nhwk,nk->nhw", activations, alpha)
    return normalize_heatmap(cam)


def gradcam_plus_plus_from_gradients(
    activations: np.ndarray, gradients: np.ndarray, eps: float = 1e-7
) -> np.ndarray:
    """Grad-CAM++ (Chattopadhay et al. 2018) from A and d f_c / dA, (N, H, W, K) each.

    With the exponential-score closed form: a_ijk = g^2 / (2 g^2 + sum_ab A_abk g^3),
    w_k = sum_ij a_ijk ReLU(g_ijk), S = ReLU(sum_k w_k A_k) / max.
    """
    a = np.asarray(activations, dtype=np.float64)
    g = np.asarray(gradients, dtype=np.float64)
    g2, g3 = g**2, g**3
    denominator = 2.0 * g2 + a.sum(axis=(1, 2), keepdims=True) * g3
    safe = np.where(np.abs(denominator) > eps, denominator, 1.0)
    aij = np.where((g != 0) & (np.abs(denominator) > eps), g2 / safe, 0.0)
    weights = (aij * np.maximum(g, 0.0)).sum(axis=(1, 2))  # (N, K)
    cam = np.einsum("nhwk,nk->nhw", a, weights)
    return normalize_heatmap(cam)


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
    cmap: str = "jet",
) -> np.ndarray:
    """Draw ``heatmap`` (values in [0, 1], any resolution) over ``image`` → uint8 RGB.

    The heatmap is upsampled smoothly to the image's size and coloured with ``cmap``
    ("jet", "inferno", ...); ``alpha`` is its opacity (0 = image only, 1 = heatmap only).
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


def clear_cam_cache() -> None:
    """Forget every compiled function the helpers keep (rebuilt on the next call)."""
    clear_views()


clear_cache = clear_cam_cache  # the name every caching topic module uses


def forget_model(model: ZooModel | keras.Model) -> None:
    """Drop the compiled functions and guided clone cached for one model."""
    view(model).clear_cache()


def probability_function(model: ZooModel | keras.Model) -> Callable[[Any], Any]:
    """Cached compiled x → (N, C) class probabilities (binary models: [P(0), P(1)])."""
    model_view = view(model)

    def build() -> Callable:
        sub = model_view.probe_model([model_view.probabilities], "probabilities")
        return tf.function(lambda x: sub(x, training=False),
                           input_signature=[model_view.input_spec()])

    return model_view.cached(("probabilities_function",), build)


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


# ---------------------------------------------------------------------------
# Grad-CAM and Grad-CAM++


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


def _finish(maps: np.ndarray, single: bool, upsample: bool, x: np.ndarray) -> np.ndarray:
    if upsample:
        maps = upsample_heatmap(maps, x.shape[1:3])
    return maps[0] if single else maps


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


# ---------------------------------------------------------------------------
# Score-CAM


def _minmax(maps: np.ndarray) -> np.ndarray:
    lo = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - lo
    return np.where(span > 0, (maps - lo) / np.where(span > 0, span, 1.0), 0.0)


def score_cam(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    layer: str | None = None,
    *,
    size: tuple[int, int] | None = None,
    channels: int | None = 128,
    batch_size: int = 8,
    upsample: bool = False,
) -> np.ndarray:
    """Score-CAM (Wang et al. 2020): no gradients, one forward pass per channel.

    Each channel's activation map A_k is upsampled to the input size and min-max scaled
    to [0, 1] into a mask M_k; the weight of channel k is the class probability of the
    masked image  p_c(x * M_k)  (as in the authors' code); S = ReLU(sum_k w_k A_k) / max.
    Only the ``channels`` channels with the largest mean activation are scored (None =
    all K; the top 128 of EfficientNet-Lite0's 1280 give a map with Spearman rank
    correlation 0.998 to the full one on the cat photo): the masked images go through the
    model in chunks of ``batch_size`` (8 is the fastest on a 2-core CPU; memory stays
    bounded).  Several classes of one image share the same forward passes.
    """
    engine = cam_engine(model, layer)
    probabilities = probability_function(model)
    batch, x, classes = batch_and_classes(model, image, class_index, size)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    activations, _, probs = (t.numpy() for t in engine.forward(tf.constant(batch)))
    maps = []
    cache: dict[int, np.ndarray] = {}
    for row, cls in zip(range(len(x)), classes, strict=True):
        source = 0 if len(batch) == 1 else row
        a = activations[source]  # (h, w, K)
        cls = int(np.argmax(probs[source])) if cls < 0 else int(cls)
        if source not in cache:
            k_total = a.shape[-1]
            keep = k_total if channels is None else max(1, min(int(channels), k_total))
            order = np.argsort(-a.mean(axis=(0, 1)), kind="stable")[:keep]
            masks = _minmax(
                upsample_heatmap(np.moveaxis(a[..., order], -1, 0), batch.shape[1:3])
            )
            scored = np.empty((keep, engine.num_classes), np.float32)
            for start in range(0, keep, batch_size):
                chunk = batch[source][None] * masks[start : start + batch_size, ..., None]
                scored[start : start + len(chunk)] = probabilities(tf.constant(chunk)).numpy()
            cache[source] = (order, scored)
        order, scored = cache[source]
        maps.append(np.einsum("hwk,k->hw", a[..., order], scored[:, cls]))
    out = normalize_heatmap(np.stack(maps))
    return _finish(out, _single(image, class_index), upsample, x)


# ---------------------------------------------------------------------------
# Guided backpropagation


def _guided_relu_function(max_value: float | None) -> Callable[[Any], Any]:
    """ReLU (or ReLU6) whose backward pass lets through only positive gradients at
    positions where the forward unit was active (Springenberg et al. 2015)."""

    @tf.custom_gradient
    def guided_relu(x):
        y = tf.nn.relu(x) if max_value is None else tf.clip_by_value(x, 0.0, max_value)

        def backward(dy):
            gate = tf.logical_and(x > 0.0, dy > 0.0)
            if max_value is not None:
                gate = tf.logical_and(gate, x < max_value)
            return dy * tf.cast(gate, dy.dtype)

        return y, backward

    return guided_relu


@keras.saving.register_keras_serializable(package="lecture_helpers")
class GuidedReLU(keras.layers.Layer):
    """ReLU / ReLU6 with the guided-backpropagation gradient (forward unchanged)."""

    def __init__(self, max_value: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.max_value = None if max_value is None else float(max_value)
        self._fn = _guided_relu_function(self.max_value)

    def call(self, inputs):
        return self._fn(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value}


def _relu_max_value(layer: keras.layers.Layer) -> tuple[bool, float | None]:
    """(is a plain ReLU/ReLU6 activation layer, its max value)."""
    if isinstance(layer, keras.layers.ReLU):
        cfg = layer.get_config()
        if cfg.get("negative_slope", 0) == 0 and cfg.get("threshold", 0) == 0:
            return True, cfg.get("max_value")
    if isinstance(layer, keras.layers.Activation) and _activation_name(layer) in ("relu", "relu6"):
        return True, 6.0 if _activation_name(layer) == "relu6" else None
    return False, None


def _guided_clone_function(layer: keras.layers.Layer) -> keras.layers.Layer:
    is_relu, max_value = _relu_max_value(layer)
    if is_relu:
        return GuidedReLU(max_value=max_value, name=layer.name)
    new = layer.__class__.from_config(layer.get_config())
    act = _activation_name(layer)
    if act in ("relu", "relu6") and hasattr(new, "activation"):
        new.activation = _guided_relu_function(6.0 if act == "relu6" else None)
    return new


def guided_model(model: ZooModel | keras.Model) -> keras.Model:
    """A clone of the model (cached) whose ReLU/ReLU6 units use the guided gradient.

    The clone has its own copy of the weights; the original model is not touched.
    Layers with a built-in ReLU (``Conv2D(..., activation="relu")``) are handled too,
    inside nested models as well.
    """
    keras_model = get_keras_model(model)

    def build() -> keras.Model:
        clone = keras.models.clone_model(
            keras_model, clone_function=_guided_clone_function, recursive=True
        )
        clone.set_weights(keras_model.get_weights())
        clone.trainable = False
        return clone

    return view(model).cached(("guided_model",), build)


def refresh_guided_weights(model: ZooModel | keras.Model) -> None:
    """Copy the model's current weights into its cached guided clone (if there is one):
    call after changing the weights of a model that guided backprop was used on."""
    model_view = view(model)
    if ("guided_model",) in model_view.cache_keys():
        guided_model(model).set_weights(get_keras_model(model).get_weights())


def _guided_gradient_function(model: ZooModel | keras.Model) -> Callable:
    model_view = view(model)

    def build() -> Callable:
        clone_view = view(guided_model(model))
        sub = clone_view.probe_model([clone_view.scores], "guided_scores")

        def gradient(x, classes):
            with tf.GradientTape(watch_accessed_variables=False) as tape:
                tape.watch(x)
                scores = sub(x, training=False)
                selected = _selected_scores(scores, classes)
            return tape.gradient(selected, x), _chosen_classes(scores, classes)

        return tf.function(
            gradient,
            input_signature=[model_view.input_spec(), tf.TensorSpec([None], tf.int32)],
        )

    return model_view.cached(("guided_gradient",), build)


def guided_backprop(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    *,
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Guided backpropagation: d f_c / d pixels through guided ReLUs, (H, W, 3) per image
    (raw float values; show with ``lh.prepare_image_for_display(g, norm="std")``)."""
    _, x, classes = batch_and_classes(model, image, class_index, size)
    grads, _ = _guided_gradient_function(model)(tf.constant(x), tf.constant(classes))
    grads = grads.numpy()
    return grads[0] if _single(image, class_index) else grads


def guided_grad_cam(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    layer: str | None = None,
    *,
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Guided Grad-CAM (Selvaraju et al. 2017): guided backprop x upsampled Grad-CAM,
    (H, W, 3) per image at the model input's resolution."""
    guided = guided_backprop(model, image, class_index, size=size)
    cam = grad_cam(model, image, class_index, layer, size=size, upsample=True)
    return guided * cam[..., None]


# ---------------------------------------------------------------------------
# Occlusion sensitivity


def occlusion_sensitivity(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    *,
    size: tuple[int, int] | None = None,
    patch: int = 32,
    stride: int = 16,
    fill: float = 127.5,
    batch_size: int = 16,
    normalize: bool = True,
) -> np.ndarray:
    """Occlusion sensitivity (Zeiler & Fergus 2014): slide a grey ``patch`` x ``patch``
    square over the image in steps of ``stride``; a pixel's value is the mean drop of the
    class probability over the patches that covered it.  The occluded images run through
    the model in batches; several classes of one image share them.  ``normalize``: ReLU
    and divide by the max (a [0, 1] heatmap like the CAMs); otherwise the raw probability
    drop (negative = occluding helps).
    Output at the model input's resolution, (H, W) per image.
    """
    if patch < 1 or stride < 1 or batch_size < 1:
        raise ValueError(
            f"patch, stride and batch_size must be >= 1 (got {patch}, {stride}, {batch_size})"
        )
    probabilities = probability_function(model)
    batch, x, classes = batch_and_classes(model, image, class_index, size)
    height, width = x.shape[1:3]
    tops = [max(0, t) for t in range(0, height - patch + stride, stride)]
    lefts = [max(0, s) for s in range(0, width - patch + stride, stride)]
    boxes = [(t, s) for t in tops for s in lefts]
    coverage = np.zeros((height, width), np.float32)
    for t, s in boxes:
        coverage[t : t + patch, s : s + patch] += 1.0
    coverage = np.maximum(coverage, 1.0)
    scored: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per image: (base probs, probs)
    out = []
    for row, cls in enumerate(classes):
        source = 0 if len(batch) == 1 else row
        if source not in scored:
            image_x = batch[source]
            base = probabilities(tf.constant(image_x[None])).numpy()[0]
            probs = np.empty((len(boxes), len(base)), np.float32)
            for start in range(0, len(boxes), batch_size):
                chunk = boxes[start : start + batch_size]
                occluded = np.repeat(image_x[None], len(chunk), axis=0)
                for i, (t, s) in enumerate(chunk):
                    occluded[i, t : t + patch, s : s + patch] = fill
                probs[start : start + len(chunk)] = probabilities(tf.constant(occluded)).numpy()
            scored[source] = (base, probs)
        base, probs = scored[source]
        cls = int(np.argmax(base)) if cls < 0 else int(cls)
        drops = base[cls] - probs[:, cls]
        total = np.zeros((height, width), np.float32)
        for drop, (t, s) in zip(drops, boxes, strict=True):
            total[t : t + patch, s : s + patch] += drop
        out.append(total / coverage)
    maps = np.stack(out)
    if normalize:
        maps = normalize_heatmap(maps)
    return maps[0] if _single(image, class_index) else maps


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
    method: str = "Grad-CAM",
    class_index: Any = None,
    layer: str | None = None,
    *,
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Any method of :data:`CAM_METHODS` as a [0, 1] heatmap (pixel methods: max |grad|
    over colour channels).  Guided backprop and occlusion ignore ``layer``."""
    if method not in CAM_METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of: {', '.join(CAM_METHODS)}")
    return CAM_METHODS[method](model, image, class_index, layer, size=size)
