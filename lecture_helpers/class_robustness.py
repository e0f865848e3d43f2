"""Is a picture a real class visualization?  Measures on pictures and their random views.

:func:`transform_robustness` and :func:`view_probabilities`: does the model still see the
class in random shifts, zooms and rotations of the picture (:func:`random_view`)?
:func:`half_resolution` and :func:`high_frequency_share`: how much of the picture is
pixel-level detail?  :func:`grayscale_std`: is it more than a grey blob?
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np
from PIL import Image

from .images import resize_image, rgb_batch
from .modelview import view
from .zoo import ZooModel


def random_view(
    image: np.ndarray,
    rng: np.random.Generator,
    shift: float = 16.0,
    scale: tuple[float, float] = (0.9, 1.1),
    degrees: float = 10.0,
) -> np.ndarray:
    """One random view of a uint8 image: shift up to ``shift`` px, zoom, rotate (PIL, bilinear).

    Pixels that come from outside the picture are filled by mirroring its border.
    """
    height, width = image.shape[:2]
    margin = int(math.ceil(max(height, width) * 0.3 + shift))
    padded = Image.fromarray(np.pad(image, ((margin, margin), (margin, margin), (0, 0)),
                                    mode="reflect"))
    dx, dy = rng.uniform(-shift, shift, size=2)
    zoom = rng.uniform(*scale)
    angle = math.radians(rng.uniform(-degrees, degrees))
    # output pixel (u, v) reads input (a u + b v + c, d u + e v + f): rotate + zoom about
    # the centre, then shift.
    cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    a, b, d, e = cos, -sin, sin, cos
    c = margin + cx - a * cx - b * cy - dx
    f = margin + cy - d * cx - e * cy - dy
    out = padded.transform((width, height), Image.Transform.AFFINE, (a, b, c, d, e, f),
                           resample=Image.Resampling.BILINEAR)
    return np.asarray(out, dtype=np.uint8)


def _view_probabilities(
    model: ZooModel | keras.Model,
    image: np.ndarray | Sequence[np.ndarray],
    class_index: Sequence[int | str],
    trials: int,
    seed: int,
    shift: float,
    scale: tuple[float, float],
    degrees: float,
) -> tuple[np.ndarray, list[int]]:
    """(N * trials, C) probabilities of random views of each image, and the class indices."""
    model_view = view(model)
    pictures = [np.asarray(im) for im in image]
    classes = [class_index] if isinstance(class_index, str | int | np.integer) else class_index
    indices = [model_view.class_index(c) for c in classes]
    if len(pictures) != len(indices):
        raise ValueError(f"{len(pictures)} images but {len(indices)} classes: give one per image")
    if int(trials) < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    rng = np.random.default_rng(seed)
    views = [random_view(im, rng, shift, scale, degrees) for im in pictures for _ in range(trials)]
    probabilities = model_view.run("probabilities", model_view.batch(views))  # chunks of 8
    return probabilities, indices


def transform_robustness(
    model: ZooModel | keras.Model,
    image: np.ndarray | Sequence[np.ndarray],
    class_index: Sequence[int | str],
    *,
    trials: int = 8,
    top: int = 5,
    seed: int = 0,
    shift: float = 16.0,
    scale: tuple[float, float] = (0.9, 1.1),
    degrees: float = 10.0,
) -> np.ndarray:
    """(N, trials) booleans: is image k's class in the model's top-``top`` for each random view?

    ``image``: N pictures (a batch or a list); ``class_index``: one class per picture.

    Each view shifts by up to ``shift`` px, zooms by a factor in ``scale`` and rotates by
    up to ``degrees`` (see :func:`random_view`); views are classified at the model's
    input size, in batches.
    """
    probabilities, indices = _view_probabilities(
        model, image, class_index, trials, seed, shift, scale, degrees
    )
    ranks = np.argsort(-probabilities, axis=1, kind="stable")[:, : max(1, int(top))]
    hits = np.array([indices[i // trials] in ranks[i] for i in range(len(ranks))])
    return hits.reshape(len(indices), trials)


def view_probabilities(
    model: ZooModel | keras.Model,
    image: np.ndarray | Sequence[np.ndarray],
    class_index: Sequence[int | str],
    *,
    trials: int = 8,
    seed: int = 0,
    shift: float = 16.0,
    scale: tuple[float, float] = (0.9, 1.1),
    degrees: float = 10.0,
) -> np.ndarray:
    """(N, trials): the probability of image k's class in each random view (as above)."""
    probabilities, indices = _view_probabilities(
        model, image, class_index, trials, seed, shift, scale, degrees
    )
    rows = np.repeat(np.asarray(indices), trials)
    return probabilities[np.arange(len(rows)), rows].reshape(len(indices), trials)


def half_resolution(images: np.ndarray) -> np.ndarray:
    """Each uint8 picture at half its resolution, scaled back to its size (bilinear, PIL).

    What is left of a picture without its finest, pixel-level detail: a class visualization
    survives it, an adversarial pattern does not.
    """
    batch, single = rgb_batch(images, "expected uint8 RGB pictures (H, W, 3) or (N, H, W, 3)")
    height, width = batch.shape[1:3]
    half = (max(1, height // 2), max(1, width // 2))
    out = np.stack([
        resize_image(resize_image(image, half), (height, width))
        for image in batch.astype(np.uint8)
    ])
    return out[0] if single else out


def high_frequency_share(images: np.ndarray) -> np.ndarray:
    """The share of each picture's spectral energy in the upper half of its spatial frequencies.

    Grayscale, mean removed; "upper half" is a radius above half the Nyquist frequency (in
    units where the Nyquist frequency is 1 along each axis). White noise scores ~0.8 and grainy
    plain-pixel pictures ~0.6; smooth shapes and broad strokes score ~0.1-0.2.
    """
    batch = np.asarray(images, dtype=np.float64)
    if batch.ndim == 3:
        batch = batch[None]
    gray = batch @ np.array([0.299, 0.587, 0.114])
    gray = gray - gray.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fft2(gray)) ** 2
    fy = np.fft.fftfreq(gray.shape[1])[:, None] * 2.0  # in units of the Nyquist frequency
    fx = np.fft.fftfreq(gray.shape[2])[None, :] * 2.0
    high = np.sqrt(fy**2 + fx**2) > 0.5
    total = power.sum(axis=(1, 2))
    return np.where(total > 0, (power * high).sum(axis=(1, 2)) / np.maximum(total, 1e-12), 0.0)


def grayscale_std(images: np.ndarray) -> np.ndarray:
    """Standard deviation of each uint8 image's grayscale (0-255): a grey blob has ~0."""
    batch = np.asarray(images, dtype=np.float64)
    if batch.ndim == 3:
        batch = batch[None]
    gray = batch @ np.array([0.299, 0.587, 0.114])
    return gray.reshape(len(batch), -1).std(axis=1)

