"""What objectives need to know about a model, from its view: layers and classes, checked.

:class:`_ModelInfo` is what an objective's ``bind`` asks (a layer's channel count, a
class's index); :func:`feature_layer` finds a layer that outputs feature maps.  Both give
errors that say what to pick instead: an unknown name lists the valid ones, a layer
without feature maps names convolutional layers, a class name on a model whose classes
have no names asks for the index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import keras

from ..modelview import ModelView, UnknownNameError, view

if TYPE_CHECKING:
    from ..zoo import ZooModel


class _ModelInfo:
    """What objectives need to know about a model to check themselves (from its view)."""

    def __init__(self, model: ZooModel | keras.Model | ModelView) -> None:
        self.view = view(model)

    def channels(self, layer_name: str) -> int:
        path = _feature_path(self.view, layer_name)
        return int(self.view.layer_output(path).shape[-1])

    def class_index(self, c: int | str) -> int:
        return _class_index(self.view, c)


def _class_index(model_view: ModelView, c: Any) -> int:
    """A class index or name → its index, checked against the model's classes.

    IndexError out of range, TypeError for a wrong type, UnknownNameError (a KeyError and
    a ValueError) for an unknown name.
    """
    try:
        return model_view.class_index(c)
    except UnknownNameError:
        generic = tuple(f"class {i}" for i in range(model_view.num_classes))
        if isinstance(c, str) and model_view.class_names == generic:
            raise UnknownNameError(
                f"class name {c!r} needs a zoo model (lh.load_model(...)) or a model whose "
                "class names were given with lh.modelview.view(model).describe(class_names="
                f"[...]); this model's {model_view.num_classes} classes are only named "
                f"'class 0' to 'class {model_view.num_classes - 1}', so pass the class index"
            ) from None
        raise


def _is_input_layer_name(keras_model: keras.Model, name: str) -> bool:
    layers_ = getattr(keras_model, "_layers", None) or keras_model.layers
    return any(isinstance(layer, keras.layers.InputLayer) and layer.name == name
               for layer in layers_)


def _feature_path(model_view: ModelView, layer_name: str) -> str:
    """The path of ``layer_name`` (a name or ``base/layer``), checked to output feature maps.

    An unknown name raises UnknownNameError (listing the valid names); a layer without
    feature maps (or the input) raises ValueError.
    """
    try:
        return model_view.feature_layer(layer_name)
    except UnknownNameError:
        if not (isinstance(layer_name, str)
                and _is_input_layer_name(model_view.model, layer_name)):
            raise
        why, kind = "is the input", "InputLayer"
    except ValueError:
        path = model_view.layer_path(layer_name)
        shape = tuple(model_view.layer_output(path).shape)
        why = f"outputs shape {shape}, not feature maps (N, H, W, C)"
        kind = type(model_view.layer(path)).__name__
    examples = model_view.conv_layers()[:3]
    raise ValueError(
        f"layer {layer_name!r} ({kind}) {why}, so it has no filters to "
        f"visualize. Pick a convolutional layer or one that follows it (e.g. "
        f"{', '.join(examples)}); for class outputs use lh.visualize_class."
    )


def feature_layer(model: ZooModel | keras.Model, layer_name: str) -> keras.layers.Layer:
    """The layer ``layer_name`` (a name or ``base/layer`` path), checked to output feature
    maps (N, H, W, C).  An unknown name raises ``UnknownNameError`` (a KeyError and a
    ValueError listing the valid names); a layer without feature maps, ValueError."""
    model_view = view(model)
    return model_view.layer(_feature_path(model_view, layer_name))
