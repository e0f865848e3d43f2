"""``lh.explain``: one call for every method, one result, the same shapes for one image or many."""

import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers.attribution import METHODS, Attribution

FAST = {"score_cam": dict(channels=2), "occlusion": dict(patch=4, stride=4),
        "smoothgrad": dict(samples=2), "integrated_gradients": dict(steps=4)}


@pytest.mark.parametrize("method_id", list(METHODS))
def test_every_method_gives_one_attribution_of_n_rows(spatial, photo, method_id):
    method = METHODS[method_id]
    layer = "features" if method.layer else None
    result = lh.explain(spatial, photo, [0, 2], layer, method=method_id,
                        **FAST.get(method_id, {}))
    assert isinstance(result, Attribution) and len(result) == 2
    assert result.method == method_id and result.title == method.title
    assert result.maps.shape == (2, 8, 8) and np.all(np.isfinite(result.maps))
    assert result.heatmaps.shape == (2, 8, 8)
    assert result.heatmaps.min() >= 0 and result.heatmaps.max() <= 1
    assert list(result.classes) == [0, 2] and result.scores.shape == (2,)
    assert result.layer == layer and result.images.shape == (2, 8, 8, 3)
    if method.class_specific:
        assert not np.allclose(result.maps[0], result.maps[1]), method_id
    if method.pixel_attribution is not None:
        assert result.attributions.shape == (2, 8, 8, 3)


def test_one_image_is_a_batch_of_one(spatial, photo):
    one = lh.explain(spatial, photo, 1, "features")
    many = lh.explain(spatial, np.stack([photo, photo[::-1]]), 1, "features")
    assert one.maps.shape == (1, 8, 8) and many.maps.shape == (2, 8, 8)
    np.testing.assert_allclose(one.maps[0], many.maps[0], atol=1e-6)


def test_top_class_is_resolved_and_scored(spatial, photo):
    scores = spatial(photo[None]).numpy()[0]
    result = lh.explain(spatial, photo, None, "features", method="grad_cam")
    assert result.classes[0] == scores.argmax()
    assert result.scores[0] == pytest.approx(scores.max(), rel=1e-5)
    assert result.class_names == (lh.view(spatial).class_names[scores.argmax()],)


def test_bad_requests_name_the_fix(spatial, photo):
    with pytest.raises(lh.UnknownNameError, match="choose one of"):
        lh.explain(spatial, photo, method="lime")
    with pytest.raises(TypeError, match="Grad-CAM takes no option 'samples'; it has no options"):
        lh.explain(spatial, photo, method="grad_cam", samples=3)
    with pytest.raises(TypeError, match="its options are: of, samples"):
        lh.explain(spatial, photo, method="smoothgrad", steps=3)
    with pytest.raises(ValueError, match="works on the pixels and reads no layer"):
        lh.explain(spatial, photo, 0, "features", method="vanilla")
    with pytest.raises(ValueError, match="2 images and 3 classes"):
        lh.explain(spatial, np.stack([photo, photo]), [0, 1, 2])
