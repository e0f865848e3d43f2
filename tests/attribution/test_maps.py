"""The pure functions on maps (lecture_helpers/attribution/maps.py): overlay, upsample,
normalize, mass_fraction."""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers.attribution import maps


def test_overlay_and_upsample(cat):
    heatmap = np.zeros((7, 7), np.float32)
    heatmap[3, 3] = 1.0
    shown = lh.overlay(cat, heatmap, alpha=0.4)
    assert shown.dtype == np.uint8 and shown.shape == cat.shape
    np.testing.assert_array_equal(lh.overlay(cat, heatmap, alpha=0.0), cat)
    only = lh.overlay(cat, heatmap, alpha=1.0, cmap="inferno")
    assert only[150, 225].mean() > only[5, 5].mean()  # the hot centre is bright in inferno
    up = lh.upsample_heatmap(heatmap, (70, 90))
    assert up.shape == (70, 90) and 0.0 <= up.min() and up.max() <= 1.0
    assert np.unique(up).size > 10  # smooth, not nearest-neighbour blocks
    with pytest.raises(ValueError, match="alpha"):
        lh.overlay(cat, heatmap, alpha=1.5)
    with pytest.raises(ValueError, match="one heatmap"):
        lh.overlay(cat, np.zeros((2, 7, 7)))


def test_map_helpers():
    flat = np.zeros((4, 6))
    assert maps.mass_fraction(flat, "left") == 0.0
    assert np.all(maps.normalize_map(flat) == 0)
    ramp = np.zeros((4, 6))
    ramp[:, :2] = 1.0
    assert maps.mass_fraction(ramp, "left") == 1.0
    assert maps.mass_fraction(ramp, "right") == 0.0
    assert maps.mass_fraction(ramp, "top") == 0.5
    with pytest.raises(ValueError, match="mask"):
        maps.mass_fraction(ramp, "middle")
