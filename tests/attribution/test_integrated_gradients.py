"""Integrated Gradients (lecture_helpers/attribution/integrated_gradients.py): completeness and
baselines."""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh

from .conftest import pixel_gradient


def test_integrated_gradients_completeness_with_black_baseline(model, coffee):
    result = lh.saliency(model, coffee, 967, "integrated_gradients")
    details = result.details
    assert np.isfinite(result.map).all() and np.isfinite(result.attributions).all()
    assert details["baseline_score"] < result.score
    assert details["attribution_sum"] == pytest.approx(result.attributions.sum(), rel=1e-3)
    # sum of attributions = f(I) - f(black), up to the path integral's discretization
    assert result.completeness_gap < 0.1, details
    # uniform steps (the paper's plain Riemann sum) need far more points from black
    uniform = lh.saliency(model, coffee, 967, "integrated_gradients", steps=16, path_exponent=1)
    assert uniform.completeness_gap > result.completeness_gap


def test_integrated_gradients_baselines(model, coffee):
    same = lh.saliency(model, coffee, 967, "integrated_gradients", steps=4,
                       baseline=coffee.astype(np.float32))
    assert np.all(same.attributions == 0) and np.all(same.map == 0)
    assert same.completeness_gap == 0.0  # no NaN from 0 / 0
    assert np.all(same.normalized() == 0)
    grey = lh.saliency(model, coffee, 967, "integrated_gradients", steps=8, baseline="grey")
    assert np.isfinite(grey.completeness_gap) and grey.map.max() > 0
    constant = lh.saliency(model, coffee, 967, "integrated_gradients", steps=8, baseline=127.5)
    np.testing.assert_allclose(constant.map, grey.map, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="shape"):
        lh.saliency(model, coffee, 967, "integrated_gradients", baseline=np.zeros((10, 10, 3)))
    with pytest.raises(ValueError, match="unknown baseline"):
        lh.saliency(model, coffee, 967, "integrated_gradients", baseline="purple")


def test_integrated_gradients_is_the_path_integral(spatial, photo):
    """(x - x') times the mean gradient at 512 evenly spaced points from black: the
    attributions add up to f(x) - f(black), as the paper's completeness says."""
    alphas = (np.arange(512) + 0.5) / 512
    path = alphas[:, None, None, None] * photo[None]
    expected = photo * pixel_gradient(spatial, path.astype(np.float32), 1).mean(axis=0)
    result = lh.explain(spatial, photo, 1, method="integrated_gradients", steps=512,
                        path_exponent=1.0)
    np.testing.assert_allclose(result.attributions[0], expected, rtol=1e-3, atol=1e-6)
    scores = spatial(np.stack([photo, np.zeros_like(photo)])).numpy()[:, 1]
    difference = scores[0] - scores[1]
    assert abs(result.attributions[0].sum() - difference) <= 1e-2 * abs(difference)
