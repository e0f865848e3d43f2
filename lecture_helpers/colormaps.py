"""The colour maps of every figure, in one place, and how light each of their colours is.

A heat map is read by its lightness as much as by its hue: in a grey printout, on a washed-out
projector, or by a reader with a colour-vision deficiency.  ``jet`` (keras.io's Grad-CAM
example, most published Grad-CAM figures) is light in the middle and dark at its hottest end,
so the place a model looked at reads as dim.  The package's maps follow lightness:

- :data:`HEAT` for every heat map (the CAM family, saliency, occlusion): lightness rises with
  the value, so the hottest region is the lightest;
- :data:`SEQUENTIAL` for activations and channel grids: lightness rises too;
- :data:`SIGNED` for values of either sign: lightest at 0, darker with the size of the value
  on each side (the sign is in the hue).

``jet`` stays one argument away (``cmap="jet"``).  :func:`lightness` measures a map.
"""

from __future__ import annotations

import matplotlib
import numpy as np

__all__ = ["HEAT", "SEQUENTIAL", "SIGNED", "lightness", "rgb_lightness"]

HEAT = "inferno"
SEQUENTIAL = "viridis"
SIGNED = "RdBu_r"


def lightness(cmap: str, samples: int = 256) -> np.ndarray:
    """CIE L* (0 = black, 100 = white) of ``samples`` colours evenly spaced along ``cmap``."""
    if samples < 2:
        raise ValueError(f"samples must be at least 2, got {samples}")
    try:
        colour_map = matplotlib.colormaps[cmap]
    except KeyError:
        raise ValueError(
            f"unknown colour map {cmap!r}; use a name matplotlib knows, e.g. {HEAT!r}"
        ) from None
    return rgb_lightness(colour_map(np.linspace(0.0, 1.0, samples))[:, :3])


def rgb_lightness(rgb: np.ndarray) -> np.ndarray:
    """CIE L* (0-100) of sRGB colours in [0, 1] (last axis: R, G, B): a grey printout's view.

    sRGB is linearized, its luminance Y taken with the Rec. 709 weights, and L* computed from
    Y as CIELAB defines it (D65 white).
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    if rgb.shape[-1:] != (3,) or rgb.size and (rgb.min() < 0 or rgb.max() > 1):
        raise ValueError(f"expected sRGB values in [0, 1] on a last axis of 3, got shape "
                         f"{rgb.shape}; divide uint8 pictures by 255")
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722])
    delta = 6 / 29
    f = np.where(luminance > delta**3, np.cbrt(luminance), luminance / (3 * delta**2) + 4 / 29)
    return 116 * f - 16
