"""Guided backpropagation (Springenberg et al. 2015).

A cached clone of the model (:func:`guided_model`) whose ReLU/ReLU6 units pass back only
positive gradients where they were active (:class:`GuidedReLU`, a registered Keras layer);
guided backprop is the gradient of the class score with respect to the pixels through it.
After changing the model's weights, :func:`refresh_guided_weights` updates the clone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from .._quiet import tf
from ..modelview import _activation_name, view
from ..zoo import ZooModel, get_keras_model
from .base import Inputs, Maps, Method
from .engine import chosen_classes, selected_scores


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
                selected = selected_scores(scores, classes)
            return tape.gradient(selected, x), selected, chosen_classes(scores, classes)

        return tf.function(
            gradient,
            input_signature=[model_view.input_spec(), tf.TensorSpec([None], tf.int32)],
        )

    return model_view.cached(("guided_gradient",), build)


def pixel_attribution(inputs: Inputs, images: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """d f_c / d pixels through the guided ReLUs, (n, H, W, C)."""
    gradient = _guided_gradient_function(inputs.model)
    return gradient(tf.constant(images), tf.constant(classes, tf.int32))[0].numpy()


def compute(inputs: Inputs) -> Maps:
    """One forward and one backward pass through the guided clone; the map is the largest
    |value| over colour channels."""
    gradient = _guided_gradient_function(inputs.model)
    grads, scores, chosen = (t.numpy() for t in gradient(
        tf.constant(inputs.x), tf.constant(inputs.requested)))
    inputs.record(scores, chosen)  # the clone's forward pass is the model's
    return Maps(np.abs(grads).max(axis=-1), attributions=grads)


METHOD = Method("guided_backprop", "Guided backprop", "Springenberg et al. 2015", compute,
                pixel_attribution=pixel_attribution)
