"""Score-CAM (lecture_helpers/attribution/score_cam.py): class-discriminative, and the same
whatever the size of its batches of masked images."""

from __future__ import annotations

import keras
import numpy as np

import lecture_helpers as lh
from lecture_helpers import cam
from tests.conftest import SCENE_SIZE
from tests.conftest import left_fraction as _left_fraction
from tests.tolerances import SAME_VALUE

from .conftest import features_and_gradients, softmax


def test_score_cam_is_class_discriminative_too(effnet, scene, scene_classes):
    cat_map, dog_map = lh.score_cam(
        effnet, scene, list(scene_classes), size=SCENE_SIZE, channels=64
    )
    on_cat, on_dog = _left_fraction(cat_map), 1.0 - _left_fraction(dog_map)
    assert on_cat >= 0.7 and on_dog >= 0.7, f"Score-CAM: cat {on_cat:.0%}, dog {on_dog:.0%}"


def test_score_cam_chunks_do_not_change_the_result(tiny):
    image = np.random.default_rng(2).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    one = lh.score_cam(tiny, image, 0, channels=None, batch_size=1)
    all_at_once = lh.score_cam(tiny, image, 0, channels=None, batch_size=64)
    np.testing.assert_allclose(one, all_at_once, **SAME_VALUE)
    # By hand: weight of channel k = p_0(x * minmax(A_k)); S = ReLU(sum_k w_k A_k) / max.
    x = image.astype(np.float32)[None]
    a = tiny.get_layer("relu").output
    activations = keras.Model(tiny.input, a)(x).numpy()[0]
    weights = []
    for k in range(2):
        m = activations[..., k]
        mask = (m - m.min()) / (m.max() - m.min()) if m.max() > m.min() else np.zeros_like(m)
        weights.append(tiny(x * mask[None, ..., None]).numpy()[0, 0])
    expected = cam.normalize_heatmap((activations * np.array(weights)).sum(-1))
    np.testing.assert_allclose(one, expected, atol=1e-5)


def test_score_cam_is_the_papers_formula(spatial, photo):
    """Each channel k, min-max scaled, masks the image; its weight is p_c(x * M_k)."""
    a, _ = features_and_gradients(spatial, photo, 2)
    maps = np.zeros(a.shape[1:3])
    for k in range(a.shape[-1]):
        channel = a[0, :, :, k]
        span = channel.max() - channel.min()
        mask = (channel - channel.min()) / span if span > 0 else np.zeros_like(channel)
        weight = softmax(spatial(photo[None] * mask[None, :, :, None]).numpy())[0, 2]
        maps += weight * channel
    expected = np.maximum(maps, 0) / np.maximum(maps, 0).max()
    result = lh.explain(spatial, photo, 2, "features", method="score_cam", channels=None)
    np.testing.assert_allclose(result.maps[0], expected, rtol=1e-4, atol=1e-5)
