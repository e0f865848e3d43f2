"""Attribution: which pixels, or which parts of a feature map, drove a class score.

One driver, :func:`explain`, for every method in :data:`METHODS` (one small module each:
the CAMs read a layer's feature map, the others the pixels); every method gives one
:class:`Attribution`.  ``lh.grad_cam``, ``lh.saliency`` and the other names of notebooks 3
and 4 are thin conveniences over it (``lecture_helpers.cam``, ``lecture_helpers.saliency_maps``).
"""

from __future__ import annotations

from .base import Attribution, Inputs, Maps, Method
from .driver import explain
from .registry import METHODS, get_method

__all__ = ["METHODS", "Attribution", "Inputs", "Maps", "Method", "explain", "get_method"]
