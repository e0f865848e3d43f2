"""Occlusion sensitivity (Zeiler & Fergus 2014): how much the class probability drops
when a grey patch hides each part of the image.  The occluded images run through the
model in batches; several classes of one image share them.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from .._quiet import tf
from ..errors import UnknownNameError
from ..zoo import ZooModel
from .base import (
    _single,
    batch_and_classes,
    logit_function,
    normalize_heatmap,
    probability_function,
)


def occlusion_sensitivity(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    *,
    size: tuple[int, int] | None = None,
    patch: int = 32,
    stride: int = 16,
    fill: float = 127.5,
    batch_size: int = 16,
    normalize: bool = True,
    score: str = "probability",
) -> np.ndarray:
    """Occlusion sensitivity (Zeiler & Fergus 2014): slide a grey ``patch`` x ``patch``
    square over the image in steps of ``stride``; a pixel's value is the mean drop of the
    class probability over the patches that covered it.  The occluded images run through
    the model in batches; several classes of one image share them.  ``normalize``: ReLU
    and divide by the max (a [0, 1] heatmap like the CAMs); otherwise the raw probability
    drop (negative = occluding helps).
    ``score="logit"`` measures the drop of the class score (the logit) instead: unlike the
    probability, it does not move when occluding changes *other* classes' scores.
    Output at the model input's resolution, (H, W) per image.
    """
    if patch < 1 or stride < 1 or batch_size < 1:
        raise ValueError(
            f"patch, stride and batch_size must be >= 1 (got {patch}, {stride}, {batch_size})"
        )
    scorers = {"probability": probability_function, "logit": logit_function}
    if score not in scorers:
        raise UnknownNameError(f"unknown score {score!r}; choose 'probability' or 'logit'")
    probabilities = scorers[score](model)
    batch, x, classes = batch_and_classes(model, image, class_index, size)
    height, width = x.shape[1:3]
    tops = [max(0, t) for t in range(0, height - patch + stride, stride)]
    lefts = [max(0, s) for s in range(0, width - patch + stride, stride)]
    boxes = [(t, s) for t in tops for s in lefts]
    coverage = np.zeros((height, width), np.float32)
    for t, s in boxes:
        coverage[t : t + patch, s : s + patch] += 1.0
    coverage = np.maximum(coverage, 1.0)
    scored: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per image: (base probs, probs)
    out = []
    for row, cls in enumerate(classes):
        source = 0 if len(batch) == 1 else row
        if source not in scored:
            image_x = batch[source]
            base = probabilities(tf.constant(image_x[None])).numpy()[0]
            probs = np.empty((len(boxes), len(base)), np.float32)
            for start in range(0, len(boxes), batch_size):
                chunk = boxes[start : start + batch_size]
                occluded = np.repeat(image_x[None], len(chunk), axis=0)
                for i, (t, s) in enumerate(chunk):
                    occluded[i, t : t + patch, s : s + patch] = fill
                probs[start : start + len(chunk)] = probabilities(tf.constant(occluded)).numpy()
            scored[source] = (base, probs)
        base, probs = scored[source]
        cls = int(np.argmax(base)) if cls < 0 else int(cls)
        drops = base[cls] - probs[:, cls]
        total = np.zeros((height, width), np.float32)
        for drop, (t, s) in zip(drops, boxes, strict=True):
            total[t : t + patch, s : s + patch] += drop
        out.append(total / coverage)
    maps = np.stack(out)
    if normalize:
        maps = normalize_heatmap(maps)
    return maps[0] if _single(image, class_index) else maps
