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

Every function takes a ``ZooModel`` (``lh.load_model(...)``) or a plain ``keras.Model``,
including NESTED models (a base model used as a layer, the transfer-learning pattern):
name a layer inside the base as ``"base_name/layer_name"`` (or leave ``layer=None``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from ._quiet import tf
from .classes import class_index as _class_index
from .classes import imagenet_class_names
from .images import load_image, resize_image
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
# Layers, including layers inside nested models


def _is_model(layer: Any) -> bool:
    return isinstance(layer, keras.Model)


def _leaf_layers(model: keras.Model, prefix: str = "") -> list[tuple[str, keras.layers.Layer]]:
    """(path, layer) for every non-input layer, descending into nested models."""
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        path = f"{prefix}{layer.name}"
        if _is_model(layer):
            out += _leaf_layers(layer, prefix=f"{path}/")
        else:
            out.append((path, layer))
    return out


def _output_rank(layer: keras.layers.Layer) -> int | None:
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError, RuntimeError):
        return None


def _has_nested_models(model: keras.Model) -> bool:
    return any(_is_model(layer) for layer in model.layers)


def cam_layers(model: ZooModel | keras.Model) -> list[str]:
    """Names (paths, ``base/layer`` inside nested models) of the layers with a 4-D output,
    i.e. the valid ``layer=`` choices for the CAM methods, input side first."""
    keras_model = get_keras_model(model)
    return [path for path, layer in _leaf_layers(keras_model) if _output_rank(layer) == 4]


def resolve_cam_layer(model: ZooModel | keras.Model, layer: str | None = None) -> str:
    """The full path of the layer a CAM method will use (validated).

    ``None`` → the model's last convolutional layer (a ZooModel's ``last_conv_layer``,
    else the last layer with a 4-D output, found inside nested models too).  A plain name
    that is not at the top level but exists once inside a nested model is accepted.
    """
    keras_model = get_keras_model(model)
    leaves = _leaf_layers(keras_model)
    valid = [path for path, lay in leaves if _output_rank(lay) == 4]
    if layer is None:
        if isinstance(model, ZooModel):
            layer = model.last_conv_layer
        elif valid:
            return valid[-1]
        else:
            raise ValueError(
                f"model {keras_model.name!r} has no layer with a 4-D (batch, height, width, "
                "channels) output, so there is nothing to build a class activation map from."
            )
    if not isinstance(layer, str):
        raise TypeError(f"layer must be a layer name (str), got {type(layer).__name__}")
    paths = dict(leaves)
    if layer not in paths:
        matches = [path for path in paths if path.split("/")[-1] == layer]
        if len(matches) == 1:
            layer = matches[0]
        else:
            hint = (
                f"the name is ambiguous ({', '.join(matches)}): give the full path"
                if matches
                else f"valid layers with a 4-D output: {', '.join(valid)}"
            )
            raise ValueError(f"model {keras_model.name!r} has no layer {layer!r}; {hint}.")
    rank = _output_rank(paths[layer])
    if rank != 4:
        shape = tuple(paths[layer].output.shape) if rank is not None else "unknown"
        raise ValueError(
            f"layer {layer!r} outputs shape {shape}, not a 4-D (batch, height, width, "
            "channels) feature map; class activation maps need a convolutional layer. "
            f"Use e.g. {valid[-1]!r} (the last one) or any of: {', '.join(valid[-8:])}."
        )
    return layer


def cam_layer_choices(
    model: ZooModel | keras.Model, size: tuple[int, int] | None = None, max_layers: int = 5
) -> list[str]:
    """A short menu of layers for CAMs, deepest first: the model's last conv layer, then
    the last layer (a block's output where the names show it) at each spatial resolution,
    coarse to fine (one forward pass of a zero image at ``size`` measures them; nested
    models: simply the last 4-D layers)."""
    keras_model = get_keras_model(model)
    last = resolve_cam_layer(model)
    paths = cam_layers(model)
    if _has_nested_models(keras_model) or len(paths) < 2:
        chosen = [last] + [p for p in reversed(paths) if p != last]
        return chosen[:max_layers]
    if size is None:
        fixed = tuple(_model_input(keras_model).shape[1:3])
        size = model.input_size if isinstance(model, ZooModel) else fixed
        if None in size:
            size = (224, 224)
    probe = keras.Model(_model_input(keras_model), [keras_model.get_layer(p).output for p in paths])
    shapes = [tuple(o.shape[1:3]) for o in probe(np.zeros((1, *size, 3), np.float32))]
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


