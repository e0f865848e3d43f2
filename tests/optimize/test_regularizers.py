"""Regularizers (lecture_helpers/optimize/regularizers.py) in a gradient ascent."""

from __future__ import annotations

import numpy as np

import lecture_helpers as lh

MID_LAYER = "block4c_expand_activation"  # stage 4 of 7, 480 channels at 1/16 resolution


def test_regularizers_and_pixel_parameterization_run(model):
    result = lh.visualize_filters(
        model,
        MID_LAYER,
        [0, 1],
        steps=4,
        size=64,
        param="pixel",
        regularizers=[
            lh.regularizers.l2(1.0),
            lh.regularizers.total_variation(1.0),
            lh.regularizers.blur(0.5, every=2),
        ],
        progress=False,
    )
    assert np.all(np.isfinite(result.history))
    assert result.images.min() >= 0 and result.images.max() <= 255
