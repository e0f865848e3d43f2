"""One view of any Keras image classifier: layers, class scores, classes and images.

Every helper turns its ``(model, image, class_index, layer)`` into tensors here, by one
set of rules, so that a zoo model (``lh.load_model("efficientnet_lite0")``) and a
student's own ``keras.Model`` (Functional, Sequential, nested for transfer learning,
softmax or sigmoid output) behave the same way:

* **Layers** are named by their Keras names; a layer inside a nested model is
  ``"base/layer"`` (a plain ``"layer"`` works when it is unique).  Every lookup error lists
  the valid names.
* **The class score** f_c is the logit: a final softmax or sigmoid is removed, also when
  it is fused into the last ``Dense`` layer.  A binary (one-unit) model scores
  ``[-z, z]``, so class 0 and class 1 have opposite gradients.
* **Classes** are an index, a name, or None (each image's top class).
* **Images**: paths, PIL images, bytes, uint8 arrays and float arrays, one or a batch.
  Floats are pixel values in [0, 255], exactly what the model takes; they are never
  rescaled or rounded.  See :meth:`ModelView.batch` for the size rule.

:func:`view` builds a :class:`ModelView` once per Keras model (a ``Sequential`` that was
never called, and any nested model, is traced into one flat functional graph here) and
keeps it on the model itself, so it goes away with the model.  Compiled functions that
helpers build for a model live in the view's bounded :meth:`ModelView.cached` store.
"""

from __future__ import annotations

import gc
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ._quiet import tf
from .classes import class_index as _class_index
from .classes import imagenet_class_names
from .errors import UnknownNameError, UnsupportedModelError
from .images import float_pixels, load_image, resize_image

__all__ = [
    "ModelView",
    "Score",
    "UnknownNameError",
    "UnsupportedModelError",
    "clear_views",
    "keras_model_of",
    "view",
]

_VIEW_ATTRIBUTE = "_lecture_helpers_view"
# Compiled functions and sub-models one model keeps (least recently used go first).
CACHE_LIMIT = 24


# ---------------------------------------------------------------------------
# Which Keras model


def keras_model_of(model: Any) -> keras.Model:
    """The ``keras.Model`` behind a zoo model, a view or a Keras model."""
    if isinstance(model, ModelView):
        return model.model
    inner = getattr(model, "model", None)
    if isinstance(inner, keras.Model) and hasattr(model, "class_names"):  # a ZooModel
        return inner
    if isinstance(model, keras.Model):
        return model
    if isinstance(model, str | Path):
        raise TypeError(
            f"got the string {str(model)!r} where a model (a ZooModel or a keras.Model) is "
            "expected; load it first: "
            f"model = lh.load_model({str(model)!r})"
        )
    raise TypeError(
        f"expected a model: a ZooModel (lh.load_model(...)) or a keras.Model, got "
        f"{type(model).__name__}"
    )


def view(model: Any) -> ModelView:
    """The :class:`ModelView` of a zoo model or Keras model (built once, then reused)."""
    if isinstance(model, ModelView):
        return model
    keras_model = keras_model_of(model)
    existing = keras_model.__dict__.get(_VIEW_ATTRIBUTE)
    if existing is None:
        existing = ModelView(keras_model)
        # object.__setattr__: Keras would otherwise track the view as a sub-layer.  Kept on
        # the model (not in a global dict), the view lives and dies with the model.
        object.__setattr__(keras_model, _VIEW_ATTRIBUTE, existing)
        _LIVE_VIEWS.add(existing)
    return existing


_LIVE_VIEWS: weakref.WeakSet = weakref.WeakSet()


def clear_views() -> None:
    """Empty the compiled-function store of every live view (rebuilt on next use)."""
    for item in list(_LIVE_VIEWS):
        item.clear_cache()


# ---------------------------------------------------------------------------
# The class score


