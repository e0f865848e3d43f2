"""Image parameterizations: parameters ``p`` → image in [0, 1], shape (N, H, W, 3).

Plain pixels (:class:`PixelParam`) or Lucid's Fourier spectrum (:class:`FourierParam`),
both with Lucid's colour decorrelation and a sigmoid, so the picture is always valid; each
also knows how to blur its parameters (the ``blur`` regularizer).  Here too: the FFT
helpers (``_irfft2d`` with its cheap exact gradient) and ``_parameterization``, which turns
``param="pixel"``/``"fourier"`` into an object.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._quiet import tf
from ..errors import UnknownNameError

# Lucid's colour decorrelation: the square root of ImageNet's colour covariance.
COLOR_CORRELATION_SVD_SQRT = np.asarray(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=np.float32
)
_COLOR_MIX = (
    COLOR_CORRELATION_SVD_SQRT / np.max(np.linalg.norm(COLOR_CORRELATION_SVD_SQRT, axis=0))
).T.astype(np.float32)


def _decorrelated_to_rgb(t: Any) -> Any:
    """(N, H, W, 3) decorrelated colour → RGB in [0, 1] (linear mix, then sigmoid)."""
    return tf.sigmoid(tf.tensordot(t, tf.constant(_COLOR_MIX), axes=[[3], [0]]))


def _fft_freqs(height: int, width: int) -> np.ndarray:
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    return np.sqrt(fx * fx + fy * fy).astype(np.float32)  # (H, W//2 + 1)


def _gaussian_kernel(sigma: float) -> np.ndarray:
    radius = max(1, int(math.ceil(3 * sigma)))
    x = np.arange(-radius, radius + 1, dtype=np.float32)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


@dataclass(frozen=True)
class PixelParam:
    """Plain pixels (colour-decorrelated, then a sigmoid keeps them in [0, 1])."""

    sd: float = 0.01

    def init(self, rng: np.random.Generator, n: int, height: int, width: int) -> np.ndarray:
        return (self.sd * rng.standard_normal((n, height, width, 3))).astype(np.float32)

    def to_image(self, p: Any, height: int, width: int) -> Any:
        return _decorrelated_to_rgb(p)

    def blur(self, p: Any, sigma: float, height: int, width: int) -> Any:
        k = _gaussian_kernel(sigma)
        r = len(k) // 2
        padded = tf.pad(p, [[0, 0], [r, r], [r, r], [0, 0]], mode="REFLECT")
        kx = tf.constant(np.tile(k[None, :, None, None], (1, 1, 3, 1)))
        ky = tf.constant(np.tile(k[:, None, None, None], (1, 1, 3, 1)))
        out = tf.nn.depthwise_conv2d(padded, kx, [1, 1, 1, 1], "VALID")
        return tf.nn.depthwise_conv2d(out, ky, [1, 1, 1, 1], "VALID")


def _irfft2d(real: Any, imag: Any, height: int, width: int) -> Any:
    """``tf.signal.irfft2d(real + i*imag)`` with a cheap exact gradient (one rfft2d).

    TensorFlow's generic irfft2d gradient is ~5x slower than this closed form: for
    ``y = irfft2d(X)``, ``dL/dRe X = c * Re(rfft2d(g)) / (H W)`` and
    ``dL/dIm X = c * Im(rfft2d(g)) / (H W)``, where ``c`` = 2 for the columns that stand
    for two conjugate frequencies and 1 for the DC (and Nyquist) columns.
    """
    columns = width // 2 + 1
    weight = np.full(columns, 2.0, np.float32)
    weight[0] = 1.0
    if width % 2 == 0:
        weight[-1] = 1.0
    weight /= height * width

    @tf.custom_gradient
    def inverse(re, im):
        image = tf.signal.irfft2d(tf.complex(re, im), fft_length=[height, width])

        def grad(upstream):
            spectrum = tf.signal.rfft2d(upstream, fft_length=[height, width])
            w = tf.constant(weight)
            return tf.math.real(spectrum) * w, tf.math.imag(spectrum) * w

        return image, grad

    return inverse(real, imag)


@dataclass(frozen=True)
class FourierParam:
    """Lucid's Fourier parameterization: a scaled spectrum, inverse FFT, colour decorrelation.

    Low frequencies get larger steps than high ones (scale 1/f**decay_power), which makes
    gradient ascent produce smooth, natural-looking pictures.

    With Adam (the engine's default optimizer) every coefficient of ``p`` moves by about the
    same amount whatever the size of its gradient (measured on 224-px class pictures: the
    RMS change of ``p`` is 0.79-0.87 in every frequency band), so the picture's spectrum ends
    up close to this scale, amplitude ~ 1/f**decay_power.  Lucid's 1.0 gives equal power per
    octave, 13% of it above half the Nyquist frequency at 224 px (the pictures: 15-21%;
    photos: 0.7-2.5%, ``lh.high_frequency_share``), which shows as a per-pixel colour
    speckle.  At 1.75 (``CLASS_PARAM`` in :mod:`.render`) the scale puts 0.06% there (the
    pictures: 0.7-1.8%, the rest from the sigmoid's edges).  A larger power also makes the
    picture's amplitude per unit of ``p`` larger (x9 from 1.0 to 1.5 and x31 to 1.75 at
    224 px), so it takes a smaller learning rate, or the sigmoid saturates.
    """

    sd: float = 0.01
    decay_power: float = 1.0

    def init(self, rng: np.random.Generator, n: int, height: int, width: int) -> np.ndarray:
        shape = (n, 2, 3, height, width // 2 + 1)  # (real, imaginary) first: cheap slices
        return (self.sd * rng.standard_normal(shape)).astype(np.float32)

    def _scale(self, height: int, width: int) -> np.ndarray:
        freqs = _fft_freqs(height, width)
        scale = 1.0 / np.maximum(freqs, 1.0 / max(height, width)) ** self.decay_power
        return (scale * np.sqrt(height * width)).astype(np.float32)

    def to_image(self, p: Any, height: int, width: int) -> Any:
        scale = tf.constant(self._scale(height, width) / 4.0)
        t = _irfft2d(p[:, 0] * scale, p[:, 1] * scale, height, width)  # (N, 3, H, W)
        return _decorrelated_to_rgb(tf.transpose(t, [0, 2, 3, 1]))

    def blur(self, p: Any, sigma: float, height: int, width: int) -> Any:
        freqs = _fft_freqs(height, width)
        gain = np.exp(-2.0 * (np.pi * sigma * freqs) ** 2).astype(np.float32)
        return p * tf.constant(gain)


PARAMETERIZATIONS: dict[str, Callable[[], Any]] = {"pixel": PixelParam, "fourier": FourierParam}


def _parameterization(param: str | PixelParam | FourierParam) -> PixelParam | FourierParam:
    if isinstance(param, PixelParam | FourierParam):
        return param
    if param not in PARAMETERIZATIONS:
        raise UnknownNameError(
            f"unknown parameterization {param!r}; use one of {sorted(PARAMETERIZATIONS)}"
        )
    return PARAMETERIZATIONS[param]()
