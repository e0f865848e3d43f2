"""The image gradient (lecture_helpers/attribution/vanilla.py), through lh.saliency."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import lecture_helpers as lh

from .conftest import pixel_gradient


def test_vanilla_is_max_over_channels_of_abs_gradient(model, coffee):
    result = lh.saliency(model, coffee, "espresso", "vanilla")
    x = tf.constant(coffee[None].astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = model.score_model(x)[0, 967]
    expected = np.abs(tape.gradient(score, x).numpy()[0]).max(axis=-1)
    assert result.class_index == 967 and result.class_name == "espresso"
    assert result.map.shape == (224, 224) and result.attributions.shape == (1, 224, 224, 3)
    np.testing.assert_allclose(result.map, expected, rtol=1e-4, atol=1e-6 * expected.max())
    assert result.score == pytest.approx(float(score), rel=1e-4)
    assert np.asarray(result).shape == (224, 224)  # a one-row Attribution works as an array


def test_vanilla_is_the_largest_gradient_over_colours(spatial, photo):
    g = pixel_gradient(spatial, photo[None], 0)
    result = lh.explain(spatial, photo, 0, method="vanilla")
    np.testing.assert_allclose(result.attributions[0], g[0], rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(result.maps[0], np.abs(g[0]).max(axis=-1), rtol=1e-5, atol=1e-9)
