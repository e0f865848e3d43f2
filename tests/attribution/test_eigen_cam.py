"""Eigen-CAM equals the feature map's first principal component, found another way."""

import numpy as np

import lecture_helpers as lh

from .conftest import features_and_gradients


def _eigen_cam_by_hand(a: np.ndarray) -> np.ndarray:
    """The top eigenvector of the positions' covariance (eigh, not an SVD), the centred
    activations projected on it, the sign that agrees with the mean activation, ReLU, / max."""
    flat = a[0].reshape(-1, a.shape[-1])
    centred = flat - flat.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    projection = centred @ vectors[:, np.argmax(values)]
    if projection @ flat.mean(axis=1) < 0:
        projection = -projection
    out = np.maximum(projection, 0).reshape(a.shape[1:3])
    return out / out.max()


def test_eigen_cam_is_the_first_principal_component(spatial, photo):
    a, _ = features_and_gradients(spatial, photo, 0)
    result = lh.explain(spatial, photo, 0, "features", method="eigen_cam")
    assert result.maps.shape == (1, 8, 8)
    np.testing.assert_allclose(result.maps[0], _eigen_cam_by_hand(a), rtol=1e-5, atol=1e-6)


def test_eigen_cam_is_the_same_for_every_class(spatial, photo):
    result = lh.explain(spatial, photo, [0, 1, 2], "features", method="eigen_cam")
    assert list(result.classes) == [0, 1, 2]
    np.testing.assert_array_equal(result.maps[0], result.maps[2])
