"""GradCAMExplorer, driven from plain Python: set a control, the picture changes."""

from __future__ import annotations

import datetime
import io

import numpy as np
import pytest
from PIL import Image

import lecture_helpers as lh


@pytest.fixture(scope="module")
def explorer(effnet):
    images = {"cat_dog": lh.sample_image("cat_dog"), "cat": lh.sample_image("cat")}
    return lh.widgets.GradCAMExplorer(
        effnet, images, top_k=4, methods=["Grad-CAM", "Grad-CAM++", "Occlusion"]
    )


def _png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def test_initial_view(explorer):
    assert explorer.image_dropdown.value == "cat_dog"
    assert explorer.shown.shape == (224, 448, 3)  # the wide scene at its own aspect ratio
    assert explorer.heatmap.shape == (7, 14)
    assert _png_size(explorer.view.value) == (448, 224)
    labels = [label for label, _ in explorer.class_dropdown.options]
    assert len(labels) == 4 and labels[0].startswith("tiger cat")
    assert "Grad-CAM for tiger cat" in explorer.caption.value


def test_opacity_redraws_without_recomputing(explorer):
    before, count = explorer.shown.copy(), explorer.computations
    explorer.alpha_input.value = 0.9
    assert explorer.computations == count
    assert np.abs(explorer.shown.astype(int) - before).mean() > 5
    explorer.alpha_input.value = 0.4
    np.testing.assert_array_equal(explorer.shown, before)


def test_class_layer_and_method_change_the_heatmap(explorer):
    explorer.image_dropdown.value = "cat_dog"
    first = explorer.heatmap.copy()
    dog = next(index for label, index in explorer.class_dropdown.options if "beagle" in label)
    explorer.class_dropdown.value = dog
    assert "beagle" in explorer.caption.value
    dog_map = explorer.heatmap
    half = dog_map.shape[1] // 2
    assert dog_map[:, half:].sum() > dog_map[:, :half].sum()  # the dog is on the right
    assert first[:, :half].sum() > first[:, half:].sum()  # the cat on the left
    explorer.layer_dropdown.value = "block5c_add"
    assert explorer.heatmap.shape == (14, 28)
    explorer.method_dropdown.value = "Grad-CAM++"
    plus = explorer.heatmap.copy()
    explorer.method_dropdown.value = "Grad-CAM"
    assert not np.allclose(plus, explorer.heatmap)
    explorer.layer_dropdown.value = "top_activation"


def test_image_change_updates_the_classes(explorer):
    explorer.image_dropdown.value = "cat"
    assert explorer.shown.shape == (224, 224, 3)
    assert explorer.class_dropdown.options[0][0].startswith("Egyptian cat")
    assert explorer.class_dropdown.value == 285
    explorer.image_dropdown.value = "cat_dog"


def test_upload_adds_and_selects_the_image(explorer):
    buffer = io.BytesIO()
    Image.fromarray(lh.sample_image("coffee")).save(buffer, format="PNG")
    content = memoryview(buffer.getvalue())
    explorer.upload.value = (
        {
            "name": "coffee.png",
            "type": "image/png",
            "size": len(content),
            "content": content,
            "last_modified": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        },
    )
    assert explorer.image_dropdown.value == "upload: coffee.png"
    assert explorer.class_dropdown.options[0][0].startswith("espresso")
    assert explorer.shown.shape == (224, 224, 3)


def test_bad_arguments(effnet):
    with pytest.raises(ValueError, match="unknown methods"):
        lh.widgets.GradCAMExplorer(effnet, lh.sample_image("cat"), methods=["LIME"])
    with pytest.raises(ValueError, match="not a 4-D"):
        lh.widgets.GradCAMExplorer(effnet, lh.sample_image("cat"), layers=["avg_pool"])
    with pytest.raises(TypeError):
        lh.widgets.GradCAMExplorer("efficientnet_lite0")


def test_the_explorer_takes_a_wide_scene_at_its_own_shape(effnet, catsdogs):
    """The view's size rule (tests/test_modelview.py): the scene keeps its shape."""
    explorer = lh.widgets.GradCAMExplorer(effnet, {"scene": np.zeros((224, 448, 3), np.uint8)})
    assert explorer.model_input().shape == (1, 224, 448, 3)


