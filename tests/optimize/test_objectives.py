"""Objectives (lecture_helpers/optimize/objectives.py): they add and scale, one per image."""

from __future__ import annotations

import numpy as np

import lecture_helpers as lh

MID_LAYER = "block4c_expand_activation"  # stage 4 of 7, 480 channels at 1/16 resolution


def test_objectives_compose_linearly(model):
    a = lh.objectives.channel(MID_LAYER, 3)
    b = lh.objectives.neuron(MID_LAYER, 7)
    kwargs = dict(batch=2, steps=1, size=64, progress=False)
    value_a = lh.maximize(model, a, **kwargs).history[:, 0]
    value_b = lh.maximize(model, b, **kwargs).history[:, 0]
    combined = lh.maximize(model, a - 2.0 * b, **kwargs).history[:, 0]
    np.testing.assert_allclose(combined, value_a - 2.0 * value_b, rtol=1e-4, atol=1e-5)
    assert sum([a, b]).name == f"{a.name} + {b.name}"


def test_per_image_objectives_of_different_kinds(model):
    objectives = [lh.objectives.channel(MID_LAYER, 3), lh.objectives.neuron(MID_LAYER, 3)]
    result = lh.maximize(model, objectives, steps=2, size=64, progress=False)
    assert result.images.shape == (2, 64, 64, 3)
    assert result.objectives == [objectives[0].name, objectives[1].name]