# ---------------------------------------------------------------------------
# The class score f_c


@dataclass(frozen=True)
class ScoreSpec:
    """Where the unnormalized class scores come from.

    ``kind``: "output" (the layer's output is the score), "input" (the input of a
    softmax/sigmoid Activation layer), or "dense_logits" (a Dense layer with a
    softmax/sigmoid activation: x @ kernel + bias).  ``binary``: one logit z → [-z, z].
    ``probabilities``: the model's output already is a probability (softmax/sigmoid).
    """

    path: str
    kind: str
    binary: bool
    probabilities: bool


def _activation_name(layer: Any) -> str:
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation)) if activation is not None else ""


def _final_operation(model: keras.Model) -> tuple[str, keras.layers.Layer]:
    try:
        outputs = model.outputs
    except (AttributeError, ValueError) as exc:
        outputs = None
        error = exc
    if not outputs:
        raise ValueError(
            f"model {model.name!r} has no defined outputs (a Sequential model that was "
            f"never built{': ' + str(error) if outputs is None else ''}). Build it on an "
            "input first, e.g. keras.Sequential([keras.Input((224, 224, 3)), base, head])."
        )
    if len(outputs) != 1:
        raise ValueError(
            f"model {model.name!r} has {len(outputs)} outputs; CAM methods need a classifier "
            "with one output of class scores or probabilities."
        )
    operation = outputs[0]._keras_history.operation
    return operation.name, operation


def score_spec(model: ZooModel | keras.Model) -> ScoreSpec:
    """Find the class-score tensor of a model (see :class:`ScoreSpec`)."""
    if isinstance(model, ZooModel):
        return ScoreSpec(model.logits_layer, "output", model.binary, True)
    path, current = "", get_keras_model(model)
    while True:
        name, op = _final_operation(current)
        path = f"{path}{name}"
        if _is_model(op):
            path, current = f"{path}/", op
            continue
        break
    units = int(op.output.shape[-1])
    act = _activation_name(op)
    if isinstance(op, keras.layers.Activation) and act in ("softmax", "sigmoid"):
        return ScoreSpec(path, "input", units == 1, True)
    if isinstance(op, keras.layers.Dense) and act in ("softmax", "sigmoid"):
        return ScoreSpec(path, "dense_logits", units == 1, True)
    if act in ("softmax", "sigmoid"):
        raise ValueError(
            f"the model's last layer {path!r} ({type(op).__name__}) applies {act} inside "
            "itself, so its class scores before the activation cannot be read. Rebuild the "
            "model with that layer's activation=None followed by keras.layers.Activation("
            f"{act!r})."
        )
    return ScoreSpec(path, "output", units == 1, False)


# ---------------------------------------------------------------------------
# Forward functions that read inner tensors (flat and nested models)


def _graph_of(model: keras.Model) -> keras.Model:
    if isinstance(model, keras.Sequential):
        graph = getattr(model, "_functional", None)
        if graph is None:
            _final_operation(model)  # raises the "never built" explanation
        return graph
    return model


