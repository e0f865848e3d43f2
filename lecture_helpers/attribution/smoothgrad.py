"""SmoothGrad (Smilkov et al. 2017): any gradient method, averaged over noisy copies.

Like Captum's NoiseTunnel, it wraps another method (``of=``, default the vanilla gradient):
``samples`` copies of the image with Gaussian noise (sigma = ``noise`` x 255), the wrapped
method's per-pixel values averaged over them (squared first if ``magnitude``, the PAIR
saliency library's default); the map is the largest value over colour channels.
"""

from __future__ import annotations

import numpy as np

from .base import Inputs, Maps, Method
from .engine import default_batch_size

INPUT_RANGE = (0.0, 255.0)


def compute(
    inputs: Inputs, *, of: str = "vanilla", samples: int = 25, noise: float = 0.2,
    magnitude: bool = True, seed: int = 0, batch_size: int | None = None,
) -> Maps:
    """Copies go ``batch_size`` at a time (default: 4 of 224 x 224 px): memory holds one chunk."""
    from .registry import get_method

    wrapped = get_method(of)
    if wrapped.pixel_attribution is None:
        raise ValueError(f"SmoothGrad averages a gradient method's per-pixel values, and "
                         f"{wrapped.title} has none; use of='vanilla' or 'guided_backprop'")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ValueError(f"samples must be a positive integer, got {samples!r}")
    if not 0 <= noise <= 1:
        raise ValueError(
            f"noise is sigma as a fraction of the input range 0-255 (e.g. 0.2), got {noise}")
    x = inputs.x
    batch_size = batch_size or default_batch_size(x.shape[1] * x.shape[2])
    sigma = float(noise) * (INPUT_RANGE[1] - INPUT_RANGE[0])
    rng = np.random.default_rng(seed)
    means = []
    for image, cls in zip(x, inputs.classes, strict=True):
        noisy = image[None] + rng.normal(0.0, sigma, size=(samples, *image.shape)).astype(
            np.float32)
        total = np.zeros(image.shape, np.float64)
        for start in range(0, samples, batch_size):
            chunk = noisy[start : start + batch_size]
            values = wrapped.pixel_attribution(inputs, chunk, np.full(len(chunk), cls))
            total += (values.astype(np.float64) ** (2 if magnitude else 1)).sum(axis=0)
        means.append(total / samples)
    mean = np.stack(means)
    maps = mean.max(axis=-1) if magnitude else np.abs(mean).max(axis=-1)
    return Maps(maps.astype(np.float32), attributions=mean.astype(np.float32),
                details=dict(of=wrapped.id, samples=samples, noise=float(noise), sigma=sigma,
                             magnitude=magnitude))


METHOD = Method("smoothgrad", "SmoothGrad", "Smilkov et al. 2017", compute,
                family="saliency")