@dataclass(frozen=True)
class Score:
    """Where the unnormalized class scores come from.

    ``path``: the last layer.  ``kind``: "output" (its output is the score), "input" (it is
    a softmax/sigmoid: the score is its input) or "dense_logits" (a Dense layer with a
    fused softmax/sigmoid: the score is ``x @ kernel + bias``).  ``binary``: one unit z,
    scored as [-z, z].  ``probabilities``: the model's output already is a probability.
    """

    path: str
    kind: str
    binary: bool
    probabilities: bool


_PROBABILITY_ACTIVATIONS = ("softmax", "sigmoid")


def _activation_name(layer: Any) -> str:
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation)) if activation is not None else ""


class _Logits(keras.layers.Layer):
    """``x @ kernel + bias`` of a Dense layer, with its activation left out (shares weights)."""

    def __init__(self, dense: keras.layers.Dense, **kwargs: Any) -> None:
        super().__init__(name=f"{dense.name}_logits", **kwargs)
        self._dense = (dense,)  # a tuple: not tracked as a sub-layer

    def call(self, x: Any) -> Any:
        dense = self._dense[0]
        z = keras.ops.matmul(x, dense.kernel)
        return z if dense.bias is None else z + dense.bias

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (*input_shape[:-1], int(self._dense[0].units))


class _Binary(keras.layers.Layer):
    """One logit z → the two class scores [-z, z]."""

    def call(self, z: Any) -> Any:
        return keras.ops.concatenate([-z, z], axis=-1)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (*input_shape[:-1], 2)