def _probing_forward(
    model: keras.Model, probes: Sequence[tuple[str, str]]
) -> Callable[[Any], list[Any]]:
    """A function x → [tensor of each probe ..., model output] (runs on real tensors).

    A probe is (layer path, "input" | "output").  For a flat model this is a
    multi-output ``keras.Model`` built once; for a nested model it re-runs the
    functional graph with ``_run_through_graph`` and records inner tensors, which is what
    avoids the "Graph disconnected" error of ``keras.Model(outer.input, inner.output)``.
    """
    if all("/" not in path for path, _ in probes) and not _has_nested_models(model):
        tensors = []
        for path, where in probes:
            layer = model.get_layer(path)
            tensors.append(layer.input if where == "input" else layer.output)
        sub = keras.Model(_model_input(model), [*tensors, model.outputs[0]])

        def flat_forward(x):
            return list(sub(x, training=False))

        return flat_forward

    def run(container: keras.Model, inputs, prefix: str, record: dict) -> Any:
        graph = _graph_of(container)
        wanted = {path: where for path, where in probes if path.startswith(prefix)}

        def operation_fn(op):
            path = f"{prefix}{op.name}"
            inner = {p for p in wanted if p.startswith(path + "/")}
            if path not in wanted and not inner:
                return op

            def call(*args, **kwargs):
                if wanted.get(path) == "input":
                    record[(path, "input")] = args[0]
                if inner:
                    out = run(op, args[0], f"{path}/", record)
                else:
                    out = op(*args, **kwargs)
                record[(path, "output")] = out
                return out

            return call

        outputs = graph._run_through_graph(inputs, operation_fn=operation_fn)
        return outputs[0] if isinstance(outputs, list | tuple) else outputs

    def nested_forward(x):
        record: dict = {}
        final = run(model, x, "", record)
        return [record[(path, where)] for path, where in probes] + [final]

    return nested_forward


def _score_tensor(model: keras.Model, spec: ScoreSpec, probed: Any) -> Any:
    z = probed
    if spec.kind == "dense_logits":
        layer = _layer_at(model, spec.path)
        z = tf.matmul(probed, layer.kernel)
        if layer.bias is not None:
            z = z + layer.bias
    if spec.binary:
        z = tf.concat([-z, z], axis=-1)
    return z


def _probabilities(spec: ScoreSpec, scores: Any, output: Any) -> Any:
    if spec.probabilities:
        p = tf.cast(output, tf.float32)
        return tf.concat([1.0 - p, p], axis=-1) if spec.binary else p
    return tf.nn.softmax(scores, axis=-1)


def _layer_at(model: keras.Model, path: str) -> keras.layers.Layer:
    current = model
    for part in path.split("/"):
        current = current.get_layer(part)
    return current


def _model_input(model: keras.Model) -> Any:
    """The model's single symbolic input tensor (Sequential models included)."""
    _final_operation(model)  # explains an unbuilt model
    inputs = model.inputs
    if len(inputs) != 1:
        raise ValueError(
            f"model {model.name!r} has {len(inputs)} inputs; CAM methods need an image "
            "classifier with one image input."
        )
    return inputs[0]


def _input_spec(model: keras.Model) -> tf.TensorSpec:
    shape = _model_input(model).shape
    return tf.TensorSpec((None, *shape[1:]), tf.float32)


class CamEngine:
    """Compiled Grad-CAM pieces for one model and one layer (build once, reuse).

    ``gradients(x, classes)`` → (A, dScore/dA, scores, classes used) in ONE forward pass
    and a backward pass from the selected score to A only.  A class of -1 means "the
    top class of that image".  ``probabilities(x)`` → (N, C) class probabilities.
    """

    def __init__(self, model: ZooModel | keras.Model, layer: str | None = None):
        self.keras_model = get_keras_model(model)
        self.layer = resolve_cam_layer(model, layer)
        self.spec = score_spec(model)
        score_where = "input" if self.spec.kind in ("input", "dense_logits") else "output"
        self._forward = _probing_forward(
            self.keras_model, [(self.layer, "output"), (self.spec.path, score_where)]
        )
        x_spec = _input_spec(self.keras_model)
        self.gradients = tf.function(
            self._gradients, input_signature=[x_spec, tf.TensorSpec([None], tf.int32)]
        )
        self.forward = tf.function(self._forward_all, input_signature=[x_spec])
        self.num_classes = int(_score_units(self.keras_model, self.spec))

    def _forward_all(self, x):
        activations, probe, output = self._forward(x)
        scores = _score_tensor(self.keras_model, self.spec, probe)
        return activations, scores, _probabilities(self.spec, scores, output)

    def _gradients(self, x, classes):
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(x)
            activations, probe, _ = self._forward(x)
            scores = _score_tensor(self.keras_model, self.spec, probe)
            top = tf.argmax(scores, axis=-1, output_type=tf.int32)
            chosen = tf.where(classes < 0, top, classes)
            selected = tf.gather(scores, chosen, axis=1, batch_dims=1)
        grads = tape.gradient(selected, activations)
        return activations, grads, scores, chosen


