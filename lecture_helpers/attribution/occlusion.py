"""Occlusion sensitivity (Zeiler and Fergus 2014): how much the class probability drops
when a grey patch hides each part of the image."""

from __future__ import annotations

import numpy as np

from .._quiet import tf
from .base import Inputs, Maps, Method
from .maps import normalize_heatmap


def _boxes(height: int, width: int, patch: int, stride: int) -> list[tuple[int, int]]:
    tops = [max(0, t) for t in range(0, height - patch + stride, stride)]
    lefts = [max(0, s) for s in range(0, width - patch + stride, stride)]
    return [(t, s) for t in tops for s in lefts]


def compute(
    inputs: Inputs, *, patch: int = 32, stride: int = 16, fill: float = 127.5,
    batch_size: int = 16, normalize: bool = True, score: str = "probability",
) -> Maps:
    """Slide a grey ``patch`` x ``patch`` square over the image in steps of ``stride``; a
    pixel's value is the mean drop of the class probability over the patches that covered
    it (``score="logit"``: of the class score, which does not move when occluding changes
    other classes' scores).  ``normalize``: ReLU and divide by the max (a [0, 1] heatmap
    like the CAMs); otherwise the raw drop (negative = occluding helps).  The occluded
    images run through the model in batches; several classes of one image share them."""
    if patch < 1 or stride < 1 or batch_size < 1:
        raise ValueError(
            f"patch, stride and batch_size must be >= 1 (got {patch}, {stride}, {batch_size})"
        )
    model_scores = inputs.score_function(score)
    height, width = inputs.x.shape[1:3]
    boxes = _boxes(height, width, patch, stride)
    coverage = np.zeros((height, width), np.float32)
    for t, s in boxes:
        coverage[t : t + patch, s : s + patch] += 1.0
    coverage = np.maximum(coverage, 1.0)
    scored: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per image: (base, occluded)
    out = []
    for row, cls in enumerate(inputs.classes):
        source = inputs.source(row)
        if source not in scored:
            image = inputs.batch[source]
            base = model_scores(tf.constant(image[None])).numpy()[0]
            values = np.empty((len(boxes), len(base)), np.float32)
            for start in range(0, len(boxes), batch_size):
                chunk = boxes[start : start + batch_size]
                occluded = np.repeat(image[None], len(chunk), axis=0)
                for i, (t, s) in enumerate(chunk):
                    occluded[i, t : t + patch, s : s + patch] = fill
                values[start : start + len(chunk)] = model_scores(tf.constant(occluded)).numpy()
            scored[source] = (base, values)
        base, values = scored[source]
        total = np.zeros((height, width), np.float32)
        for drop, (t, s) in zip(base[cls] - values[:, cls], boxes, strict=True):
            total[t : t + patch, s : s + patch] += drop
        out.append(total / coverage)
    maps = np.stack(out)
    return Maps(normalize_heatmap(maps) if normalize else maps)


METHOD = Method("occlusion", "Occlusion", "Zeiler and Fergus 2014", compute, gradients=False)