class _BinaryProbabilities(keras.layers.Layer):
    """P(class 1) = p → [1 - p, p]; a logit z → [1 - sigmoid(z), sigmoid(z)]."""

    def __init__(self, from_logits: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.from_logits = from_logits

    def call(self, p: Any) -> Any:
        p = keras.ops.sigmoid(p) if self.from_logits else p
        return keras.ops.concatenate([1.0 - p, p], axis=-1)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (*input_shape[:-1], 2)


# ---------------------------------------------------------------------------
# Tracing a model into one flat functional graph


def _input_batch_shape(model: keras.Model) -> tuple:
    """(None, H, W, C) of a model's single image input (Sequential models included)."""
    if isinstance(model, keras.Sequential) and getattr(model, "_functional", None) is None:
        first = model._layers[0] if model._layers else None
        shape = getattr(first, "batch_shape", None) if first is not None else None
        if shape is None and first is not None:
            config = first.get_config()
            shape = config.get("batch_shape") or config.get("batch_input_shape")
        if shape is None:
            built = getattr(model, "_build_shapes_dict", None) or {}
            shape = next(iter(built.values()), None)
        if shape is None:
            raise UnsupportedModelError(
                f"the Sequential model {model.name!r} does not know its input shape yet (it "
                "was never built or called). Start it with an input, e.g. keras.Sequential("
                "[keras.Input((150, 150, 3)), ...]), or call model.build((None, 150, 150, 3))."
            )
        return tuple(shape)
    inputs = model.inputs
    if len(inputs) != 1:
        raise UnsupportedModelError(
            f"model {model.name!r} has {len(inputs)} inputs; the helpers explain image "
            "classifiers with one image input (N, H, W, C)."
        )
    return tuple(inputs[0].shape)


def _trace(container: keras.Model, x: Any, prefix: str, record: dict, top: bool = False) -> Any:
    """Call every leaf layer of ``container`` on the symbolic ``x``, descending into nested
    models, and record each leaf's (input, output) under its path.  Only the ``top`` model
    may have several outputs (then a list is returned)."""

    def leaf_call(layer: Any, path: str) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            if isinstance(layer, keras.Model):
                out = _trace(layer, args[0], f"{path}/", record)
            else:
                out = layer(*args, **kwargs)
                record[path] = (layer, args[0], out)
            return out

        return call

    if isinstance(container, keras.Sequential) and getattr(container, "_functional", None) is None:
        for layer in container.layers:
            x = leaf_call(layer, f"{prefix}{layer.name}")(x)
        return x
    graph = container._functional if isinstance(container, keras.Sequential) else container
    outputs = graph._run_through_graph(
        x, operation_fn=lambda op: leaf_call(op, f"{prefix}{op.name}")
    )
    if isinstance(outputs, list | tuple):
        if top and len(outputs) > 1:
            return list(outputs)
        if len(outputs) != 1:
            raise UnsupportedModelError(
                f"model {container.name!r} has {len(outputs)} outputs; the helpers explain "
                "classifiers with one output of class scores or probabilities."
            )
        outputs = outputs[0]
    return outputs


# ---------------------------------------------------------------------------
# The view


def _is_image_like(item: Any) -> bool:
    from PIL import Image

    return isinstance(item, np.ndarray | str | Path | bytes | bytearray | Image.Image)


class ModelView:
    """Everything the helpers need to know about one Keras classifier, resolved once.

    Build it with :func:`view`.  ``graph`` is the model as one flat functional graph (same
    layers and weights); ``layer_paths`` lists every layer (``base/layer`` inside nested
    models) in network order.
    """

    def __init__(self, model: keras.Model) -> None:
        if not isinstance(model, keras.Model):
            raise TypeError(f"expected a keras.Model, got {type(model).__name__}")
        self.model = model
        shape = _input_batch_shape(model)
        if len(shape) != 4 or shape[-1] not in (1, 3):
            raise UnsupportedModelError(
                f"model {model.name!r} takes inputs of shape {shape}; the helpers explain "
                "image models (convnets) with one input of shape (N, H, W, 3) (RGB) or "
                f"(N, H, W, 1). Its layers: {', '.join(layer.name for layer in model.layers)}"
            )
        self.input = keras.Input(batch_shape=(None, *shape[1:]), name="image")
        record: dict[str, tuple] = {}
        output = _trace(model, self.input, "", record, top=True)
        self._record = record
        self.layer_paths: tuple[str, ...] = tuple(record)
        self.output = output
        self.graph = keras.Model(self.input, output, name=f"{model.name}_flat")
        self.channels = int(shape[-1])
        height, width = shape[1:3]
        self.fixed_size: tuple[int, int] | None = (
            None if height is None or width is None else (int(height), int(width))
        )
        # Metadata a ZooModel (or lh.load_model(path, ...)) can set: see describe().
        self.name = model.name
        self._class_names: tuple[str, ...] | None = None
        self.default_size: tuple[int, int] | None = self.fixed_size
        self.preferred_cam_layer: str | None = None
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()

    def __repr__(self) -> str:
        size = "any size" if self.fixed_size is None else "x".join(map(str, self.fixed_size))
        try:
            head = f"{self.num_classes} classes, score from {self.score.path!r}"
        except UnsupportedModelError:
            head = "no class scores"
        return (
            f"ModelView({self.name!r}: {len(self.layer_paths)} layers, input {size} x "
            f"{self.channels}, {head})"
        )

    @cached_property
    def score(self) -> Score:
        """Where the class scores come from (raises for a model that is not a classifier)."""
        return self._find_score()

    @cached_property
    def _score_pair(self) -> tuple[Any, Any]:
        return self._score_tensors()

    @property
    def scores(self) -> Any:
        """The symbolic (N, num_classes) unnormalized class scores (logits; binary [-z, z])."""
        return self._score_pair[0]

    @property
    def probabilities(self) -> Any:
        """The symbolic (N, num_classes) class probabilities (binary: [1 - p, p])."""
        return self._score_pair[1]

    @property
    def num_classes(self) -> int:
        return int(self.scores.shape[-1])

    @property
    def class_names(self) -> tuple[str, ...]:
        """Class names: set by :meth:`describe`, else ImageNet's for a 1000-class model,
        else "class 0", "class 1", ..."""
        if self._class_names is None:
            self._class_names = (
                imagenet_class_names()
                if self.num_classes == 1000
                else tuple(f"class {i}" for i in range(self.num_classes))
            )
        return self._class_names

    def describe(
        self,
        *,
        name: str | None = None,
        class_names: Sequence[str] | None = None,
        default_size: tuple[int, int] | None = None,
        cam_layer: str | None = None,
    ) -> ModelView:
        """Set metadata: a display name, class names, the size photos are resized to (for
        a model that takes any size) and the layer CAM methods use by default."""
        if name is not None:
            self.name = str(name)
        if class_names is not None:
            names = tuple(str(n) for n in class_names)
            if len(names) != self.num_classes:
                raise ValueError(
                    f"got {len(names)} class names, but model {self.model.name!r} has "
                    f"{self.num_classes} classes (binary models: 2 names, class 0 then 1)"
                )
            self._class_names = names
        if default_size is not None:
            self.default_size = (int(default_size[0]), int(default_size[1]))
        if cam_layer is not None:
            self.preferred_cam_layer = self.layer_path(cam_layer)
        return self

    # -- the compiled-function store ----------------------------------------------------

    def cached(self, key: Hashable, build: Callable[[], Any], limit: int | None = None) -> Any:
        """``build()`` once per ``key`` for this model; least recently used entries go first.

        ``limit`` bounds the entries whose key starts with the same tag (``key[0]``), e.g.
        the few gradient-ascent engines a model keeps; the whole store holds at most
        :data:`CACHE_LIMIT`.
        """
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        tag = key[0] if isinstance(key, tuple) and key else key
        evicted = 0
        if limit is not None:
            same = [k for k in self._cache if (k[0] if isinstance(k, tuple) and k else k) == tag]
            for old in same[: max(0, len(same) - limit + 1)]:
                del self._cache[old]
                evicted += 1
        while len(self._cache) >= CACHE_LIMIT:
            self._cache.popitem(last=False)
            evicted += 1
        if evicted:
            # Compiled functions sit in reference cycles: collect them now, so that their
            # memory is reused by the build below instead of adding to the kernel's peak.
            gc.collect()
        value = self._cache[key] = build()
        return value

    def forget(self, key: Hashable) -> None:
        """Drop one entry of the store (no error if absent)."""
        self._cache.pop(key, None)

    def clear_cache(self) -> None:
        """Drop every compiled function and sub-model kept for this model."""
        self._cache.clear()

    def cache_keys(self) -> list:
        """The keys in the store, least recently used first."""
        return list(self._cache)

    # -- layers -------------------------------------------------------------------------

    def layer_path(self, name: str) -> str:
        """The full path of a layer given by name or ``base/layer`` path (validated)."""
        if not isinstance(name, str):
            raise TypeError(f"a layer is given by its name (a str), got {type(name).__name__}")
        if name in self._record:
            return name
        matches = [p for p in self.layer_paths if p.split("/")[-1] == name]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise UnknownNameError(
                f"layer name {name!r} is ambiguous in model {self.model.name!r}: "
                f"{', '.join(matches)}; give the full path"
            )
        raise UnknownNameError(
            f"model {self.model.name!r} has no layer {name!r}. Valid layer names: "
            f"{', '.join(self.layer_paths)}"
        )

    def layer(self, name: str) -> keras.layers.Layer:
        """The Keras layer at a name or path."""
        return self._record[self.layer_path(name)][0]

    def layer_input(self, name: str) -> Any:
        """The symbolic input tensor of a layer in :attr:`graph`."""
        return self._record[self.layer_path(name)][1]

    def layer_output(self, name: str) -> Any:
        """The symbolic output tensor of a layer in :attr:`graph`."""
        return self._record[self.layer_path(name)][2]

    def consumers(self, name: str) -> list[str]:
        """Paths of the layers that take this layer's output as their input."""
        out = self.layer_output(name)
        return [p for p, (_, inp, _) in self._record.items() if inp is out]

    def spatial_layers(self) -> list[str]:
        """Paths of the layers whose output is a feature map (N, H, W, C), in order, from
        the first convolution on: preprocessing before it (Rescaling, Normalization, a
        grayscale conversion) holds pixels, not features.  Empty if the model has no
        convolution."""
        convs = set(self.conv_layers())
        paths, seen_conv = [], False
        for path, (_, _, out) in self._record.items():
            seen_conv = seen_conv or path in convs
            if seen_conv and len(out.shape) == 4:
                paths.append(path)
        return paths

    def feature_layer(self, name: str, purpose: str = "it has no channels to show") -> str:
        """The path of a layer checked to output feature maps (N, H, W, C).

        A layer with another output raises ``ValueError``: "... not a 4-D feature map
        (N, H, W, C), so <purpose>", listing layers that have feature maps.
        """
        path = self.layer_path(name)
        shape = tuple(self.layer_output(path).shape)
        if len(shape) != 4:
            valid = self.spatial_layers()
            raise ValueError(
                f"layer {path!r} outputs shape {shape}, not a 4-D feature map (N, H, W, C) "
                f"(it is a {type(self.layer(path)).__name__}), so {purpose}. Use e.g. "
                f"{(valid or ['?'])[-1]!r} (the last one) or any of: {', '.join(valid[-8:])}"
            )
        return path

    def conv_layers(self) -> list[str]:
        """Paths of the convolution layers (Conv2D, DepthwiseConv2D, ...), in order."""
        return [p for p, (layer, _, _) in self._record.items() if isinstance(layer, _CONV_TYPES)]

    def last_conv_layer(self) -> str:
        """The layer CAM methods use by default: the preferred one, else the last layer
        with a feature-map output."""
        if self.preferred_cam_layer is not None:
            return self.preferred_cam_layer
        valid = self.spatial_layers()
        if not valid:
            raise UnsupportedModelError(
                f"model {self.model.name!r} has no layer with a feature-map output (N, H, W, "
                "C): it is not a convolutional network, so there are no channels, filters or "
                "class activation maps to show. The helpers explain convnets."
            )
        return valid[-1]

    def feature_map_layers(self) -> list[str]:
        """The layers whose outputs are worth showing as channels, in network order.

        These are the convolution and pooling layers.  When a model applies its
        non-linearity in separate layers (Conv → BatchNorm → ReLU, as EfficientNet does),
        a convolution without an activation of its own only produces a pre-activation;
        then the activation layers are listed instead of those convolutions.
        """
        conv_pool, nonlinear = [], []
        has_activation_layers = False
        for path, (layer, _, out) in self._record.items():
            if len(out.shape) != 4:
                continue
            if isinstance(layer, _CONV_TYPES + _POOL_TYPES):
                conv_pool.append(path)
                activation = getattr(layer, "activation", None)
                is_linear = activation is None or activation is keras.activations.linear
                if isinstance(layer, _POOL_TYPES) or not is_linear:
                    nonlinear.append(path)
            elif isinstance(layer, _ACTIVATION_TYPES):
                nonlinear.append(path)
                has_activation_layers = True
        names = nonlinear if has_activation_layers else conv_pool
        if not names:
            self.last_conv_layer()  # raises the "not a convnet" explanation
            names = self.spatial_layers()
        return names

    # -- probes -------------------------------------------------------------------------

    def probe_model(self, tensors: Sequence[Any], name: str = "probe") -> keras.Model:
        """A ``keras.Model`` from the image to several tensors of :attr:`graph`."""
        return keras.Model(self.input, list(tensors), name=f"{self.model.name}_{name}")

    def probe(self, layers: Sequence[str]) -> Callable[[Any], list]:
        """A compiled function: float batch → [output of each layer] in ONE forward pass
        (built once per list of layers)."""
        paths = tuple(self.layer_path(name) for name in layers)

        def build() -> Callable:
            sub = self.probe_model([self.layer_output(p) for p in paths], "probe")

            @tf.function(input_signature=[self.input_spec()], reduce_retracing=True)
            def forward(x):
                outputs = sub(x, training=False)
                return list(outputs) if isinstance(outputs, list | tuple) else [outputs]

            return forward

        return self.cached(("probe", paths), build)

    def input_spec(self) -> tf.TensorSpec:
        """The ``tf.TensorSpec`` of a float batch: batch size (and free sizes) left open."""
        return tf.TensorSpec(tuple(self.input.shape), tf.float32)

    def score_model(self) -> keras.Model:
        """Image → (N, num_classes) unnormalized class scores (built once)."""
        return self.cached(("score_model",), lambda: self.probe_model([self.scores], "scores"))

    def compiled(self, kind: str) -> Callable:
        """The compiled float batch → ``kind`` function: "scores" (logits), "probabilities"
        or "output" (the model's own output); traced once for every batch size."""
        if kind not in ("scores", "probabilities", "output"):
            raise ValueError(f"kind must be 'scores', 'probabilities' or 'output', got {kind!r}")

        def build() -> Callable:
            sub = self.probe_model([getattr(self, kind)], kind)
            return tf.function(
                lambda t: sub(t, training=False), input_signature=[self.input_spec()]
            )

        return self.cached((kind,), build)

    def run(self, kind: str, x: Any, batch_size: int = 8) -> np.ndarray:
        """:meth:`compiled` ``kind`` of a float batch, in chunks of ``batch_size`` images
        (bounded memory)."""
        function = self.compiled(kind)
        batch = self.check_batch(x)
        chunks = [function(batch[i : i + batch_size]) for i in range(0, len(batch), batch_size)]
        return np.concatenate([np.asarray(c) for c in chunks])

    # -- the class score ----------------------------------------------------------------

    def _find_score(self) -> Score:
        if isinstance(self.output, list):
            raise UnsupportedModelError(
                f"model {self.model.name!r} has {len(self.output)} outputs; the helpers "
                "explain classifiers with one output of class scores or probabilities."
            )
        if len(self.output.shape) != 2:
            raise UnsupportedModelError(
                f"model {self.model.name!r} outputs shape {tuple(self.output.shape)}; the "
                "helpers explain classifiers whose output is (N, classes): class scores or "
                "probabilities."
            )
        op = self.output._keras_history.operation
        path = next((p for p, (layer, _, _) in self._record.items() if layer is op), None)
        units = int(self.output.shape[-1])
        if path is None:  # a keras.ops call (e.g. ops.softmax) in the functional graph
            raise UnsupportedModelError(
                f"model {self.model.name!r} ends in {type(op).__name__}, an operation, not a "
                "layer; end it with a layer (e.g. keras.layers.Activation('softmax'))."
            )
        act = _activation_name(op)
        softmax_layer = isinstance(op, keras.layers.Softmax)
        if softmax_layer or (isinstance(op, keras.layers.Activation) and act in
                             _PROBABILITY_ACTIVATIONS):
            return Score(path, "input", units == 1, True)
        if isinstance(op, keras.layers.Dense) and act in _PROBABILITY_ACTIVATIONS:
            return Score(path, "dense_logits", units == 1, True)
        if act in _PROBABILITY_ACTIVATIONS:
            raise UnsupportedModelError(
                f"the model's last layer {path!r} ({type(op).__name__}) applies {act} inside "
                "itself, so its class scores before the activation cannot be read. Rebuild "
                "the model with that layer's activation=None followed by "
                f"keras.layers.Activation({act!r})."
            )
        return Score(path, "output", units == 1, False)

    def _score_tensors(self) -> tuple[Any, Any]:
        spec = self.score
        layer, layer_in, layer_out = self._record[spec.path]
        if spec.kind == "input":
            z = layer_in
        elif spec.kind == "dense_logits":
            z = _Logits(layer)(layer_in)
        else:
            z = layer_out
        if spec.binary:
            scores = _Binary(name="binary_scores")(z)
            source = layer_out if spec.probabilities else z
            probabilities = _BinaryProbabilities(not spec.probabilities, name="binary_p")(source)
        else:
            scores = z
            probabilities = (
                layer_out if spec.probabilities else keras.layers.Softmax(name="softmax_p")(z)
            )
        return scores, probabilities

    # -- classes ------------------------------------------------------------------------

    @property
    def binary(self) -> bool:
        """True for a one-unit (sigmoid or logit) output, scored as [-z, z]."""
        return self.score.binary

    def class_index(self, c: Any) -> int:
        """A class given by index or name → its index (checked)."""
        try:
            return _class_index(c, self.class_names)
        except KeyError as exc:
            raise UnknownNameError(str(exc.args[0])) from None

    def class_indices(self, classes: Any) -> list[int] | None:
        """None → None (each image's top class); an index, a name, or a list of them
        (None items = top class) → a list of indices, -1 standing for "top class"."""
        if classes is None:
            return None
        many = isinstance(classes, list | tuple | np.ndarray | range)
        return [-1 if c is None else self.class_index(c) for c in (classes if many else [classes])]

    def top_classes(self, x: Any, top: int = 5) -> list[list[tuple[int, str, float]]]:
        """For each image of a float batch: (index, name, probability) of its ``top``
        classes, best first."""
        probabilities = self.run("probabilities", x)
        top = max(1, min(int(top), self.num_classes))
        rows = []
        for row in probabilities:
            order = np.argsort(-row, kind="stable")[:top]
            rows.append([(int(i), self.class_names[i], float(row[i])) for i in order])
        return rows

    def class_name(self, index: int) -> str:
        """The display name of a class index."""
        return self.class_names[self.class_index(index)]

    # -- images -------------------------------------------------------------------------

    def target_size(self, photo_size: tuple[int, int], size: Any = None) -> tuple[int, int]:
        """The (height, width) an image of ``photo_size`` is resized to (see :meth:`batch`)."""
        if size is not None:
            target = (int(size), int(size)) if np.isscalar(size) else tuple(int(s) for s in size)
            if len(target) != 2 or min(target) < 1:
                raise ValueError(f"size must be (height, width) with positive values, got {size!r}")
            if self.fixed_size is not None and target != self.fixed_size:
                raise ValueError(
                    f"model {self.name!r} takes {self.fixed_size[0]}x{self.fixed_size[1]} "
                    f"images only, so size={size!r} cannot be used; leave size=None"
                )
            return target
        if self.fixed_size is not None:
            return self.fixed_size
        return self.default_size if self.default_size is not None else tuple(photo_size)

    def batch(self, images: Any, size: Any = None) -> np.ndarray:
        """Images in any form → the float32 batch (N, H, W, C) the model takes.

        ``images``: one image or a list / batch of them: paths, PIL images, bytes, uint8
        arrays (H, W), (H, W, C) or (N, H, W, C), or float arrays of pixel values in
        [0, 255].  Float values are used as they are (never rescaled or rounded); a float
        image whose values all lie in [0, 1] is refused, since it would be near black.

        Size: ``size`` = (height, width) if given; else the model's fixed input size; else
        a float array keeps its size (it already is a model input) and a photo goes to the
        model's default size (a zoo model's ``input_size``) or keeps its own.
        """
        if isinstance(images, ModelView | keras.Model):
            raise TypeError("got a model where images are expected: call f(model, image, ...)")
        is_array = isinstance(images, np.ndarray) or tf.is_tensor(images)
        if is_array:
            images = np.asarray(images)
        if is_array and images.ndim == 4:
            items = list(images)
        elif isinstance(images, list | tuple):
            items = list(images)
        else:
            items = [images]
        if not items:
            raise ValueError("got an empty list of images; pass at least one image")
        out = [self._one_image(item, index, size) for index, item in enumerate(items)]
        shapes = {o.shape for o in out}
        if len(shapes) > 1:
            raise ValueError(
                f"the images have different sizes {sorted(shapes)} and model {self.name!r} "
                "takes any size; pass size=(height, width) or resize them to one size"
            )
        return np.stack(out)

    def _one_image(self, item: Any, index: int, size: Any) -> np.ndarray:
        if tf.is_tensor(item):
            item = np.asarray(item)
        if not _is_image_like(item):
            raise TypeError(
                f"image {index} is a {type(item).__name__}, not an image: pass a numpy array "
                "(H x W x 3), a file path, a PIL image or bytes (or a list of them)"
            )
        if isinstance(item, np.ndarray) and np.issubdtype(item.dtype, np.floating):
            pixels = _float_pixels(item, index)
            target = self.target_size(pixels.shape[:2], size)
            if size is None and self.fixed_size is None:
                target = pixels.shape[:2]  # a float array already is a model input
            if tuple(pixels.shape[:2]) != tuple(target):
                pixels = tf.image.resize(pixels, target, method="bilinear").numpy()
            return self._channels(np.clip(pixels, 0.0, 255.0).astype(np.float32))
        if isinstance(item, np.ndarray) and (item.ndim not in (2, 3) or item.size == 0):
            raise ValueError(
                f"image {index} has shape {item.shape}, which is not an image: expected "
                "H x W (grayscale) or H x W x C, or a batch N x H x W x C"
            )
        picture = load_image(item)
        picture = resize_image(picture, self.target_size(picture.shape[:2], size))
        return self._channels(picture.astype(np.float32))

    def _channels(self, pixels: np.ndarray) -> np.ndarray:
        if pixels.shape[-1] == self.channels:
            return pixels
        if self.channels == 1:
            return pixels[..., :3].mean(axis=-1, keepdims=True)
        return np.repeat(pixels[..., :1], 3, axis=-1) if pixels.shape[-1] == 1 else pixels[..., :3]

    def check_batch(self, x: Any) -> np.ndarray:
        """A float batch (N, H, W, C) checked against the model's input (no resizing)."""
        batch = np.asarray(x, dtype=np.float32)
        if batch.ndim != 4 or batch.shape[-1] != self.channels:
            raise ValueError(
                f"expected a batch (N, H, W, {self.channels}), got shape {tuple(batch.shape)}; "
                "make one with lh.modelview.view(model).batch(images)"
            )
        if self.fixed_size is not None and tuple(batch.shape[1:3]) != self.fixed_size:
            raise ValueError(
                f"{self.name} takes {self.fixed_size[0]}x{self.fixed_size[1]} images, got "
                f"{batch.shape[1]}x{batch.shape[2]}; resize them first, e.g. with "
                "model.preprocess(images)"
            )
        return batch


def _float_pixels(item: np.ndarray, index: int) -> np.ndarray:
    if item.ndim == 2:
        item = item[..., None]
    if item.ndim != 3 or item.shape[-1] not in (1, 3, 4) or item.size == 0:
        raise ValueError(
            f"image {index} is a float array of shape {item.shape}, which is not an image batch: "
            "a batch is N x H x W x C and an image H x W x C, with C in 1, 3 or 4 "
            "(channels last)"
        )
    pixels = float_pixels(item, f"image {index}")
    return pixels[..., :3] if pixels.shape[-1] == 4 else pixels


_CONV_TYPES = (
    keras.layers.Conv2D,
    keras.layers.DepthwiseConv2D,
    keras.layers.SeparableConv2D,
    keras.layers.Conv2DTranspose,
)
_POOL_TYPES = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
_ACTIVATION_TYPES = (
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.ELU,
    keras.layers.PReLU,
)
