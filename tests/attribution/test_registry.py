"""One table of methods: ids and titles, what each declares, and every consumer reading it."""

import pytest

import lecture_helpers as lh
from lecture_helpers.attribution import METHODS, get_method


def test_ids_and_titles_are_unique_and_found_by_either():
    titles = [method.title for method in METHODS.values()]
    assert len(set(titles)) == len(titles)
    for method_id, method in METHODS.items():
        assert method.id == method_id
        assert get_method(method_id) is method and get_method(method.title) is method
    with pytest.raises(lh.UnknownNameError, match="grad_cam.*layer_cam"):
        get_method("LIME")


def test_the_widgets_and_checks_read_the_registry():
    heatmaps = [m.title for m in METHODS.values() if m.family == "heatmap"]
    assert list(lh.CAM_METHODS) == heatmaps
    assert {"Layer-CAM", "Eigen-CAM"} <= set(lh.CAM_METHODS)
    assert lh.saliency_maps.METHODS == ("vanilla", "smoothgrad", "integrated_gradients")


def test_every_method_declares_what_it_reads():
    for method in METHODS.values():
        assert method.family in ("heatmap", "saliency"), method.id
        if method.family == "saliency":
            assert not method.layer and method.gradients, method.id
    assert not get_method("eigen_cam").class_specific
    assert not get_method("score_cam").gradients and get_method("score_cam").layer
