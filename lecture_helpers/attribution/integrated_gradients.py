"""Integrated Gradients (Sundararajan et al. 2017): the gradient along a path, times the step.

A_i = (I - I')_i x the average of d f_c / d I_i at points on the straight path from a
baseline I' (default black) to I; the attributions add up to f_c(I) - f_c(I')
("completeness"), which ``details["relative_completeness_gap"]`` checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnknownNameError
from .base import Inputs, Maps, Method
from .engine import default_batch_size

INPUT_RANGE = (0.0, 255.0)  # every zoo model takes RGB in [0, 255]


def baseline_array(baseline: Any, image: np.ndarray) -> np.ndarray:
    """The baseline I' as float32 of the image's shape, in [0, 255]."""
    if baseline is None or (isinstance(baseline, str) and baseline in ("black", "zeros")):
        return np.zeros(image.shape, np.float32)
    if isinstance(baseline, str):
        if baseline in ("grey", "gray"):
            return np.full(image.shape, np.mean(INPUT_RANGE), np.float32)
        if baseline == "white":
            return np.full(image.shape, INPUT_RANGE[1], np.float32)
        raise UnknownNameError(
            f"unknown baseline {baseline!r}; use 'black' (default, zeros), 'grey', 'white', "
            "a number in [0, 255], or an image array of the image's shape"
        )
    if np.isscalar(baseline):
        value = float(baseline)
        if not INPUT_RANGE[0] <= value <= INPUT_RANGE[1]:
            raise ValueError(f"a constant baseline must be in [0, 255], got {value}")
        return np.full(image.shape, value, np.float32)
    array = np.asarray(baseline)
    if array.shape != image.shape:
        raise ValueError(
            f"the baseline has shape {array.shape} but the image fed to the model has shape "
            f"{image.shape}; pass a baseline of that shape (e.g. lh.resize_image(b, "
            f"{image.shape[:2]}))"
        )
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        raise ValueError("the baseline contains NaN or infinite values")
    return array


def _path_weights(steps: int, path_exponent: float) -> tuple[np.ndarray, np.ndarray]:
    """Points alpha = t**exponent on a midpoint grid of t, and their weights d alpha."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not path_exponent >= 1:
        raise ValueError(f"path_exponent must be >= 1 (1 = uniform steps), got {path_exponent}")
    t = (np.arange(steps, dtype=np.float64) + 0.5) / steps
    return t**path_exponent, path_exponent * t ** (path_exponent - 1) / steps


def _one(inputs: Inputs, image: np.ndarray, cls: int, steps: int, baseline: Any,
         path_exponent: float, batch_size: int) -> tuple[np.ndarray, dict]:
    reference = baseline_array(baseline, image)
    alphas, weights = _path_weights(steps, path_exponent)
    path = reference[None] + alphas[:, None, None, None].astype(np.float32) * (
        image - reference)[None]
    batch = np.concatenate([path, image[None], reference[None]])
    scores, average_gradient = inputs.pixel_gradients(
        batch, np.full(len(batch), cls), batch_size, np.r_[weights, 0.0, 0.0])  # the path
    attributions = ((image - reference) * average_gradient).astype(np.float32)
    total = float(attributions.astype(np.float64).sum())
    difference = float(scores[steps]) - float(scores[steps + 1])
    gap = abs(total - difference)
    relative = gap / abs(difference) if abs(difference) > 1e-12 else (
        0.0 if gap < 1e-6 else float("inf"))
    return attributions, dict(baseline_score=float(scores[steps + 1]),
                              score_difference=difference, attribution_sum=total,
                              completeness_gap=gap, relative_completeness_gap=relative)


def compute(
    inputs: Inputs, *, steps: int = 64, baseline: Any = None, path_exponent: float = 3.0,
    batch_size: int | None = None,
) -> Maps:
    """``steps`` points spaced as alpha = t**path_exponent (a black start makes the score
    change fastest near the baseline, and exponent 3 keeps the completeness gap small; 1 =
    the paper's uniform Riemann sum); ``baseline``: 'black', 'grey', 'white', a number in
    [0, 255] or an image.  The map is |sum over colour channels of the attributions|."""
    x = inputs.x
    batch_size = batch_size or default_batch_size(x.shape[1] * x.shape[2])
    rows = [_one(inputs, image, int(cls), steps, baseline, path_exponent, batch_size)
            for image, cls in zip(x, inputs.classes, strict=True)]
    attributions = np.stack([a for a, _ in rows])
    details = {key: np.array([d[key] for _, d in rows]) for key in rows[0][1]}
    details.update(steps=steps, path_exponent=float(path_exponent))
    return Maps(np.abs(attributions.sum(axis=-1)), attributions=attributions, details=details)


def pixel_attribution(inputs: Inputs, images: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """The attributions of each image with the default path (64 points from black)."""
    size = default_batch_size(images.shape[1] * images.shape[2])
    return np.stack([_one(inputs, image, int(cls), 64, None, 3.0, size)[0]
                     for image, cls in zip(images, classes, strict=True)])


METHOD = Method("integrated_gradients", "Integrated Gradients", "Sundararajan et al. 2017",
                compute, pixel_attribution=pixel_attribution,
                family="saliency")