def _score_units(model: keras.Model, spec: ScoreSpec) -> int:
    units = int(_layer_at(model, spec.path).output.shape[-1])
    return 2 if spec.binary else units


_engines: dict[int, tuple[weakref.ref, dict[tuple, CamEngine]]] = {}
_prob_functions: dict[int, tuple[weakref.ref, Any]] = {}


def _cached(store: dict, keras_model: keras.Model) -> dict:
    key = id(keras_model)
    entry = store.get(key)
    if entry is None or entry[0]() is not keras_model:
        entry = (weakref.ref(keras_model), {})
        store[key] = entry
    return entry[1]


def cam_engine(model: ZooModel | keras.Model, layer: str | None = None) -> CamEngine:
    """The cached :class:`CamEngine` of (model, layer): built and traced once."""
    keras_model = get_keras_model(model)
    path = resolve_cam_layer(model, layer)
    per_model = _cached(_engines, keras_model)
    key = (path, isinstance(model, ZooModel))
    if key not in per_model:
        per_model[key] = CamEngine(model, path)
    return per_model[key]


def clear_cam_cache() -> None:
    """Forget every compiled CAM function (they are rebuilt on the next call)."""
    _engines.clear()
    _prob_functions.clear()
    _guided_models.clear()


clear_cache = clear_cam_cache  # the name every caching topic module uses


def forget_model(model: ZooModel | keras.Model) -> None:
    """Drop the compiled functions and guided clone cached for one model."""
    key = id(get_keras_model(model))
    for store in (_engines, _prob_functions, _guided_models):
        store.pop(key, None)


def probability_function(model: ZooModel | keras.Model) -> Callable[[Any], Any]:
    """Cached compiled x → (N, C) class probabilities (binary models: [P(0), P(1)])."""
    keras_model = get_keras_model(model)
    per_model = _cached(_prob_functions, keras_model)
    key = isinstance(model, ZooModel)
    if key not in per_model:
        spec = score_spec(model)
        score_where = "input" if spec.kind in ("input", "dense_logits") else "output"
        forward = _probing_forward(keras_model, [(spec.path, score_where)])

        def probabilities(x):
            probe, output = forward(x)
            return _probabilities(spec, _score_tensor(keras_model, spec, probe), output)

        per_model[key] = tf.function(probabilities, input_signature=[_input_spec(keras_model)])
    return per_model[key]


# ---------------------------------------------------------------------------
# Images and classes


def _is_batch(images: Any) -> bool:
    return (isinstance(images, np.ndarray) and images.ndim == 4) or isinstance(
        images, list | tuple
    )


def image_batch(
    model: ZooModel | keras.Model, images: Any, size: tuple[int, int] | None = None
) -> np.ndarray:
    """Images (one, a list, a uint8 batch, or an already preprocessed float batch in
    [0, 255]) → the float32 (N, H, W, 3) batch the model takes.

    ``size`` = (height, width); default: the ZooModel's ``input_size``, a plain model's
    fixed input size, or (for a model that takes any size) the image's own size.
    """
    if isinstance(images, np.ndarray) and images.ndim == 4 and images.dtype != np.uint8:
        batch = images.astype(np.float32)
        if not np.all(np.isfinite(batch)) or batch.min() < 0 or batch.max() > 255:
            raise ValueError(
                "a float batch must hold pixel values in [0, 255] (the zoo convention); "
                f"got values in [{batch.min():.3g}, {batch.max():.3g}]"
            )
        if size is not None and tuple(batch.shape[1:3]) != tuple(size):
            batch = tf.image.resize(batch, size, method="bilinear").numpy()
        return batch
    if isinstance(model, ZooModel):
        return model.preprocess(images, size=size)
    items = list(images) if _is_batch(images) else [images]
    if not items:
        raise ValueError("got an empty list of images")
    loaded = [load_image(item) for item in items]
    fixed = tuple(_model_input(get_keras_model(model)).shape[1:3])
    target = size or (fixed if None not in fixed else loaded[0].shape[:2])
    return np.stack([resize_image(img, tuple(target)) for img in loaded]).astype(np.float32)


