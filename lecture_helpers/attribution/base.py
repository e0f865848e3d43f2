"""What every attribution method is, is given, and gives back.

A :class:`Method` declares what it needs (a layer's feature map or the pixels, gradients or
forward passes only, a class or not) and computes :class:`Maps` from an :class:`Inputs`: the
images paired with their classes, and the pieces every method shares (feature-map gradients,
pixel gradients, class scores), each computed once, on first use, by compiled functions
cached in the model's view.  The driver (:func:`lecture_helpers.attribution.explain`) makes
the Inputs, calls the method and returns one :class:`Attribution`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import keras
import numpy as np

from .._quiet import tf
from ..modelview import view
from ..zoo import ZooModel
from .engine import cam_engine, pixel_gradient_function, score_function
from .maps import mass_fraction, normalize_heatmap, normalize_map, upsample_heatmap


@dataclass(frozen=True)
class Maps:
    """What a method computes: one map per row (N, h, w); the signed per-pixel values
    (N, H, W, C) of a gradient method; per-method details (arrays of N, e.g. IG's gap)."""

    maps: np.ndarray
    attributions: np.ndarray | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Method:
    """One attribution method: its id and title, what it needs, and how it computes.

    ``compute(inputs, **options) -> Maps``.  ``layer``: it reads a layer's feature map (its
    maps have the layer's resolution); otherwise it works on the pixels.  ``gradients``: it
    takes gradients (else forward passes only).  ``class_specific``: its map depends on the
    class.  ``pixel_attribution(inputs, images, classes) -> (n, H, W, C)``: the signed
    per-pixel values of a gradient method, which SmoothGrad can average over noise.
    ``family``: "heatmap" (drawn over the photo in [0, 1]: the Grad-CAM explorer, the sanity
    check, the faithfulness curves) or "saliency" (an image gradient, drawn on its own scale:
    the saliency explorer, notebook 3).
    """

    id: str
    title: str
    reference: str
    compute: Callable[..., Maps]
    layer: bool = False
    gradients: bool = True
    class_specific: bool = True
    pixel_attribution: Callable[..., np.ndarray] | None = None
    family: str = "heatmap"


def pair_up(batch: np.ndarray, classes: list[int] | None) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast N images against M classes (N == M, N == 1 or M == 1); -1 = top class."""
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


class Inputs:
    """The images paired with their classes, and the pieces methods compute maps from.

    ``batch``: the distinct images (B, H, W, C); ``x``: one row per map (N, H, W, C), an
    image repeated when several classes explain it; ``requested`` (N,): the classes asked
    for, -1 = the image's top class; ``layer``: the feature layer's path (CAM methods).
    """

    def __init__(
        self, model: ZooModel | keras.Model, image: Any, class_index: Any = None,
        layer: str | None = None, size: Any = None,
    ) -> None:
        self.model = model
        self.view = view(model)
        self.batch = self.view.batch(image, size)
        self.x, self.requested = pair_up(self.batch, self.view.class_indices(class_index))
        self.layer = layer
        self._classes: np.ndarray | None = None
        self._scores: np.ndarray | None = None

    def source(self, row: int) -> int:
        """The index in ``batch`` of row ``row``'s image."""
        return 0 if len(self.batch) == 1 else row

    def record(self, scores: np.ndarray, classes: np.ndarray) -> None:
        """Keep each row's class and class score as a method's own pass measured them, so that
        the result needs no extra forward pass for them."""
        self._classes, self._scores = np.asarray(classes, np.int64), np.asarray(scores, np.float32)

    @cached_property
    def _feature_pass(self) -> tuple[np.ndarray, ...]:
        engine = cam_engine(self.model, self.layer)
        a, g, scores, chosen = (t.numpy() for t in engine.gradients(
            tf.constant(self.x), tf.constant(self.requested)))
        self.record(scores[np.arange(len(chosen)), chosen], chosen)
        return a, g

    def feature_gradients(self) -> tuple[np.ndarray, np.ndarray]:
        """(A, dF_c/dA), (N, h, w, K) each: one forward pass and one backward pass to A."""
        return self._feature_pass

    @cached_property
    def _forward(self) -> tuple[np.ndarray, np.ndarray]:
        a, scores, probabilities = (
            t.numpy() for t in cam_engine(self.model, self.layer).forward(tf.constant(self.batch))
        )
        rows = [self.source(r) for r in range(len(self.x))]
        chosen = np.where(self.requested < 0, probabilities[rows].argmax(axis=-1), self.requested)
        self.record(scores[rows, chosen], chosen)
        return a, probabilities

    def features(self) -> tuple[np.ndarray, np.ndarray]:
        """(A, probabilities) of the distinct images, (B, h, w, K) and (B, C): forward only."""
        return self._forward

    def pixel_gradients(
        self, images: np.ndarray, classes: np.ndarray, batch_size: int,
        weights: np.ndarray | None = None, square: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Class scores (n,) and d score / d pixels of ``images`` (n, H, W, C), ``batch_size``
        at a time.  With ``weights`` (n,): only their weighted sum (of the squared gradients
        if ``square``), (H, W, C) in float64, added chunk by chunk (memory: one chunk)."""
        function = pixel_gradient_function(self.model)
        scores, grads, total = [], [], None
        for start in range(0, len(images), batch_size):
            s, g, _ = function(tf.constant(images[start : start + batch_size]),
                               tf.constant(classes[start : start + batch_size], tf.int32))
            scores.append(s.numpy())
            if weights is None:
                grads.append(g.numpy())
                continue
            chunk = g.numpy().astype(np.float64)
            if square:
                chunk **= 2
            part = np.tensordot(weights[start : start + batch_size], chunk, axes=(0, 0))
            total = part if total is None else total + part
        return np.concatenate(scores).astype(np.float64), (
            np.concatenate(grads) if weights is None else total)

    def row_gradients(self, batch_size: int) -> np.ndarray:
        """d f_c / d pixels of every row, (N, H, W, C), ``batch_size`` rows at a time; each
        row's class (its top class where -1) and score are recorded from the same passes."""
        function = pixel_gradient_function(self.model)
        parts = [[t.numpy() for t in function(
            tf.constant(self.x[start : start + batch_size]),
            tf.constant(self.requested[start : start + batch_size]))]
            for start in range(0, len(self.x), batch_size)]
        scores, grads, chosen = (np.concatenate(part) for part in zip(*parts, strict=True))
        self.record(scores, chosen)
        return grads

    def score_function(self, score: str = "probability") -> Callable[[Any], Any]:
        """The compiled x → (n, C) probabilities (``"probability"``) or logits (``"logit"``)."""
        return score_function(self.model, score)

    def _resolve(self) -> None:
        if self._classes is None:  # no method's pass has resolved them: one forward pass
            scores = self.view.run("scores", self.x)
            chosen = np.where(self.requested < 0, scores.argmax(axis=-1), self.requested)
            self.record(scores[np.arange(len(chosen)), chosen], chosen)

    @property
    def classes(self) -> np.ndarray:
        """The class of each row (N,), top classes resolved."""
        self._resolve()
        return self._classes

    @property
    def scores(self) -> np.ndarray:
        """Each row's class score f_c (the logit), (N,)."""
        self._resolve()
        return self._scores


@dataclass(frozen=True)
class Attribution:
    """One method's maps for N (image, class) rows: the same shapes for one image or many.

    ``maps`` (N, h, w): the method's own map, at the layer's resolution (CAMs) or the
    pixels'; ``heatmaps`` (N, H, W): each in [0, 1] at the image's resolution;
    ``attributions`` (N, H, W, C): signed per-pixel values (gradient methods), else None;
    ``images`` (N, H, W, C): what the model saw; ``classes``, ``class_names``, ``scores``
    (the class score f_c, the logit); ``layer`` (CAMs); ``details``: per-method values.
    """

    method: str
    title: str
    maps: np.ndarray
    images: np.ndarray
    classes: np.ndarray
    class_names: tuple[str, ...]
    scores: np.ndarray
    layer: str | None = None
    attributions: np.ndarray | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.maps)

    def __getitem__(self, row: int) -> Attribution:
        """Row ``row`` as an Attribution of one row."""
        rows = slice(row, row + 1 if row != -1 else None)
        if not -len(self) <= row < len(self):
            raise IndexError(f"row {row} of an attribution with {len(self)} rows")

        def pick(value: Any) -> Any:
            return value[rows] if isinstance(value, np.ndarray) and value.ndim else value

        return dataclasses.replace(
            self, maps=self.maps[rows], images=self.images[rows], classes=self.classes[rows],
            class_names=self.class_names[rows], scores=self.scores[rows],
            attributions=None if self.attributions is None else self.attributions[rows],
            details={key: pick(value) for key, value in self.details.items()},
        )

    # -- one row: what a saliency map of one image reads ---------------------------------

    def _one(self) -> None:
        if len(self) != 1:
            raise ValueError(f"this attribution has {len(self)} rows; pick one with result[i]")

    @property
    def map(self) -> np.ndarray:
        """The map of a one-row attribution, (h, w)."""
        self._one()
        return self.maps[0]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.map if dtype is None else self.map.astype(dtype)

    @property
    def image(self) -> np.ndarray:
        """The picture the model saw (one row): uint8 RGB."""
        self._one()
        picture = np.clip(np.round(self.images[0]), 0, 255).astype(np.uint8)
        return np.repeat(picture, 3, axis=-1) if picture.shape[-1] == 1 else picture

    @property
    def class_index(self) -> int:
        self._one()
        return int(self.classes[0])

    @property
    def class_name(self) -> str:
        self._one()
        return self.class_names[0]

    @property
    def score(self) -> float:
        self._one()
        return float(self.scores[0])

    @property
    def completeness_gap(self) -> float | None:
        """Integrated Gradients (one row): |sum(attributions) - (f(I) - f(I'))| / |f(I) -
        f(I')|, 0 when equal; None for other methods."""
        self._one()
        gap = self.details.get("relative_completeness_gap")
        return None if gap is None else float(np.asarray(gap).ravel()[0])

    def normalized(self, percentile: float = 99.0) -> np.ndarray:
        """The map (one row) scaled to [0, 1], clipped at its ``percentile``."""
        return normalize_map(self.map, percentile)

    def mass_fraction(self, region: str | np.ndarray) -> float:
        """Share of the map's (one row) total in ``region``: 'left', 'right', 'top' or
        'bottom' half, or a boolean mask of the map's shape."""
        return mass_fraction(self.map, region)

    @cached_property
    def heatmaps(self) -> np.ndarray:
        """Each map in [0, 1] (ReLU, divided by its maximum) at the image's resolution."""
        maps = normalize_heatmap(self.maps)
        size = self.images.shape[1:3]
        return maps if maps.shape[1:] == size else upsample_heatmap(maps, size)
