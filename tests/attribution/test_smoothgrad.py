"""SmoothGrad (lecture_helpers/attribution/smoothgrad.py): batching, signed or squared, its
options, and any gradient method wrapped."""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh

from .conftest import pixel_gradient


@pytest.mark.heavy
def test_smoothgrad_batching_does_not_change_the_result(model, coffee):
    one_batch = lh.saliency(model, coffee, 967, "smoothgrad", samples=6, batch_size=32)
    small = lh.saliency(model, coffee, 967, "smoothgrad", samples=6, batch_size=4)
    np.testing.assert_allclose(one_batch.map, small.map, rtol=2e-3, atol=1e-6 * small.map.max())
    other_seed = lh.saliency(model, coffee, 967, "smoothgrad", samples=6, seed=1)
    assert not np.allclose(one_batch.map, other_seed.map)
    assert one_batch.details["sigma"] == pytest.approx(0.2 * 255)


@pytest.mark.heavy
def test_smoothgrad_signed_variant(model, coffee):
    signed = lh.saliency(model, coffee, 967, "smoothgrad", samples=4, magnitude=False)
    squared = lh.saliency(model, coffee, 967, "smoothgrad", samples=4, magnitude=True)
    assert (signed.attributions < 0).any()  # mean of signed gradients
    assert (squared.attributions >= 0).all()  # mean of squared gradients
    assert np.isfinite(signed.map).all() and np.isfinite(squared.map).all()


@pytest.mark.heavy
def test_bad_counts(model, coffee):
    with pytest.raises(ValueError, match="samples"):
        lh.saliency(model, coffee, 967, "smoothgrad", samples=0)
    with pytest.raises(ValueError, match="noise"):
        lh.saliency(model, coffee, 967, "smoothgrad", noise=15)


def test_smoothgrad_wraps_any_gradient_method(spatial, photo):
    guided = lh.explain(spatial, photo, 0, method="smoothgrad", of="guided_backprop", samples=2)
    vanilla = lh.explain(spatial, photo, 0, method="smoothgrad", samples=2)
    assert guided.details["of"] == "guided_backprop" and vanilla.details["of"] == "vanilla"
    assert not np.allclose(guided.maps, vanilla.maps)
    with pytest.raises(ValueError, match="Score-CAM has none"):
        lh.explain(spatial, photo, 0, method="smoothgrad", of="score_cam")


def test_smoothgrad_with_no_noise_is_the_wrapped_method(spatial, photo):
    smooth = lh.explain(spatial, photo, 0, method="smoothgrad", noise=0.0, samples=3,
                        magnitude=False)
    plain = lh.explain(spatial, photo, 0, method="vanilla")
    np.testing.assert_allclose(smooth.attributions, plain.attributions, rtol=1e-5, atol=1e-9)


def test_smoothgrad_is_the_mean_squared_gradient_over_noisy_copies(spatial, photo):
    sigma = 0.2 * 255
    noisy = photo[None] + np.random.default_rng(3).normal(0, sigma, (5, *photo.shape))
    mean = (pixel_gradient(spatial, noisy.astype(np.float32), 0) ** 2).mean(axis=0)
    result = lh.explain(spatial, photo, 0, method="smoothgrad", samples=5, seed=3)
    np.testing.assert_allclose(result.attributions[0], mean, rtol=1e-4, atol=1e-12)
    np.testing.assert_allclose(result.maps[0], mean.max(axis=-1), rtol=1e-4, atol=1e-12)
