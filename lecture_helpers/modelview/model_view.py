"""The model's view: :class:`ModelView`, built once per Keras model by :func:`view` and kept
on the model itself, so it goes away with the model."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import keras

from ..errors import UnsupportedModelError
from .batches import ImageBatches
from .cache import CompiledStore
from .layers import LayerLookup, _input_batch_shape, _trace
from .scores import ClassScores

_VIEW_ATTRIBUTE = "_lecture_helpers_view"


# ---------------------------------------------------------------------------
# Which Keras model


def keras_model_of(model: Any) -> keras.Model:
    """The ``keras.Model`` behind a zoo model, a view or a Keras model."""
    if isinstance(model, ModelView):
        return model.model
    from ..zoo import ZooModel  # here: zoo builds on this module

    if isinstance(model, ZooModel):
        return model.model
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
# The view


class ModelView(LayerLookup, ClassScores, ImageBatches, CompiledStore):
    """Everything the helpers need to know about one Keras classifier, resolved once.

    Build it with :func:`view`.  ``graph`` is the model as one flat functional graph (same
    layers and weights); ``layer_paths`` lists every layer (``base/layer`` inside nested
    models) in network order.

    Its methods come in parts, one module each: layers (:class:`~.layers.LayerLookup`),
    class scores and classes (:class:`~.scores.ClassScores`), image batches
    (:class:`~.batches.ImageBatches`) and the compiled-function store
    (:class:`~.cache.CompiledStore`).
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
