"""Grad-CAM++ (lecture_helpers/attribution/grad_cam_plus_plus.py): the paper's closed form,
computed by hand, also for gradients small enough to underflow a careless formula."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import cam


def test_grad_cam_plus_plus_single_channel_is_the_activation():
    a = np.random.default_rng(1).random((1, 4, 4, 1)).astype(np.float32)
    g = np.full_like(a, 0.3)
    np.testing.assert_allclose(
        cam.gradcam_plus_plus_from_gradients(a, g)[0], a[0, ..., 0] / a.max(), rtol=1e-5
    )


def _grad_cam_plus_plus_by_hand(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The paper's closed form, one channel and one position at a time, in plain floats."""
    n, h, w, k = a.shape
    maps = np.zeros((n, h, w))
    for image in range(n):
        for channel in range(k):
            total = float(a[image, :, :, channel].sum())
            weight = 0.0
            for i in range(h):
                for j in range(w):
                    grad = float(g[image, i, j, channel])
                    if grad > 0:  # ReLU(g); the a_ij of g <= 0 multiply zero
                        weight += grad**2 / (2 * grad**2 + total * grad**3) * grad
            maps[image] += weight * a[image, :, :, channel]
    maps = np.maximum(maps, 0)
    return maps / maps.max(axis=(1, 2), keepdims=True)


def test_grad_cam_plus_plus_keeps_the_weight_of_small_gradients():
    """Gradients of 1e-5 (g^2 = 1e-10): every channel keeps the weight the formula gives it."""
    rng = np.random.default_rng(3)
    a = rng.random((2, 5, 6, 9))
    g = rng.normal(size=(2, 5, 6, 9)) * 1e-5
    np.testing.assert_allclose(cam.gradcam_plus_plus_from_gradients(a, g),
                               _grad_cam_plus_plus_by_hand(a, g), rtol=1e-5, atol=1e-6)


def test_grad_cam_plus_plus_on_a_small_model_with_small_gradients(tiny):
    """The tiny model with its logits scaled down 1e5 times: lh.grad_cam_plus_plus equals the
    closed form computed from the activations and gradients taken here with a GradientTape."""
    import tensorflow as tf

    scaled = keras.Model(tiny.input, tiny.get_layer("logits").output)
    dense = scaled.get_layer("logits")
    kernel, bias = dense.get_weights()
    small = keras.models.clone_model(scaled)
    small.get_layer("logits").set_weights([kernel * 1e-5, bias])
    small.get_layer("conv").set_weights(scaled.get_layer("conv").get_weights())
    image = np.random.default_rng(4).integers(0, 256, (8, 8, 3)).astype(np.float32)
    features = keras.Model(small.input, [small.get_layer("relu").output, small.output])
    with tf.GradientTape() as tape:
        x = tf.constant(image[None])
        tape.watch(x)
        a, logits = features(x)
        score = logits[:, 0]
    g = tape.gradient(score, a).numpy()
    assert 0 < np.abs(g[g != 0]).max() < 1e-4  # small: g^2 < 1e-8
    expected = _grad_cam_plus_plus_by_hand(a.numpy().astype(np.float64), g.astype(np.float64))
    heatmap = lh.grad_cam_plus_plus(small, image, 0, "relu")
    np.testing.assert_allclose(heatmap, expected[0], rtol=1e-4, atol=1e-5)


def test_grad_cam_plus_plus_on_model(effnet, cat):
    heatmap = lh.grad_cam_plus_plus(effnet, cat)
    assert heatmap.shape == (7, 7) and heatmap.min() >= 0 and heatmap.max() == pytest.approx(1)
