"""Is a picture a real class visualization? (lecture_helpers/class_robustness.py, re-exported by
lh.class_neurons): random views, half resolution, high frequencies, grey spread."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_helpers import class_neurons as cn


def test_half_resolution():
    stripes = np.zeros((8, 8, 3), np.uint8)
    stripes[:, ::2] = 255  # the finest pattern there is: 1-px stripes
    halved = cn.half_resolution(stripes)
    assert halved.shape == (8, 8, 3) and halved.dtype == np.uint8
    assert halved.std() < 0.2 * stripes.std()  # the stripes are gone
    block = np.zeros((2, 16, 16, 3), np.uint8)
    block[:, 4:12, 4:12] = 200  # a coarse shape survives
    assert np.abs(cn.half_resolution(block).astype(int) - block).mean() < 25
    with pytest.raises(ValueError, match="RGB"):
        cn.half_resolution(np.zeros((8, 8)))


def test_random_view():
    rng = np.random.default_rng(0)
    image = (np.random.default_rng(1).random((64, 64, 3)) * 255).astype(np.uint8)
    same = cn.random_view(image, rng, shift=0.0, scale=(1.0, 1.0), degrees=0.0)
    assert np.abs(same.astype(int) - image.astype(int)).max() <= 1
    moved = cn.random_view(image, rng, shift=8.0)
    assert moved.shape == image.shape and not np.array_equal(moved, image)


def test_high_frequency_share():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (2, 32, 32, 3)).astype(np.uint8)
    ramp = np.broadcast_to(np.linspace(0, 255, 32)[None, :, None], (32, 32, 3))
    shares = cn.high_frequency_share(noise)
    assert shares.shape == (2,) and np.all((shares > 0.6) & (shares < 0.9))  # white noise: ~0.8
    assert cn.high_frequency_share(ramp.astype(np.uint8))[0] < 0.1  # one smooth ramp
    stripes = np.zeros((32, 32, 3), np.uint8)
    stripes[:, ::2] = 255
    assert cn.high_frequency_share(stripes)[0] > 0.99
    assert cn.high_frequency_share(np.full((8, 8, 3), 9, np.uint8))[0] == 0.0  # flat: no energy


def test_grayscale_std():
    assert cn.grayscale_std(np.full((4, 4, 3), 200, np.uint8))[0] == 0
    stripes = np.zeros((2, 4, 4, 3), np.uint8)
    stripes[1, :, ::2] = 255
    assert cn.grayscale_std(stripes)[1] == pytest.approx(127.5)


def test_robustness_needs_one_class_per_image(model):
    with pytest.raises(ValueError, match="one per image"):
        cn.transform_robustness(model, np.zeros((2, 32, 32, 3), np.uint8), [1])
