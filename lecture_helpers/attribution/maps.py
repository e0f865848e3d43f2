"""Pure functions on maps: scale to [0, 1], resize smoothly, draw over a photo."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._quiet import tf
from ..colormaps import HEAT
from ..errors import UnknownNameError
from ..images import load_image


def normalize_heatmap(cam: np.ndarray) -> np.ndarray:
    """ReLU, then divide each map (the last two axes) by its maximum → values in [0, 1].

    A map whose maximum is 0 (no positive evidence anywhere) becomes all zeros, with no
    division warning and no NaN.
    """
    cam = np.maximum(np.asarray(cam, dtype=np.float32), 0.0)
    peak = cam.max(axis=(-2, -1), keepdims=True) if cam.size else cam
    safe = np.where(peak > 0, peak, 1.0)
    out = np.where(peak > 0, cam / safe, 0.0).astype(np.float32)
    return np.clip(out, 0.0, 1.0)


def upsample_heatmap(heatmap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Smoothly (bilinearly) resize a heatmap (H, W) or a stack (N, H, W) to ``size``=(h, w)."""
    heatmap = np.asarray(heatmap, dtype=np.float32)
    if heatmap.ndim not in (2, 3):
        raise ValueError(
            f"heatmap has shape {heatmap.shape}; expected (H, W) or (N, H, W). "
            "Pass the array grad_cam returned."
        )
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"size must be (height, width) with positive values, got {size!r}")
    stack = heatmap[None] if heatmap.ndim == 2 else heatmap
    lo, hi = float(stack.min(initial=0.0)), float(stack.max(initial=0.0))
    out = tf.image.resize(stack[..., None], tuple(int(s) for s in size), method="bilinear")
    out = np.clip(out.numpy()[..., 0], lo, hi)
    return out[0] if heatmap.ndim == 2 else out


def overlay(
    image: Any,
    heatmap: np.ndarray,
    alpha: float = 0.4,
    cmap: str = HEAT,
) -> np.ndarray:
    """Draw ``heatmap`` (values in [0, 1], any resolution) over ``image`` → uint8 RGB.

    The heatmap is upsampled smoothly to the image's size and coloured with ``cmap``
    (default :data:`~lecture_helpers.colormaps.HEAT`, whose lightness rises with the heat;
    "jet" gives the classic look); ``alpha`` is its opacity (0 = image only, 1 = heatmap only).
    """
    import matplotlib

    img = load_image(image)
    heatmap = np.asarray(heatmap, dtype=np.float32)
    if heatmap.ndim != 2:
        raise ValueError(
            f"overlay draws one heatmap of shape (H, W); got shape {heatmap.shape}. "
            "For a batch, overlay each one: overlay(image, heatmaps[i])."
        )
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1] (the heatmap's opacity), got {alpha}")
    if not np.all(np.isfinite(heatmap)):
        raise ValueError("heatmap contains NaN or infinite values")
    heatmap = np.clip(heatmap, 0.0, 1.0)
    if heatmap.shape != img.shape[:2]:
        heatmap = upsample_heatmap(heatmap, img.shape[:2])
    colours = matplotlib.colormaps[cmap](heatmap)[..., :3] * 255.0
    blended = (1.0 - alpha) * img.astype(np.float32) + alpha * colours
    return np.clip(np.round(blended), 0, 255).astype(np.uint8)


def normalize_map(saliency_map: np.ndarray, percentile: float = 99.0) -> np.ndarray:
    """Scale a non-negative map to [0, 1], clipping at a percentile; a flat map gives zeros."""
    values = np.asarray(saliency_map, dtype=np.float64)
    top = np.percentile(values, percentile) if values.size else 0.0
    if not np.isfinite(top) or top <= 0:
        top = values.max(initial=0.0)
    if top <= 0:
        return np.zeros_like(values, dtype=np.float32)
    return np.clip(values / top, 0.0, 1.0).astype(np.float32)


def mass_fraction(saliency_map: np.ndarray, region: str | np.ndarray) -> float:
    """Share of a non-negative map's total in ``region`` (a half by name, or a bool mask)."""
    values = np.asarray(saliency_map, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"expected a 2-D map, got shape {values.shape}")
    height, width = values.shape
    if isinstance(region, str):
        mask = np.zeros(values.shape, bool)
        halves = {
            "left": (slice(None), slice(0, width // 2)),
            "right": (slice(None), slice(width - width // 2, width)),
            "top": (slice(0, height // 2), slice(None)),
            "bottom": (slice(height - height // 2, height), slice(None)),
        }
        if region not in halves:
            raise UnknownNameError(
                f"unknown region {region!r}; use {sorted(halves)} or a bool mask"
            )
        mask[halves[region]] = True
    else:
        mask = np.asarray(region, dtype=bool)
        if mask.shape != values.shape:
            raise ValueError(f"mask shape {mask.shape} != map shape {values.shape}")
    total = values.sum()
    return float(values[mask].sum() / total) if total > 0 else 0.0