def _resolve_classes(
    model: ZooModel | keras.Model, class_index: Any, num_classes: int
) -> list[int] | None:
    """None → None (top class); int / name / list of them → list of indices (-1 = top)."""
    if class_index is None:
        return None
    items = list(class_index) if isinstance(class_index, list | tuple | np.ndarray) else [
        class_index
    ]
    out = []
    for item in items:
        if item is None:
            out.append(-1)
        elif isinstance(model, ZooModel):
            out.append(model.class_index(item))
        elif isinstance(item, str):
            if num_classes != 1000:
                raise TypeError(
                    f"class {item!r} given by name, but this keras.Model has {num_classes} "
                    "classes and no names: pass an integer index (or use a ZooModel)."
                )
            out.append(_class_index(item, imagenet_class_names()))
        else:
            out.append(_class_index(int(item), [str(i) for i in range(num_classes)]))
    return out


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


def _single(images: Any, class_index: Any) -> bool:
    many_classes = isinstance(class_index, list | tuple | np.ndarray)
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
    batch = image_batch(model, image, size)
    x, classes = _pair_up(batch, _resolve_classes(model, class_index, engine.num_classes))
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
    batch = image_batch(model, image, size)
    x, classes = _pair_up(batch, _resolve_classes(model, class_index, engine.num_classes))
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


_guided_models: dict[int, tuple[weakref.ref, dict]] = {}


def guided_model(model: ZooModel | keras.Model) -> keras.Model:
    """A clone of the model (cached) whose ReLU/ReLU6 units use the guided gradient.

    The clone has its own copy of the weights; the original model is not touched.
    Layers with a built-in ReLU (``Conv2D(..., activation="relu")``) are handled too.
    """
    keras_model = get_keras_model(model)
    per_model = _cached(_guided_models, keras_model)
    if "model" not in per_model:
        clone = keras.models.clone_model(
            keras_model, clone_function=_guided_clone_function, recursive=True
        )
        clone.set_weights(keras_model.get_weights())
        clone.trainable = False
        per_model["model"] = clone
    return per_model["model"]


def refresh_guided_weights(model: ZooModel | keras.Model) -> None:
    """Copy the model's current weights into its cached guided clone (if there is one):
    call after changing the weights of a model that guided backprop was used on."""
    keras_model = get_keras_model(model)
    entry = _guided_models.get(id(keras_model))
    if entry is not None and entry[0]() is keras_model and "model" in entry[1]:
        entry[1]["model"].set_weights(keras_model.get_weights())


def _guided_gradient_function(model: ZooModel | keras.Model) -> Callable:
    keras_model = get_keras_model(model)
    per_model = _cached(_guided_models, keras_model)
    key = ("gradient", isinstance(model, ZooModel))
    if key not in per_model:
        clone = guided_model(model)
        spec = score_spec(model)
        score_where = "input" if spec.kind in ("input", "dense_logits") else "output"
        forward = _probing_forward(clone, [(spec.path, score_where)])

        def gradient(x, classes):
            with tf.GradientTape(watch_accessed_variables=False) as tape:
                tape.watch(x)
                probe, _ = forward(x)
                scores = _score_tensor(clone, spec, probe)
                top = tf.argmax(scores, axis=-1, output_type=tf.int32)
                chosen = tf.where(classes < 0, top, classes)
                selected = tf.gather(scores, chosen, axis=1, batch_dims=1)
            return tape.gradient(selected, x), chosen

        per_model[key] = tf.function(
            gradient,
            input_signature=[_input_spec(keras_model), tf.TensorSpec([None], tf.int32)],
        )
    return per_model[key]


def guided_backprop(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    *,
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Guided backpropagation: d f_c / d pixels through guided ReLUs, (H, W, 3) per image
    (raw float values; show with ``lh.prepare_image_for_display(g, norm="std")``)."""
    batch = image_batch(model, image, size)
    num_classes = _score_units(get_keras_model(model), score_spec(model))
    x, classes = _pair_up(batch, _resolve_classes(model, class_index, num_classes))
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
    batch = image_batch(model, image, size)
    num_classes = _score_units(get_keras_model(model), score_spec(model))
    x, classes = _pair_up(batch, _resolve_classes(model, class_index, num_classes))
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
