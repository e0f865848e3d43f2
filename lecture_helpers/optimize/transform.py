"""Transforms: small random changes applied before each step, (images, seed) → images.

Pad, jitter, random scale and random rotation (the ``transforms`` namespace,
``lh.transforms``, and Lucid's :func:`standard_transforms`).  All are geometric: each gives
a sampling matrix, and :func:`_apply_transforms` fuses a run of them into one bilinear
resampling (:func:`_resample`, with a cheap approximate gradient).  Images are in [0, 1];
the seed is a (2,) tensor, so a step is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from .._quiet import tf

# Geometric transforms know their sampling map: for each output pixel (x, y, 1), a 3x3
# matrix gives the input position it reads.  Consecutive geometric transforms are fused
# into ONE bilinear resampling (composing their matrices), which is both faster and less
# blurry than resampling once per transform.


def _affine_matrices(a0: Any, a1: Any, a2: Any, b0: Any, b1: Any, b2: Any) -> Any:
    """(N, 3, 3) matrices [[a0, a1, a2], [b0, b1, b2], [0, 0, 1]] from (N,) entries."""
    zero, one = tf.zeros_like(a0), tf.ones_like(a0)
    return tf.reshape(tf.stack([a0, a1, a2, b0, b1, b2, zero, zero, one], 1), (-1, 3, 3))


def _translation(tx: Any, ty: Any) -> Any:
    """(N, 3, 3) matrices: input = output + (tx, ty)."""
    one, zero = tf.ones_like(tx), tf.zeros_like(tx)
    return _affine_matrices(one, zero, tx, zero, one, ty)


def _about_centre(scale: Any, angle: Any, height: int, width: int) -> Any:
    """(N, 3, 3) matrices: zoom by ``scale`` and rotate by ``angle`` about the image centre."""
    cy, cx = (height - 1) / 2.0, (width - 1) / 2.0
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    tx = cx - cos * cx + sin * cy
    ty = cy - sin * cx - cos * cy
    return _affine_matrices(cos, -sin, tx, sin, cos, ty)


def _reflect(index: Any, size: int) -> Any:
    """Reflect integer coordinates into [0, size): ... c b a | a b c ... (edge repeated)."""
    period = tf.math.floormod(index, 2 * size)
    return tf.where(period >= size, 2 * size - 1 - period, period)


def _bilinear(images: Any, matrix: Any, height: int, width: int, fill: float | None) -> Any:
    """Sample each image bilinearly at ``matrix @ (x, y, 1)`` for an output height x width.

    Outside the image: the constant ``fill``, or reflection when ``fill`` is None.
    Written with gathers, which XLA fuses into one fast loop.
    """
    in_h, in_w, channels = int(images.shape[1]), int(images.shape[2]), int(images.shape[3])
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    grid = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)]).astype(np.float32)
    source = tf.einsum("nij,jp->nip", matrix, tf.constant(grid))  # (N, 3, P)
    sx, sy = source[:, 0], source[:, 1]
    x0, y0 = tf.floor(sx), tf.floor(sy)
    fx, fy = sx - x0, sy - y0
    x0, y0 = tf.cast(x0, tf.int32), tf.cast(y0, tf.int32)
    flat = tf.reshape(images, (-1, channels))
    base = (tf.range(tf.shape(images)[0]) * (in_h * in_w))[:, None]
    out, covered = 0.0, 0.0
    for dy, wy in ((0, 1.0 - fy), (1, fy)):
        for dx, wx in ((0, 1.0 - fx), (1, fx)):
            xi, yi = x0 + dx, y0 + dy
            weight = wx * wy
            if fill is None:
                xi, yi = _reflect(xi, in_w), _reflect(yi, in_h)
            else:
                inside = (xi >= 0) & (xi < in_w) & (yi >= 0) & (yi < in_h)
                weight = weight * tf.cast(inside, tf.float32)
                xi = tf.clip_by_value(xi, 0, in_w - 1)
                yi = tf.clip_by_value(yi, 0, in_h - 1)
                covered = covered + weight
            out = out + tf.gather(flat, base + yi * in_w + xi) * weight[..., None]
    if fill is not None and fill != 0.0:
        out = out + float(fill) * (1.0 - covered)[..., None]
    return tf.reshape(out, (-1, height, width, channels))


def _invert_affine(matrix: Any) -> Any:
    """Inverse of (N, 3, 3) affine matrices [[A, t], [0, 0, 1]], in closed form."""
    a, b, tx = matrix[:, 0, 0], matrix[:, 0, 1], matrix[:, 0, 2]
    c, d, ty = matrix[:, 1, 0], matrix[:, 1, 1], matrix[:, 1, 2]
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return _affine_matrices(ia, ib, -(ia * tx + ib * ty), ic, id_, -(ic * tx + id_ * ty))


def _resample(images: Any, matrix: Any, height: int, width: int, fill: float | None) -> Any:
    """Bilinear resampling of each image at ``matrix @ (x, y, 1)``; output height x width.

    The gradient resamples the upstream gradient with the inverse map (as TensorFlow's
    ImageProjectiveTransform does): exact for whole-pixel shifts, a close approximation
    for the small rotations and zooms used here, and ~6x cheaper than the exact scatter.
    """
    in_h, in_w = int(images.shape[1]), int(images.shape[2])

    @tf.custom_gradient
    def resample(x):
        def grad(upstream):
            return _bilinear(upstream, _invert_affine(matrix), in_h, in_w, 0.0)

        return _bilinear(x, matrix, height, width, fill), grad

    return resample(images)


class GeometricTransform:
    """A transform that is a (random) change of coordinates; see :func:`_apply_transforms`."""

    fill: float | None = None  # constant fill value it needs outside the image (None: reflect)

    def sample(self, n: Any, height: int, width: int, seed: Any) -> tuple[Any, int, int]:
        """(N, 3, 3) output->input matrices and the output height and width."""
        raise NotImplementedError

    def __call__(self, images: Any, seed: Any) -> Any:
        height, width = int(images.shape[1]), int(images.shape[2])
        matrix, out_h, out_w = self.sample(tf.shape(images)[0], height, width, seed)
        return _resample(images, matrix, out_h, out_w, self.fill)


@dataclass(frozen=True)
class Pad(GeometricTransform):
    """Pad every side by ``width`` pixels of constant ``value`` (or mode="reflect")."""

    width: int
    mode: str = "constant"
    value: float = 0.5

    @property
    def fill(self) -> float | None:
        return self.value if self.mode == "constant" else None

    def sample(self, n, height, width, seed):
        shift = tf.fill([n], -float(self.width))
        return _translation(shift, shift), height + 2 * self.width, width + 2 * self.width


@dataclass(frozen=True)
class Jitter(GeometricTransform):
    """Crop ``d`` pixels off each axis at a random offset per image (a random shift)."""

    d: int

    def sample(self, n, height, width, seed):
        offsets = tf.random.stateless_uniform((2, n), seed, 0, self.d + 1, dtype=tf.int32)
        offsets = tf.cast(offsets, tf.float32)
        return _translation(offsets[0], offsets[1]), height - self.d, width - self.d


@dataclass(frozen=True)
class RandomScale(GeometricTransform):
    """Zoom each image by a random factor in [low, high] about its centre."""

    low: float = 0.9
    high: float = 1.1

    def sample(self, n, height, width, seed):
        scale = tf.random.stateless_uniform((n,), seed, self.low, self.high)
        return _about_centre(scale, tf.zeros_like(scale), height, width), height, width


@dataclass(frozen=True)
class RandomRotate(GeometricTransform):
    """Rotate each image by a random angle in [-degrees, degrees] about its centre."""

    degrees: float = 10.0

    def sample(self, n, height, width, seed):
        limit = math.radians(self.degrees)
        angle = tf.random.stateless_uniform((n,), seed, -limit, limit)
        return _about_centre(tf.ones_like(angle), angle, height, width), height, width


def _apply_transforms(images: Any, transform_list: Sequence, seed: Any) -> Any:
    """Apply the transforms in order; runs of geometric ones become one resampling.

    Transform ``i`` draws its randomness from ``fold_in(seed, i)``.
    """
    n = tf.shape(images)[0]
    pending = None  # (matrix, height, width, fill) of the geometric run so far
    height, width = int(images.shape[1]), int(images.shape[2])

    def flush(x, pending):
        if pending is None:
            return x
        matrix, h, w, fill = pending
        return _resample(x, matrix, h, w, fill)

    for i, transform in enumerate(transform_list):
        step_seed = tf.random.experimental.stateless_fold_in(seed, i)
        if isinstance(transform, GeometricTransform):
            in_h, in_w = (height, width) if pending is None else pending[1:3]
            matrix, out_h, out_w = transform.sample(n, in_h, in_w, step_seed)
            if pending is None:
                pending = (matrix, out_h, out_w, transform.fill)
            else:
                fill = pending[3] if pending[3] is not None else transform.fill
                pending = (tf.matmul(pending[0], matrix), out_h, out_w, fill)
        else:
            images = flush(images, pending)
            pending = None
            images = transform(images, step_seed)
            height, width = int(images.shape[1]), int(images.shape[2])
    return flush(images, pending)


def pad(width: int = 12, mode: str = "constant", value: float = 0.5) -> Pad:
    """Pad by ``width`` pixels (constant grey ``value`` or ``mode='reflect'``)."""
    if mode not in ("constant", "reflect"):
        raise ValueError(f"pad mode must be 'constant' or 'reflect', got {mode!r}")
    return Pad(int(width), mode, float(value))


def jitter(d: int = 8) -> Jitter:
    """Random shift: crop ``d`` pixels off each axis at a random offset."""
    if int(d) < 1:
        raise ValueError(f"jitter needs d >= 1 pixel, got {d}")
    return Jitter(int(d))


def random_scale(low: float = 0.9, high: float = 1.1) -> RandomScale:
    """Random zoom by a factor in [low, high]."""
    if not 0 < low <= high:
        raise ValueError(f"random_scale needs 0 < low <= high, got low={low}, high={high}")
    return RandomScale(float(low), float(high))


def random_rotate(degrees: float = 10.0) -> RandomRotate:
    """Random rotation by up to ``degrees`` either way."""
    return RandomRotate(abs(float(degrees)))


def standard_transforms() -> tuple:
    """Lucid's standard robustness transforms, sized so the network input keeps its size.

    Pad 6 (grey), jitter 8, scale 0.9-1.1, rotate ±10°, jitter 4: the 12 pixels the
    two jitters crop are the 12 the pad added, so fixed-size models (VGG16 at 224) work.
    """
    return (pad(6), jitter(8), random_scale(0.9, 1.1), random_rotate(10.0), jitter(4))


transforms = SimpleNamespace(
    pad=pad,
    jitter=jitter,
    random_scale=random_scale,
    random_rotate=random_rotate,
    standard=standard_transforms,
)


def _transforms(value: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        if value != "standard":
            raise ValueError(
                f"transforms={value!r}: use 'standard', None, or a list of transforms "
                "such as [lh.transforms.jitter(8), lh.transforms.random_rotate(5)]"
            )
        return standard_transforms()
    out = tuple(value)
    for t in out:
        if not callable(t):
            raise TypeError(f"a transform must be callable(images, seed), got {t!r}")
        try:
            hash(t)
        except TypeError as exc:
            raise TypeError(
                f"transform {t!r} is not hashable; use the lh.transforms constructors or a "
                "frozen dataclass (the compiled step is cached per configuration)"
            ) from exc
    return out
