"""A zoo model: a frozen Keras model with its metadata (:class:`ZooModel`).

Its names, input size and CAM layer live in the model's view (the one source for them); the
rest (licence, source, description) here.  ``lh.load_model`` builds them (``zoo.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from .modelview import ModelView, view


class ZooModel:
    """A frozen Keras model with its metadata: names, licence, description.

    Everything about tensors (layers, the class score, classes, images) comes from the
    model's :class:`~lecture_helpers.modelview.ModelView` (``.view``), the same adapter
    every helper uses for a plain ``keras.Model``; the view also holds the name, the class
    names, the input size and the CAM layer given here (one source for them).  ``model``
    outputs probabilities; the class score the helpers differentiate is the logit before
    the final softmax/sigmoid.
    """

    def __init__(
        self,
        name: str,
        model: keras.Model,
        class_names: Sequence[str],
        input_size: tuple[int, int],
        source: str,
        license: str,
        description: str,
        last_conv_layer: str | None = None,
    ) -> None:
        self.model = model
        self.source = source
        self.license = license
        self.description = description
        self.view.describe(name=name, class_names=class_names, default_size=input_size,
                           cam_layer=last_conv_layer)

    def __repr__(self) -> str:
        return (
            f"ZooModel({self.name!r}: {len(self.class_names)} classes, input "
            f"{self.input_size[0]}x{self.input_size[1]}x3, last conv {self.last_conv_layer!r})"
        )

    def with_model(self, model: keras.Model, name: str) -> ZooModel:
        """The same metadata over another Keras model of the same layers (e.g. a copy)."""
        return ZooModel(name, model, self.class_names, self.input_size, self.source,
                        self.license, self.description, self.view.preferred_cam_layer)

    @property
    def name(self) -> str:
        return self.view.name

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.view.class_names

    @property
    def input_size(self) -> tuple[int, int]:
        """The size photos are resized to (the view's default size)."""
        return self.view.default_size

    @property
    def last_conv_layer(self) -> str:
        """The layer CAM methods use by default."""
        return self.view.last_conv_layer()

    @property
    def view(self) -> ModelView:
        """The model's adapter (layers, class score, classes, images), built once."""
        return view(self.model)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def binary(self) -> bool:
        """True for a one-unit sigmoid model (scores [-z, z], probabilities [1-p, p])."""
        return self.view.binary

    @property
    def logits_layer(self) -> str:
        """The layer whose output is the unnormalized class score (before the softmax)."""
        score = self.view.score
        if score.kind == "input":
            source = self.view.layer_input(score.path)._keras_history.operation
            return source.name
        return score.path

    def preprocess(self, images: Any, size: tuple[int, int] | None = None) -> np.ndarray:
        """Images in any form → float32 batch in [0, 255], resized to ``size`` (default: the
        model's ``input_size``).  Floats are pixel values in [0, 255] (see ModelView.batch)."""
        return self.view.batch(images, self.input_size if size is None else size)

    def predict(self, images: Any, batch_size: int = 8) -> np.ndarray:
        """Class probabilities (N, num_classes) for images in any form ``preprocess`` takes.

        Runs in chunks of ``batch_size`` images, which bounds memory on a laptop.
        """
        return self.probabilities(self.forward(self.preprocess(images), batch_size))

    def forward(self, x: Any, batch_size: int = 8) -> np.ndarray:
        """The Keras model's output for a float batch (N, H, W, 3) in [0, 255].

        Compiled once for every batch and image size; runs in chunks of ``batch_size``.
        """
        return self.view.run("output", x, batch_size)

    def class_scores(self, x: Any, batch_size: int = 8) -> np.ndarray:
        """The unnormalized class scores (N, num_classes) of a float batch, compiled once."""
        return self.view.run("scores", x, batch_size)

    def probabilities(self, predictions: Any) -> np.ndarray:
        """The model's raw output as (N, num_classes) probabilities (binary: [1-p, p])."""
        p = np.asarray(predictions, dtype=np.float64)
        if p.ndim == 1:
            p = p[None] if not self.binary else p[:, None]
        if self.binary and p.shape[-1] == 1:
            p = np.concatenate([1.0 - p, p], axis=-1)
        if p.shape[-1] != self.num_classes:
            raise ValueError(
                f"predictions have {p.shape[-1]} columns, but {self.name} has "
                f"{self.num_classes} classes"
            )
        return p

    def decode(self, predictions: Any, top: int = 5) -> list:
        """Rows of (index, name, probability), best first; a list of rows per image.

        A single prediction vector gives a single list of rows.
        """
        single = np.ndim(predictions) == 1 and not self.binary
        p = self.probabilities(predictions)
        top = max(1, min(int(top), self.num_classes))
        rows = []
        for row in p:
            order = np.argsort(-row, kind="stable")[:top]
            rows.append([(int(i), self.class_names[i], float(row[i])) for i in order])
        return rows[0] if single else rows

    def class_index(self, name_or_index: int | str) -> int:
        """Resolve a class by index or name (``'flamingo'``, ``'dog'``)."""
        return self.view.class_index(name_or_index)

    def score_output(self) -> Any:
        """The symbolic (N, num_classes) class scores in ``self.model``'s own graph (logits;
        binary: [-z, z]), for building sub-models from ``self.model.input``."""
        z = self.model.get_layer(self.logits_layer).output
        if self.binary:
            return keras.ops.concatenate([-z, z], axis=-1)
        return z

    @property
    def score_model(self) -> keras.Model:
        """Input → (N, num_classes) unnormalized class scores; built once."""
        return self.view.score_model()

    def layer_names(self, kind: type | tuple[type, ...] | None = None) -> list[str]:
        """Names of the model's top-level layers (optionally only those of ``kind``)."""
        return [
            layer.name
            for layer in self.model.layers
            if kind is None or isinstance(layer, kind)
        ]
