"""Layer outputs: one model from the network's input to the outputs of many layers, run in
ONE forward pass (the activation model of :mod:`lecture_helpers.activations`, whose names
these are: ``lh.get_activations``, ``lh.activation_model``, ``lh.activations.X``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from ._quiet import tf
from .modelview import UnknownNameError, view
from .zoo import ZooModel

# ---------------------------------------------------------------------------
# Which layers


def feature_map_layers(model: ZooModel | keras.Model) -> list[str]:
    """Names of the layers whose outputs are feature maps (N, H, W, C), in network order.

    These are the convolution and pooling layers. When a model applies its non-linearity
    in separate layers (Conv → BatchNorm → ReLU, as EfficientNet does), a convolution
    without an activation of its own only produces a pre-activation; then the activation
    layers are listed instead of those convolutions. For the lecture's convnet this is
    exactly the slide's list: conv2d_0, max_pooling2d_0, ..., max_pooling2d_3.  Layers
    inside a nested model are named ``base/layer``.
    """
    return view(model).feature_map_layers()


def _resolve_layers(
    model: ZooModel | keras.Model, layers: str | Sequence[str] | None
) -> tuple[str, ...]:
    if layers is None:
        return tuple(feature_map_layers(model))
    if isinstance(layers, str):
        layers = [layers]
    names = list(layers)
    if not names:
        raise ValueError("layers is empty; pass layer names, or None for every feature map layer")
    model_view = view(model)
    model_view.last_conv_layer()  # a model without convolutions: says what is supported
    paths = tuple(  # unknown: lists the valid names; no spatial dimensions: says so
        model_view.feature_layer(name, "it has no channels to show as pictures")
        for name in names
    )
    if len(set(paths)) != len(paths):
        raise ValueError(f"layers contains duplicates: {names}")
    return paths


# ---------------------------------------------------------------------------
# The activation model


class ActivationModel:
    """One Keras model from the network's input to the outputs of many layers.

    Built once per (model, layers) by :func:`activation_model`. Calling it runs ONE
    forward pass (a compiled ``tf.function``, not ``.predict``) and returns an ordered
    ``{layer name: numpy array}``.
    """

    def __init__(self, model: ZooModel | keras.Model, layer_names: Sequence[str]) -> None:
        model_view = view(model)
        self.layer_names: tuple[str, ...] = tuple(layer_names)
        self.model = model_view.probe_model(
            [model_view.layer_output(name) for name in self.layer_names], "activations"
        )
        self.input_shape = tuple(model_view.input.shape)
        self.input_size = model_view.fixed_size or model_view.default_size
        self.source_name = model_view.name
        self._view = model_view
        self._forward = model_view.probe(self.layer_names)

    def __repr__(self) -> str:
        return (
            f"ActivationModel({self.source_name!r}, {len(self.layer_names)} layers: "
            f"{', '.join(self.layer_names[:4])}{', ...' if len(self.layer_names) > 4 else ''})"
        )

    def prepare(self, images: Any) -> np.ndarray:
        """Images in any accepted form → the float32 (N, H, W, C) batch the model takes."""
        return self._view.batch(images)

    def __call__(self, images: Any) -> dict[str, np.ndarray]:
        """One forward pass → ``{layer name: (N, H, W, C) array}`` in network order.

        The arrays are read-only views of TensorFlow's outputs (no copy); use
        ``array.copy()`` to modify one.
        """
        outputs = self._forward(tf.convert_to_tensor(self.prepare(images)))
        # np.asarray shares the tensor's memory (read-only); .numpy() would copy every
        # output, which costs as much as half a forward pass for EfficientNet.
        return {name: np.asarray(out) for name, out in zip(self.layer_names, outputs, strict=True)}


def activation_model(
    model: ZooModel | keras.Model, layer: str | Sequence[str] | None = None
) -> ActivationModel:
    """The (cached) model that returns the outputs of ``layer`` in one forward pass.

    ``layer``: a layer name or a list of them; None means every feature-map layer
    (:func:`feature_map_layers`: the convolution and pooling layers, in order). An unknown
    layer name raises an error that lists the valid names. Built once per model and layer
    list.
    """
    if isinstance(model, ActivationModel):
        raise TypeError("this is already an activation model; pass the network it was built from")
    names = _resolve_layers(model, layer)
    return view(model).cached(("activation_model", names), lambda: ActivationModel(model, names))


def get_activations(
    model: ZooModel | keras.Model | ActivationModel,
    image: Any,
    layer: str | Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Outputs of ``layer`` (a name or a list) for ``image`` (one image or a batch), from
    one forward pass: ``{name: (N, H, W, C)}``.

    ``model`` is a ZooModel, a keras.Model, or an :class:`ActivationModel`. ``image``
    is one image or a list/batch in any form the model's view takes (paths, PIL images,
    uint8 arrays resized to the model's input size, or float arrays of pixel values in
    [0, 255]).  The dict keeps the order of ``layer`` (default: network order).
    """
    if isinstance(model, ActivationModel):
        result = model(image)
        if layer is None:
            return result
        wanted = [layer] if isinstance(layer, str) else list(layer)
        missing = [name for name in wanted if name not in result]
        if missing:
            raise UnknownNameError(
                f"this activation model has no layer(s) {missing}. Valid layer names: "
                f"{', '.join(model.layer_names)}. Build one with "
                "lh.activation_model(model, layer=[...])."
            )
        return {name: result[name] for name in wanted}
    return activation_model(model, layer)(image)


# ---------------------------------------------------------------------------
# One image's feature map of one layer, checked


def _as_feature_map(activation: Any) -> np.ndarray:
    array = np.asarray(activation)
    if array.ndim == 4:
        if array.shape[0] != 1:
            raise ValueError(
                f"activation has shape {array.shape}: a batch of {array.shape[0]} images. "
                "Pass one image's activation, e.g. activation[0]."
            )
        array = array[0]
    if array.ndim != 3:
        raise ValueError(
            f"activation has shape {array.shape}; expected one layer's feature map (H, W, C) "
            "or (1, H, W, C). Dense layers have no spatial channels to tile."
        )
    if array.size == 0:
        raise ValueError(f"activation has shape {array.shape}, which is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError("activation contains NaN or infinite values")
    return array.astype(np.float32, copy=False)
