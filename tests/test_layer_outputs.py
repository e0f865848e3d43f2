"""Layer outputs (lecture_helpers/layer_outputs.py, names of lh.activations): which layers, the
activation model built once, one forward pass, and clear errors."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import lecture_helpers as lh

SLIDE_SHAPES = {
    "conv2d_0": (1, 148, 148, 32),
    "max_pooling2d_0": (1, 74, 74, 32),
    "conv2d_1": (1, 72, 72, 64),
    "max_pooling2d_1": (1, 36, 36, 64),
    "conv2d_2": (1, 34, 34, 128),
    "max_pooling2d_2": (1, 17, 17, 128),
    "conv2d_3": (1, 15, 15, 128),
    "max_pooling2d_3": (1, 7, 7, 128),
}


# --- which layers -----------------------------------------------------------------------


def test_default_layers_of_the_lecture_convnet_are_the_slides(small):
    assert lh.feature_map_layers(small) == list(SLIDE_SHAPES)


def test_default_layers_of_cats_model_are_its_conv_and_pool_layers(cats):
    assert lh.feature_map_layers(cats) == [
        "conv2d_0", "max_pooling2d_0", "conv2d_1", "max_pooling2d_1", "conv2d_2", "max_pooling2d_2"
    ]


def test_default_layers_of_efficientnet_are_its_activation_layers():
    names = lh.feature_map_layers(lh.load_model("efficientnet_lite0"))
    assert names[0] == "stem_activation" and names[-1] == "top_activation"
    assert len(names) == 33 and all(n.endswith("activation") for n in names)


def test_model_without_feature_maps_raises_listing_layers():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="only_dense")(inputs))
    with pytest.raises(ValueError, match="only_dense"):
        lh.feature_map_layers(model)


# --- activation model ---------------------------------------------------------------------


def test_activation_model_is_built_once_per_model_and_layers(small, cats):
    first = lh.activation_model(small)
    assert lh.activation_model(small) is first
    assert lh.activation_model(small, list(SLIDE_SHAPES)) is first
    other = lh.activation_model(small, "conv2d_1")
    assert other is not first and other.layer_names == ("conv2d_1",)
    assert lh.activation_model(cats) is lh.activation_model(cats)


def test_unknown_layer_lists_the_valid_names(small):
    with pytest.raises(ValueError, match="no_such_layer") as info:
        lh.activation_model(small, ["conv2d_0", "no_such_layer"])
    assert "conv2d_0" in str(info.value) and "max_pooling2d_3" in str(info.value)
    with pytest.raises(ValueError, match="empty"):
        lh.activation_model(small, [])
    with pytest.raises(TypeError, match="ZooModel"):
        lh.activation_model("not a model")


def test_activations_have_the_slides_shapes_in_layer_order(small, kitten):
    acts = lh.get_activations(small, kitten)
    assert list(acts) == list(SLIDE_SHAPES)
    assert {k: v.shape for k, v in acts.items()} == SLIDE_SHAPES
    assert all(v.dtype == np.float32 for v in acts.values())
    text = lh.format_shapes(acts)
    assert text.splitlines()[0] == "(1, 148, 148, 32)  conv2d_0"
    assert text.splitlines()[-1] == "(1, 7, 7, 128)     max_pooling2d_3"


def test_requested_order_is_kept(small, kitten):
    order = ["max_pooling2d_3", "conv2d_0", "conv2d_2"]
    assert list(lh.get_activations(small, kitten, order)) == order


def test_activations_equal_a_plain_submodel(small, kitten):
    x = lh.activation_model(small).prepare(kitten)
    acts = lh.get_activations(small, x)
    for name in ("conv2d_0", "max_pooling2d_2"):
        reference = keras.Model(small.input, small.get_layer(name).output)(x, training=False)
        np.testing.assert_allclose(acts[name], np.asarray(reference), rtol=1e-5, atol=1e-5)


def test_activation_model_input_and_subset(small, kitten):
    am = lh.activation_model(small)
    acts = lh.get_activations(am, [kitten, lh.sample_image("dog")], layer=["conv2d_3"])
    assert list(acts) == ["conv2d_3"] and acts["conv2d_3"].shape == (2, 15, 15, 128)
    with pytest.raises(ValueError, match="conv2d_0"):
        lh.get_activations(lh.activation_model(small, "conv2d_3"), kitten, layer=["conv2d_0"])


def test_zoo_model_images_are_preprocessed_like_predict(cats, kitten):
    acts = lh.get_activations(cats, kitten, ["conv2d_0"])
    assert acts["conv2d_0"].shape == (1, 254, 254, 16)
    x = cats.preprocess(kitten)
    np.testing.assert_array_equal(lh.activation_model(cats, "conv2d_0").prepare(kitten), x)
    again = lh.get_activations(cats, x, ["conv2d_0"])
    np.testing.assert_allclose(again["conv2d_0"], acts["conv2d_0"])


def test_efficientnet_any_multiple_of_32():
    effnet = lh.load_model("efficientnet_lite0")
    x = np.random.default_rng(0).uniform(0, 255, (1, 64, 64, 3)).astype(np.float32)
    acts = lh.get_activations(effnet, x, ["stem_activation", "top_activation"])
    assert acts["stem_activation"].shape == (1, 32, 32, 32)
    assert acts["top_activation"].shape == (1, 2, 2, 1280)
    assert 0.0 <= acts["stem_activation"].min() and acts["stem_activation"].max() <= 6.0  # ReLU6


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (np.zeros(10), ValueError, "not an image"),
        (np.zeros((1, 150, 150, 7), np.float32), ValueError, "not an image batch"),
        ({"a": 1}, TypeError, "not an image"),
        ([], ValueError, "empty"),
        ("no/such/photo.png", FileNotFoundError, "not found"),
        (np.full((150, 150, 3), np.nan, np.float32), ValueError, "NaN"),
    ],
)
def test_non_image_input_raises_a_clear_error(small, bad, error, message):
    with pytest.raises(error, match=message):
        lh.get_activations(small, bad)
