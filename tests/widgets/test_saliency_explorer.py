"""SaliencyExplorer, driven from plain Python."""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh


@pytest.fixture(scope="module")
def explorer(model):
    images = {"cat_dog": lh.sample_image("cat_dog"), "cat": lh.sample_image("cat")}
    return lh.widgets.SaliencyExplorer(model, images, samples=4, steps=8)


def test_saliency_explorer_starts_with_the_top_class(explorer):
    options = explorer.class_dropdown.options
    assert len(options) == 5
    assert explorer.class_dropdown.value == options[0][1]
    assert explorer.result.class_index == options[0][1]
    assert explorer.result.method == "vanilla"
    # photo and map side by side: 448 + gap + 448 wide
    assert explorer.shown.shape == (224, 448 * 2 + 8, 3)
    assert "Vanilla gradient" in explorer.caption.value


def test_saliency_explorer_controls_change_the_map(explorer):
    before = explorer.shown.copy()
    explorer.method_dropdown.value = "smoothgrad"
    assert explorer.result.method == "smoothgrad"
    after_method = explorer.shown.copy()
    assert not np.array_equal(before, after_method)
    np.testing.assert_array_equal(before[:, :448], after_method[:, :448])  # same photo
    dog_class = [index for label, index in explorer.class_dropdown.options if "beagle" in label]
    assert dog_class, explorer.class_dropdown.options
    explorer.class_dropdown.value = dog_class[0]
    assert explorer.result.class_name == "beagle"
    assert not np.array_equal(after_method, explorer.shown)
    explorer.method_dropdown.value = "integrated_gradients"
    assert "completeness gap" in explorer.caption.value
    computed = explorer.computations
    explorer.method_dropdown.value = "smoothgrad"  # back: taken from the cache
    assert explorer.computations == computed


def test_saliency_explorer_reports_a_resize(explorer):
    explorer.image_dropdown.value = "cat"
    assert explorer.result.image.shape == (224, 224, 3)
    assert "300x451 photo was resized to 224x224" in explorer.caption.value
    assert explorer.class_dropdown.options[0][0].startswith("Egyptian cat")


def test_saliency_explorer_takes_a_plain_keras_model(model):
    """The zoo model's bare keras.Model: the same classes and names in the menu."""
    plain = lh.widgets.SaliencyExplorer(model.model, {"coffee": lh.sample_image("coffee")})
    zoo = lh.widgets.SaliencyExplorer(model, {"coffee": lh.sample_image("coffee")})
    assert [row[:2] for row in plain.top_classes()] == [row[:2] for row in zoo.top_classes()]
    np.testing.assert_allclose([row[2] for row in plain.top_classes()],
                               [row[2] for row in zoo.top_classes()], rtol=1e-5)
    assert plain.top_classes()[0][1] == "espresso"
    with pytest.raises(TypeError, match="keras.Model"):
        lh.widgets.SaliencyExplorer("efficientnet_lite0")
