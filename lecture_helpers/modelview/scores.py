"""The class score f_c (the logit, also when the model ends in a softmax or sigmoid) and the
classes (an index, a name, or None for each image's top class)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import keras
import numpy as np

from ..classes import class_index as _class_index
from ..classes import imagenet_class_names
from ..errors import UnknownNameError, UnsupportedModelError

# ---------------------------------------------------------------------------
# Where the class score comes from


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
# Class scores and classes of a view


class ClassScores:
    """The class scores and classes of a :class:`~lecture_helpers.modelview.ModelView` (a part
    of it)."""

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
