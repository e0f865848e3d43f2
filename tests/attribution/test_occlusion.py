"""Occlusion sensitivity (lecture_helpers/attribution/occlusion.py): it finds the region that
matters, and scores the probability or the logit."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import lecture_helpers as lh
from tests.tolerances import SAME_VALUE

from .conftest import softmax


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


def test_occlusion_is_the_mean_drop_under_the_patches(spatial, photo):
    """Zeiler and Fergus: a grey 4-px patch every 2 px; a pixel's value is the mean drop of
    p_c over the patches that cover it, ReLU, / max."""
    base = softmax(spatial(photo[None]).numpy())[0, 1]
    total, count = np.zeros((8, 8)), np.zeros((8, 8))
    for top in (0, 2, 4):
        for left in (0, 2, 4):
            hidden = photo.copy()
            hidden[top:top + 4, left:left + 4] = 127.5
            drop = base - softmax(spatial(hidden[None]).numpy())[0, 1]
            total[top:top + 4, left:left + 4] += drop
            count[top:top + 4, left:left + 4] += 1
    mean = np.maximum(total / np.maximum(count, 1), 0)
    result = lh.explain(spatial, photo, 1, method="occlusion", patch=4, stride=2)
    np.testing.assert_allclose(result.maps[0], mean / mean.max(), rtol=1e-4, atol=1e-5)
