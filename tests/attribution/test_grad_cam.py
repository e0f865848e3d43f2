"""Grad-CAM (lecture_helpers/attribution/grad_cam.py), through lh.grad_cam: the slide's
derivation, shapes and range, no NaN, class discrimination, a binary model."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import lecture_helpers as lh
from lecture_helpers import cam
from tests.conftest import SCENE_SIZE
from tests.conftest import left_fraction as _left_fraction


def test_heatmap_shape_and_range(effnet, cat):
    heatmap = lh.grad_cam(effnet, cat)
    assert heatmap.shape == (7, 7)
    assert heatmap.dtype == np.float32
    assert heatmap.min() >= 0.0 and heatmap.max() == pytest.approx(1.0)
    big = lh.grad_cam(effnet, cat, upsample=True)
    assert big.shape == (224, 224)
    assert 0.0 <= big.min() and big.max() <= 1.0


def test_matches_the_slides_derivation(effnet, cat):
    """The lecture's recipe, written out with a two-output model and a GradientTape."""
    model = effnet.model
    two_outputs = keras.Model(
        model.input, [model.get_layer("top_activation").output, effnet.score_output()]
    )
    x = tf.constant(effnet.preprocess(cat))
    with tf.GradientTape() as tape:
        activations, scores = two_outputs(x)
        class_idx = int(tf.argmax(scores[0]))
        f_c = scores[:, class_idx]
    grads = tape.gradient(f_c, activations).numpy()
    alpha = grads.mean(axis=(0, 1, 2))
    s = np.maximum((activations.numpy()[0] * alpha).sum(axis=-1), 0)
    s /= s.max()
    np.testing.assert_allclose(lh.grad_cam(effnet, cat), s, atol=1e-5)
    assert class_idx == 285  # Chelsea: Egyptian cat


# ---------------------------------------------------------------------------
# No NaN, no warnings


def _zero_conv_model() -> keras.Model:
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", kernel_initializer="zeros", name="conv")(inputs)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(3, activation="softmax", kernel_initializer="ones")(x)
    return keras.Model(inputs, outputs)


def test_zero_gradients_and_zero_maps_give_zeros_without_warnings():
    rng = np.random.default_rng(0)
    a = rng.random((2, 5, 5, 8)).astype(np.float32)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        zeros = cam.gradcam_from_gradients(a, np.zeros_like(a))
        plus = cam.gradcam_plus_plus_from_gradients(a, np.zeros_like(a))
        negative = cam.gradcam_from_gradients(a, -np.ones_like(a))  # only negative evidence
        empty = cam.normalize_heatmap(np.zeros((3, 4)))
    for result in (zeros, plus, negative, empty):
        assert np.all(result == 0.0) and np.all(np.isfinite(result))


def test_model_with_all_zero_activations(cat):
    model = _zero_conv_model()
    image = lh.resize_image(cat, (16, 16))
    with warnings.catch_warnings(), np.errstate(divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        for fn in (lh.grad_cam, lh.grad_cam_plus_plus, lh.score_cam):
            heatmap = fn(model, image, class_index=1)
            assert heatmap.shape == (16, 16)
            assert np.all(heatmap == 0.0), fn.__name__


def test_constant_image_is_finite(effnet):
    grey = np.full((224, 224, 3), 128, np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        heatmaps = lh.grad_cam(effnet, grey, class_index=[0, 130, 999])
    assert np.all(np.isfinite(heatmaps)) and heatmaps.min() >= 0 and heatmaps.max() <= 1


# ---------------------------------------------------------------------------
# Class discrimination


def test_cat_and_dog_heatmaps_lie_on_their_halves(effnet, scene, scene_classes):
    cat_class, dog_class = scene_classes
    cat_map, dog_map = lh.grad_cam(effnet, scene, [cat_class, dog_class], size=SCENE_SIZE)
    assert cat_map.shape == (7, 14)
    on_cat, on_dog = _left_fraction(cat_map), 1.0 - _left_fraction(dog_map)
    names = effnet.class_names
    assert on_cat >= 0.8 and on_dog >= 0.8, (
        f"{names[cat_class]!r} heatmap: {on_cat:.0%} of its mass on the cat (left) half; "
        f"{names[dog_class]!r} heatmap: {on_dog:.0%} on the dog (right) half; need 80% each"
    )


def test_binary_model_cat_and_dog_evidence_are_complementary(catsdogs):
    kitten = lh.sample_image("kitten")
    cat_map, dog_map = lh.grad_cam(catsdogs, kitten, ["cat", "dog"])
    assert cat_map.shape == (60, 60)  # conv2d_2 at 256 px
    # score_output is [-z, z]: the dog gradient is minus the cat gradient, so after the
    # ReLU the two maps never overlap.
    assert np.all((cat_map == 0) | (dog_map == 0))
    assert cat_map.max() == pytest.approx(1.0) and dog_map.max() == pytest.approx(1.0)
