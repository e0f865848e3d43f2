"""Transforms (lecture_helpers/optimize/transform.py): fused like one by one, rotations and
zooms about the centre, and resampling like TensorFlow's, gradient included."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import lecture_helpers as lh
from lecture_helpers import optimize as opt
from lecture_helpers.optimize.transform import (
    _about_centre,
    _apply_transforms,
    _bilinear,
    _resample,
    _translation,
)
from tests.tolerances import SAME_VALUE


def test_fused_transforms_equal_applying_them_one_by_one():
    images = tf.constant(np.random.default_rng(1).uniform(size=(3, 40, 40, 3)), tf.float32)
    seed = tf.constant([5, 6], tf.int32)
    chain = [lh.transforms.pad(4), lh.transforms.jitter(8)]
    fused = _apply_transforms(images, chain, seed)
    one_by_one = images
    for i, transform in enumerate(chain):
        one_by_one = transform(one_by_one, tf.random.experimental.stateless_fold_in(seed, i))
    assert fused.shape == (3, 40, 40, 3)
    np.testing.assert_allclose(fused.numpy(), one_by_one.numpy(), atol=1e-5)
    # the standard set keeps the size (so fixed-size models work) and changes the picture
    standard = _apply_transforms(images, lh.transforms.standard(), seed)
    assert standard.shape == images.shape
    assert float(tf.reduce_mean(tf.abs(standard - images))) > 0.01


def test_rotation_and_scale_move_pixels_as_expected():
    image = np.zeros((1, 21, 21, 1), np.float32)
    image[0, 10, 14] = 1.0  # a dot 4 px right of the centre (10, 10)
    seed = tf.constant([0, 0], tf.int32)
    matrix, _, _ = opt.RandomRotate(90.0).sample(tf.constant(1), 21, 21, seed)
    # a rotation about the centre keeps the centre fixed
    centre = matrix.numpy()[0] @ np.array([10.0, 10.0, 1.0])
    np.testing.assert_allclose(centre[:2], [10.0, 10.0], atol=1e-4)

    def zoom(factor):
        m = _about_centre(tf.constant([factor]), tf.constant([0.0]), 21, 21)
        return _resample(tf.constant(image), m, 21, 21, 0.0).numpy()[0, :, :, 0]

    assert zoom(0.5)[10, 12] == pytest.approx(1.0)  # zoom out: 2 px right of the centre
    big = zoom(2.0)  # zoom in: 8 px right, spread by bilinear interpolation
    assert big[10, 18] == pytest.approx(1.0) and big[10, 17] == pytest.approx(0.5)
    quarter = _resample(
        tf.constant(image), _about_centre(tf.constant([1.0]), tf.constant([np.pi / 2]), 21, 21),
        21, 21, 0.0,
    ).numpy()[0, :, :, 0]
    assert quarter[6, 10] == pytest.approx(1.0, abs=1e-4)  # 90 degrees: right -> above


@pytest.mark.parametrize("fill", [0.5, None])
def test_resampling_matches_tensorflows_projective_transform(fill):
    images = tf.constant(np.random.default_rng(2).uniform(size=(2, 24, 20, 3)), tf.float32)
    matrix = _about_centre(tf.constant([0.9, 1.1]), tf.constant([0.2, -0.1]), 24, 20)
    matrix = tf.matmul(matrix, _translation(tf.constant([1.5, -2.0]), tf.constant([0.0, 3.0])))
    ours = _resample(images, matrix, 24, 20, fill)
    theirs = tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=tf.reshape(matrix, (-1, 9))[:, :8],
        output_shape=tf.constant([24, 20]),
        fill_value=0.0 if fill is None else fill,
        interpolation="BILINEAR",
        fill_mode="REFLECT" if fill is None else "CONSTANT",
    )
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-4)


def test_resampling_gradient_is_exact_for_whole_pixel_shifts():
    images = tf.constant(np.random.default_rng(3).uniform(size=(2, 16, 16, 3)), tf.float32)
    weights = tf.constant(np.random.default_rng(4).uniform(size=(2, 12, 12, 3)), tf.float32)
    matrix = _translation(tf.constant([2.0, 4.0]), tf.constant([3.0, 1.0]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(images)
        fast = tf.reduce_sum(_resample(images, matrix, 12, 12, 0.5) * weights)
        exact = tf.reduce_sum(_bilinear(images, matrix, 12, 12, 0.5) * weights)
    np.testing.assert_allclose(
        tape.gradient(fast, images).numpy(), tape.gradient(exact, images).numpy(), **SAME_VALUE
    )
