"""Occlusion sensitivity (lecture_helpers/attribution/occlusion.py): it finds the region that
matters, and scores the probability or the logit."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import lecture_helpers as lh
from tests.tolerances import SAME_VALUE


@pytest.mark.heavy
def test_occlusion_finds_the_region_that_matters():
    """A model whose class-0 score is the mean brightness of the top-left quarter."""
    inputs = keras.Input((32, 32, 3))
    corner = keras.layers.Cropping2D(((0, 16), (0, 16)))(inputs)
    z = keras.layers.GlobalAveragePooling2D()(corner)
    z = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")(z)
    logits = keras.layers.Concatenate()([z / 255.0, 0.0 * z])
    model = keras.Model(inputs, keras.layers.Activation("softmax")(logits))
    white = np.full((32, 32, 3), 255, np.uint8)
    occ = lh.occlusion_sensitivity(model, white, 0, patch=8, stride=4, fill=0.0)
    assert occ.shape == (32, 32) and occ.max() == pytest.approx(1.0)
    assert np.all(occ[:12, :12] == pytest.approx(1.0, abs=SAME_VALUE["atol"]))  # all hide it
    assert np.all(occ[24:] == 0) and np.all(occ[:, 24:] == 0)  # no patch here touches it
    chunked = lh.occlusion_sensitivity(model, white, 0, patch=8, stride=4, fill=0.0, batch_size=3)
    np.testing.assert_allclose(occ, chunked, **SAME_VALUE)


@pytest.mark.usefixtures("slide_defaults")
def test_occlusion_on_the_logit_and_a_bad_score_name(gap_model, noise_photo):
    probability = lh.occlusion_sensitivity(gap_model, noise_photo, 1, patch=8, stride=8,
                                           normalize=False)
    logit = lh.occlusion_sensitivity(gap_model, noise_photo, 1, patch=8, stride=8, normalize=False,
                                     score="logit")
    assert logit.shape == probability.shape == (32, 32)  # the model takes 32x32
    assert not np.allclose(logit, probability)
    assert np.corrcoef(logit.ravel(), probability.ravel())[0, 1] > 0.5
    with pytest.raises(lh.UnknownNameError, match="'probability' or 'logit'"):
        lh.occlusion_sensitivity(gap_model, noise_photo, 1, score="softmax")
