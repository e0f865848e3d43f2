"""Layers: the model traced into one flat functional graph, and its layers found by name or
``base/layer`` path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras

from ..errors import UnknownNameError, UnsupportedModelError

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
# Layers by name or path


class LayerLookup:
    """The layers of a :class:`~lecture_helpers.modelview.ModelView` (a part of it): every
    layer's path, its Keras layer and its symbolic input and output in the flat graph."""

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
