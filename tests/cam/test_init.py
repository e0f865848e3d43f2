"""The conveniences of lecture_helpers.cam (lh.grad_cam and its relatives): one map or a stack,
classes by name, a method by its title, and channel_weight_check."""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh
from tests.tolerances import SAME_VALUE


@pytest.mark.heavy
def test_batches_and_several_classes(effnet, cat, scene):
    batch = lh.grad_cam(effnet, [cat, scene])
    assert batch.shape == (2, 7, 7)
    np.testing.assert_allclose(batch[0], lh.grad_cam(effnet, cat), atol=1e-5)
    three = lh.grad_cam(effnet, cat, class_index=[285, "tabby", 281])
    assert three.shape == (3, 7, 7)
    np.testing.assert_allclose(three[1], three[2], **SAME_VALUE)  # "tabby" is class 281
    assert np.abs(three[0] - three[1]).max() > 0.05  # different classes, different maps


@pytest.mark.heavy
def test_class_by_name_and_errors(effnet, cat):
    np.testing.assert_allclose(
        lh.grad_cam(effnet, cat, "Egyptian cat"), lh.grad_cam(effnet, cat, 285), atol=1e-6
    )
    with pytest.raises(KeyError, match="flamingo|suggest|did you mean|no class"):
        lh.grad_cam(effnet, cat, "flamingoo")
    with pytest.raises(IndexError):
        lh.grad_cam(effnet, cat, 1000)
    with pytest.raises(ValueError, match="3 classes"):
        lh.grad_cam(effnet, [cat, cat], [1, 2, 3])


@pytest.mark.heavy
def test_compute_heatmap_dispatch(tiny):
    image = np.random.default_rng(4).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    for method in lh.CAM_METHODS:
        heatmap = lh.compute_heatmap(tiny, image, 0, method=method)
        assert heatmap.ndim == 2 and 0 <= heatmap.min() and heatmap.max() <= 1, method
    with pytest.raises(ValueError, match="unknown method"):
        lh.compute_heatmap(tiny, image, 0, method="LIME")


@pytest.mark.usefixtures("slide_defaults")
def test_channel_weight_check_is_exact_at_a_pooled_top_only(gap_model, noise_photo):
    top = lh.channel_weight_check(gap_model, noise_photo, 1, "conv_b")
    bias = float(gap_model.get_layer("head").bias.numpy()[1])
    assert top.layer == "conv_b" and top.sign_agreement == pytest.approx(1.0)
    assert top.implied_score == pytest.approx(top.score - bias, abs=1e-4)
    lower = lh.channel_weight_check(gap_model, noise_photo, 1, "conv_a")
    assert lower.sign_agreement < 1.0
    assert lower.score == pytest.approx(top.score)
