"""The compiled functions every attribution method shares, built once per model.

All of them live in the model's view (``lecture_helpers.modelview``), so
``lh.clear_caches()`` frees them: the feature-map gradients of a layer (:class:`CamEngine`:
one forward pass, one backward pass from the class score to the layer only), the pixel
gradients (:func:`pixel_gradient_function`), and the class scores or probabilities of a
batch (:func:`score_function`).  A class of -1 stands for "the top class of that image" and
is resolved inside the compiled function, so no extra forward pass is spent on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras

from .._quiet import tf
from ..errors import UnknownNameError
from ..modelview import view
from ..zoo import ZooModel
from .layers import resolve_cam_layer


def chosen_classes(scores: Any, classes: Any) -> Any:
    """Each row's class: the one asked for, or its top-scoring class where -1."""
    top = tf.argmax(scores, axis=-1, output_type=tf.int32)
    return tf.where(classes < 0, top, classes)


def selected_scores(scores: Any, classes: Any) -> Any:
    """Each row's score of its class (-1: its top class)."""
    return tf.gather(scores, chosen_classes(scores, classes), axis=1, batch_dims=1)


class CamEngine:
    """Compiled pieces for one model and one layer (build once, reuse).

    ``gradients(x, classes)`` → (A, dScore/dA, scores, classes used) in ONE forward pass
    and a backward pass from the selected score to A only.  ``forward(x)`` → (A, scores,
    probabilities).
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
            selected = selected_scores(scores, classes)
        grads = tape.gradient(selected, activations)
        return activations, grads, scores, chosen_classes(scores, classes)


def cam_engine(model: ZooModel | keras.Model, layer: str | None = None) -> CamEngine:
    """The cached :class:`CamEngine` of (model, layer): built and traced once."""
    path = resolve_cam_layer(model, layer)
    return view(model).cached(("cam_engine", path), lambda: CamEngine(model, path))


def pixel_gradient_function(model: ZooModel | keras.Model) -> Callable:
    """The cached ``tf.function`` ``(images, classes) -> (scores, gradients, classes)``.

    ``images``: a float32 batch (N, H, W, C) in [0, 255]; ``classes`` (N,) one per image
    (-1: its top class); ``scores`` (N,) each image's class score (the logit, before any
    softmax or sigmoid); ``gradients`` (N, H, W, C) = d score / d pixels.  Traced once for
    every batch size (and image size, for a model that takes any).
    """
    model_view = view(model)

    def build() -> Callable:
        score_model = model_view.score_model()

        def scores_and_gradients(images, classes):
            with tf.GradientTape(watch_accessed_variables=False) as tape:
                tape.watch(images)
                scores = score_model(images, training=False)
                selected = selected_scores(scores, classes)
            return selected, tape.gradient(selected, images), chosen_classes(scores, classes)

        return tf.function(
            scores_and_gradients,
            input_signature=[model_view.input_spec(), tf.TensorSpec([None], tf.int32)],
        )

    return model_view.cached(("pixel_gradient",), build)


SCORES = ("probability", "logit")


def score_function(model: ZooModel | keras.Model, score: str = "probability") -> Callable:
    """The model view's compiled x → (N, C) class probabilities (``"probability"``;
    binary models: [P(0), P(1)]) or class scores (``"logit"``; binary models: [-z, z])."""
    if score not in SCORES:
        raise UnknownNameError(f"unknown score {score!r}; choose 'probability' or 'logit'")
    return view(model).compiled("probabilities" if score == "probability" else "scores")


def forget_model(model: ZooModel | keras.Model) -> None:
    """Drop the compiled functions and sub-models cached for one model."""
    view(model).clear_cache()


PIXELS_PER_BATCH = 4 * 224 * 224  # a backward pass's memory grows with its pixels: 4 photos


def default_batch_size(pixels: int) -> int:
    """Images per backward pass: 4 of 224 x 224 px, fewer for larger images (at least 1)."""
    return max(1, PIXELS_PER_BATCH // max(1, int(pixels)))
