"""The model-randomization sanity check (lecture_helpers/sanity_check.py): cascading
randomization, compared by Spearman's correlation."""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import sanity_check

# ---------------------------------------------------------------------------
# The sanity check: cascading randomization, and Spearman's correlation


@pytest.mark.heavy
def test_spearman_correlation():
    a = np.arange(10.0)
    assert sanity_check.spearman_correlation(a, a**3) == pytest.approx(1.0)
    assert sanity_check.spearman_correlation(a, -a) == pytest.approx(-1.0)
    assert np.isnan(sanity_check.spearman_correlation(a, np.zeros(10)))


@pytest.mark.heavy
def test_sanity_check_grad_cam_changes_guided_backprop_does_not(effnet, cat):
    before = [w.copy() for w in effnet.model.get_layer("logits").get_weights()]
    result = lh.cascading_randomization(effnet, cat, stages=("logits", "top"))
    assert result.stages == ["original", "logits", "top"]
    grad_cam_rho = result.correlations["Grad-CAM"]
    guided_rho = result.correlations["Guided backprop"]
    assert grad_cam_rho[0] == pytest.approx(1.0) and guided_rho[0] == pytest.approx(1.0)
    assert max(grad_cam_rho[1:]) < 0.5, f"Grad-CAM barely changed: {grad_cam_rho}"
    assert min(guided_rho[1:]) > 0.8, f"guided backprop: {guided_rho}"
    # The shared zoo model was not touched.
    after = effnet.model.get_layer("logits").get_weights()
    for b, a in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="refusing to randomize a cached zoo model"):
        sanity_check.randomize_layers(effnet, ["logits"])
    assert "original" in result.table()
