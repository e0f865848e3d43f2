"""Numbers for how a picture looks: colourfulness, pixel-level mosaic, clipping, fine detail.

Pure NumPy on RGB pictures: one (H, W, 3) picture gives a float, a batch (N, H, W, 3) an
(N,) array.  uint8 pictures and float pictures in [0, 255] (the package's convention for
floats, see :func:`lecture_helpers.images.float_pixels`) give the same numbers.

* :func:`colourfulness`: Hasler & Süsstrunk (2003), the metric that ranks pictures as
  people rank them by how colourful they look: grey 0, dull 15-33, photos here 25-77.
* :func:`period2_energy`: the share of the spectral power within 0.1 cycle/pixel of the
  Nyquist frequency (periods of 2-2.5 px) on either axis: a per-pixel mosaic, checkerboard
  or speckle.  The sample photos at 224 px: 0.0004-0.0054; EfficientNet-Lite0's class
  pictures with Lucid's parameterization at 224 px: 0.040-0.069.
* :func:`clipped_share`: the share of pixels with a channel at 0 or 255 (saturated).

Its neighbour for broader fine detail is ``lh.high_frequency_share`` (the share of the
luminance's power above half the Nyquist frequency, in :mod:`lecture_helpers.class_neurons`).
"""

from __future__ import annotations

import numpy as np

from .images import rgb_batch

__all__ = [
    "PERIOD2_BAND",
    "clipped_share",
    "colourfulness",
    "period2_energy",
]

# Frequencies (cycles per pixel) from here to the Nyquist frequency 0.5 count as "period 2":
# periods of 2 to 2.5 px.
PERIOD2_BAND = 0.4


def _batch(image: np.ndarray, what: str = "image") -> tuple[np.ndarray, bool]:
    """(N, H, W, 3) float64 pixel values in [0, 255], and whether one picture was given."""
    array, single = rgb_batch(
        image, f"{what} must be an RGB picture (H, W, 3) or a batch (N, H, W, 3)"
    )
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} contains NaN or infinite values")
    return array, single


def _result(values: np.ndarray, single: bool) -> float | np.ndarray:
    return float(values[0]) if single else values


def colourfulness(image: np.ndarray) -> float | np.ndarray:
    """Hasler & Süsstrunk's colourfulness M = sqrt(σ_rg² + σ_yb²) + 0.3 sqrt(μ_rg² + μ_yb²).

    With the opponent channels rg = R - G and yb = (R + G)/2 - B, in 0-255 units; σ and μ
    are each channel's standard deviation and mean over the picture.  Any grey picture
    scores 0; a picture of pure red and pure green halves 255 (σ_rg = 255, σ_yb = 0,
    μ_rg = 0, μ_yb = 127.5) scores 255 + 0.3 · 127.5.  Their scale: 15 "slightly", 33
    "moderately", 45 "averagely", 59 "quite", 82 "highly", 109 "extremely" colourful.
    """
    batch, single = _batch(image)
    r, g, b = batch[..., 0], batch[..., 1], batch[..., 2]
    rg = r - g
    yb = 0.5 * (r + g) - b
    axes = (1, 2)
    spread = np.sqrt(rg.var(axis=axes) + yb.var(axis=axes))
    mean = np.sqrt(rg.mean(axis=axes) ** 2 + yb.mean(axis=axes) ** 2)
    return _result(spread + 0.3 * mean, single)


def period2_energy(image: np.ndarray, band: float = PERIOD2_BAND) -> float | np.ndarray:
    """The share of a picture's spectral power at periods of 2 to 1/``band`` px: a mosaic.

    Precisely: each of R, G and B minus its mean, times a 2-D Hann window, 2-D FFT; the
    power summed over the three channels at frequencies with |f_x| >= ``band`` or |f_y| >=
    ``band`` cycles/pixel (0.5 is the Nyquist frequency), over all the power.  0 for a flat
    picture (nothing to share), 1 for a pure 2-px checkerboard or 1-px stripes, about 0 for
    a smooth gradient, 0.36 for white noise (the band's share of the frequency square).

    Why this band: any pattern that repeats every 2 px, in luminance or only in colour, has
    all its power at (±0.5, 0), (0, ±0.5) and (±0.5, ±0.5), inside it.  The mosaic of class
    pictures is not such a strict pattern (``lh.checkerboard_score`` is 0.85-1.1, 1 meaning
    none, and the power at exactly the Nyquist frequencies is 0.1-0.2% of the total) but a
    per-pixel colour speckle with power at every frequency near Nyquist.  With 0.4 (periods
    2-2.5 px) the sample photos at 224 px score 0.0004-0.0054 and the speckled pictures
    0.040-0.069, a sevenfold gap; the class recipe's pictures score 0.0014-0.0054, like
    photos.  The window removes the jump the FFT sees between opposite borders, whose
    leakage would add 0.0006-0.002 to a photo.  The three channels' powers add, so a
    colour-only mosaic (equal luminance) counts as much as a grey one.
    """
    if not 0.0 < band <= 0.5:
        raise ValueError(f"band must be in (0, 0.5] cycles per pixel, got {band!r}")
    batch, single = _batch(image)
    height, width = batch.shape[1:3]
    planes = batch - batch.mean(axis=(1, 2), keepdims=True)
    window = np.hanning(height)[:, None] * np.hanning(width)[None, :]
    if height < 3 or width < 3:  # a Hann window of 1 or 2 points is all zeros
        window = np.ones((height, width))
    spectrum = np.fft.fft2(planes * window[None, :, :, None], axes=(1, 2))
    power = (np.abs(spectrum) ** 2).sum(axis=-1)
    fy = np.abs(np.fft.fftfreq(height))[:, None]
    fx = np.abs(np.fft.fftfreq(width))[None, :]
    inside = (fy >= band - 1e-9) | (fx >= band - 1e-9)
    total = power.sum(axis=(1, 2))
    share = (power * inside).sum(axis=(1, 2)) / np.maximum(total, 1e-300)
    return _result(np.where(total > 1e-12 * height * width, share, 0.0), single)


def clipped_share(image: np.ndarray) -> float | np.ndarray:
    """The share of pixels with at least one channel at 0 or at 255 (after rounding floats).

    A saturated sigmoid shows as such pixels: flat black, white or pure-colour patches
    without detail.  The sample photos: 0-0.12 (the astronaut's white suit).
    """
    batch, single = _batch(image)
    rounded = np.round(batch)
    clipped = ((rounded <= 0) | (rounded >= 255)).any(axis=-1)
    return _result(clipped.mean(axis=(1, 2)), single)
