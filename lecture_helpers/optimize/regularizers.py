"""Regularizers: penalties on the picture and the periodic blur.

:class:`L2` (decay towards grey) and :class:`TotalVariation` are subtracted from the
objective inside the compiled step; :class:`Blur` is applied to the parameters every few
steps by :func:`~lecture_helpers.optimize.render.maximize`.  The ``regularizers`` namespace
(``lh.regularizers``) builds them; ``_regularizers`` checks a user's list.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from .._quiet import tf


@dataclass(frozen=True)
class L2:
    """Decay towards grey: subtracts ``weight * mean((image - 0.5)**2)`` per image."""

    weight: float = 1.0

    def penalty(self, images: Any) -> Any:
        return self.weight * tf.reduce_mean(tf.square(images - 0.5), axis=(1, 2, 3))


@dataclass(frozen=True)
class TotalVariation:
    """Smoothness: subtracts ``weight * mean(|dx| + |dy|)`` per image (image in [0, 1])."""

    weight: float = 1.0

    def penalty(self, images: Any) -> Any:
        dy = tf.reduce_mean(tf.abs(images[:, 1:] - images[:, :-1]), axis=(1, 2, 3))
        dx = tf.reduce_mean(tf.abs(images[:, :, 1:] - images[:, :, :-1]), axis=(1, 2, 3))
        return self.weight * (dx + dy)


@dataclass(frozen=True)
class Blur:
    """Every ``every`` steps, blur the image parameters with a Gaussian of ``sigma`` pixels."""

    sigma: float = 0.5
    every: int = 4


def l2(weight: float = 1.0) -> L2:
    """L2 decay of the image towards grey, weighted by ``weight``."""
    return L2(float(weight))


def total_variation(weight: float = 1.0) -> TotalVariation:
    """Total-variation penalty, weighted by ``weight``."""
    return TotalVariation(float(weight))


def blur(sigma: float = 0.5, every: int = 4) -> Blur:
    """Gaussian blur of ``sigma`` pixels every ``every`` steps (Yosinski et al.)."""
    if sigma <= 0 or int(every) < 1:
        raise ValueError(f"blur needs sigma > 0 and every >= 1, got sigma={sigma}, every={every}")
    return Blur(float(sigma), int(every))


regularizers = SimpleNamespace(l2=l2, total_variation=total_variation, blur=blur)


def _regularizers(value: Any) -> tuple:
    out = tuple(value or ())
    for r in out:
        if not isinstance(r, L2 | TotalVariation | Blur):
            raise TypeError(
                f"unknown regularizer {r!r}; use lh.regularizers.l2(...), "
                ".total_variation(...) or .blur(...)"
            )
    return out
