"""Layer-CAM equals Jiang et al.'s formula, position by position."""

import numpy as np

import lecture_helpers as lh

from .conftest import features_and_gradients


def _layer_cam_by_hand(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """S_ij = ReLU(sum_k ReLU(g_ijk) A_ijk), divided by its maximum, in plain floats."""
    _, h, w, k = a.shape
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            out[i, j] = max(0.0, sum(max(0.0, float(g[0, i, j, c])) * float(a[0, i, j, c])
                                     for c in range(k)))
    return out / out.max()


def test_layer_cam_is_the_papers_formula(spatial, photo):
    a, g = features_and_gradients(spatial, photo, 1)
    assert np.ptp(g[0], axis=(0, 1)).max() > 0  # gradients differ by position here
    result = lh.explain(spatial, photo, 1, "features", method="layer_cam")
    assert result.maps.shape == (1, 8, 8) and result.layer == "features"
    np.testing.assert_allclose(result.maps[0], _layer_cam_by_hand(a, g), rtol=1e-5, atol=1e-6)


def test_layer_cam_differs_from_grad_cam_where_gradients_vary(spatial, photo):
    layer = lh.explain(spatial, photo, 1, "features", method="layer_cam").maps[0]
    grad = lh.explain(spatial, photo, 1, "features", method="grad_cam").maps[0]
    assert np.abs(layer - grad).max() > 0.05
