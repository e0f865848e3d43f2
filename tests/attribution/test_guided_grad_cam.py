"""Guided Grad-CAM (lecture_helpers/attribution/guided_grad_cam.py): guided backprop times
Grad-CAM, computed by hand."""

import numpy as np

import lecture_helpers as lh

from .conftest import features_and_gradients, guided_by_hand


def test_guided_grad_cam_is_guided_backprop_times_grad_cam(spatial, photo):
    a, g = features_and_gradients(spatial, photo, 2)
    cam = np.maximum((a[0] * g[0].mean(axis=(0, 1))).sum(axis=-1), 0)
    cam /= cam.max()
    expected = guided_by_hand(spatial, photo, 2) * cam[..., None]  # the layer is 8x8 too
    result = lh.explain(spatial, photo, 2, "features", method="guided_grad_cam")
    np.testing.assert_allclose(result.attributions[0], expected, rtol=1e-4, atol=1e-9)
