"""The model adapter: one set of rules for layers, class scores, classes and images."""

from __future__ import annotations

import gc
import weakref

import keras
import numpy as np
import pytest
from keras import layers

import lecture_helpers as lh
from lecture_helpers import modelview
from lecture_helpers.modelview import UnknownNameError, UnsupportedModelError, view


def _convnet(head: str = "dense_softmax", classes: int = 3, size: int = 32) -> keras.Model:
    keras.utils.set_random_seed(0)
    inputs = keras.Input((size, size, 3))
    x = layers.Rescaling(1 / 255.0)(inputs)
    x = layers.Conv2D(4, 3, activation="relu", name="conv")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    if head == "dense_softmax":
        out = layers.Dense(classes, activation="softmax", name="head")(x)
    elif head == "activation_softmax":
        z = layers.Dense(classes, name="logits")(x)
        out = layers.Activation("softmax", name="probs")(z)
    elif head == "softmax_layer":
        z = layers.Dense(classes, name="logits")(x)
        out = layers.Softmax(name="probs")(z)
    elif head == "sigmoid":
        out = layers.Dense(1, activation="sigmoid", name="head")(x)
    elif head == "logits":
        out = layers.Dense(classes, name="head")(x)
    else:
        raise AssertionError(head)
    return keras.Model(inputs, out, name=f"net_{head}")


def _logits(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """The pre-activation of the model's last Dense layer, computed by hand."""
    dense = [layer for layer in model.layers if isinstance(layer, layers.Dense)][-1]
    features = keras.Model(model.input, dense.input)(x).numpy()
    return features @ dense.kernel.numpy() + dense.bias.numpy()


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        ("dense_softmax", "dense_logits"),
        ("activation_softmax", "input"),
        ("softmax_layer", "input"),
        ("logits", "output"),
    ],
)
def test_the_class_score_is_the_logit_whatever_the_head(head, kind):
    model = _convnet(head)
    model_view = view(model)
    assert model_view.score.kind == kind and not model_view.binary
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype(np.float32)
    logits = _logits(model, x)
    np.testing.assert_allclose(model_view.run("scores", x), logits, rtol=1e-5, atol=1e-5)
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(model_view.run("probabilities", x), expected, rtol=1e-4, atol=1e-6)


def test_binary_sigmoid_model_scores_minus_z_and_z():
    model = _convnet("sigmoid")
    model_view = view(model)
    assert model_view.binary and model_view.num_classes == 2
    x = np.random.default_rng(1).uniform(0, 255, (3, 32, 32, 3)).astype(np.float32)
    z = _logits(model, x)
    np.testing.assert_allclose(model_view.run("scores", x), np.concatenate([-z, z], -1),
                               rtol=1e-5, atol=1e-5)
    p = model(x).numpy()
    np.testing.assert_allclose(model_view.run("probabilities", x),
                               np.concatenate([1 - p, p], -1), atol=1e-6)
    assert model_view.class_names == ("class 0", "class 1")


def test_a_softmax_fused_into_another_layer_is_refused_with_the_fix():
    inputs = keras.Input((16, 16, 3))
    x = layers.Flatten()(layers.Conv2D(2, 3, name="conv")(inputs))
    einsum = layers.EinsumDense("ab,bc->ac", output_shape=3, activation="softmax", name="mix")
    model = keras.Model(inputs, einsum(x))
    with pytest.raises(UnsupportedModelError, match=r"'mix' \(EinsumDense\) applies softmax.*"
                       r"activation=None followed by keras.layers.Activation\('softmax'\)"):
        _ = view(model).scores
    assert view(model).spatial_layers() == ["conv"]  # its layers still work


def test_nested_model_layers_are_paths_and_unique_bare_names_work():
    base_in = keras.Input((32, 32, 3))
    b = layers.Conv2D(4, 3, activation="relu", name="b_conv1")(base_in)
    b = layers.Conv2D(6, 3, activation="relu", name="b_conv2")(b)
    base = keras.Model(base_in, b, name="base")
    inputs = keras.Input((32, 32, 3))
    x = base(layers.Rescaling(1 / 255.0, name="scale")(inputs))
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    model = keras.Model(inputs, layers.Dense(2, activation="softmax", name="cls")(x))
    model_view = view(model)
    assert model_view.layer_paths == ("scale", "base/b_conv1", "base/b_conv2", "gap", "cls")
    assert model_view.layer_path("b_conv2") == "base/b_conv2"
    assert model_view.last_conv_layer() == "base/b_conv2"
    assert model_view.feature_map_layers() == ["base/b_conv1", "base/b_conv2"]
    x = np.zeros((1, 32, 32, 3), np.float32)
    a1, a2 = model_view.probe(["base/b_conv1", "b_conv2"])(x)  # one forward pass
    assert a1.shape == (1, 30, 30, 4) and a2.shape == (1, 28, 28, 6)
    with pytest.raises(UnknownNameError, match="no layer 'nope'.*base/b_conv1") as info:
        model_view.layer_path("nope")
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    assert "'" not in str(info.value)[:1]  # the message, not KeyError's quoted repr
    with pytest.raises(ValueError, match="not a 4-D feature map"):
        model_view.feature_layer("cls")


def test_sequential_that_was_never_called_is_made_functional_once():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [layers.Conv2D(4, 3, activation="relu", name="c"), layers.Flatten(name="flat"),
         layers.Dense(2, activation="softmax", name="d")], name="seq"
    )
    x = np.random.default_rng(0).uniform(0, 255, (2, 24, 24, 3)).astype(np.float32)
    expected = model(x).numpy()  # built by an eager call: never called symbolically
    with pytest.raises(AttributeError, match="never been called"):
        _ = model.input
    model_view = view(model)
    assert view(model) is model_view  # built once
    assert model_view.layer_paths == ("c", "flat", "d")
    np.testing.assert_allclose(model_view.run("output", x), expected, atol=1e-6)
    assert model_view.score.kind == "dense_logits"


def test_sequential_without_an_input_shape_gets_the_fix():
    model = keras.Sequential([layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(2)])
    with pytest.raises(UnsupportedModelError, match="keras.Input"):
        view(model)


def test_models_the_helpers_cannot_explain_are_named():
    a, b = keras.Input((8, 8, 3)), keras.Input((8, 8, 3))
    two_inputs = keras.Model([a, b], layers.Dense(2)(layers.Flatten()(layers.Add()([a, b]))))
    with pytest.raises(UnsupportedModelError, match="2 inputs"):
        view(two_inputs)
    vector = keras.Input((10,))
    with pytest.raises(UnsupportedModelError, match="image models"):
        view(keras.Model(vector, layers.Dense(2)(vector)))
    image = keras.Input((8, 8, 3))
    dense_only = keras.Model(image, layers.Dense(2)(layers.Flatten()(image)))
    with pytest.raises(UnsupportedModelError, match="not a convolutional network"):
        view(dense_only).last_conv_layer()
    segmenter = keras.Model(image, layers.Conv2D(2, 1)(image))  # a feature extractor
    assert view(segmenter).spatial_layers()  # its layers still work ...
    with pytest.raises(UnsupportedModelError, match=r"\(N, classes\)"):
        _ = view(segmenter).scores  # ... but it has no class scores
    with pytest.raises(TypeError, match="ZooModel"):
        view(np.zeros(3))


def test_classes_by_index_name_or_none():
    model_view = view(_convnet("logits", classes=4))
    assert model_view.class_indices(None) is None
    assert model_view.class_indices([2, None, "class 1"]) == [2, -1, 1]
    with pytest.raises(IndexError, match="0 to 3"):
        model_view.class_index(4)
    with pytest.raises(UnknownNameError, match="unknown class name 'flamingo'"):
        model_view.class_index("flamingo")
    with pytest.raises(TypeError):
        model_view.class_index(1.5)
    model_view.describe(class_names=["cat", "dog", "fox", "owl"])
    assert model_view.class_index("fox") == 2
    with pytest.raises(ValueError, match="got 3 class names"):
        model_view.describe(class_names=["a", "b", "c"])


def test_images_one_convention_for_floats_and_every_form():
    fixed = view(_convnet(size=32))
    photo = lh.sample_image("cat")  # uint8, 300 x 451
    batch = fixed.batch(photo)
    assert batch.shape == (1, 32, 32, 3) and batch.dtype == np.float32
    floats = np.random.default_rng(0).uniform(0, 255, (32, 32, 3)).astype(np.float32)
    np.testing.assert_array_equal(fixed.batch(floats)[0], floats)  # never rounded or rescaled
    assert fixed.batch([photo, floats]).shape == (2, 32, 32, 3)
    with pytest.raises(ValueError, match=r"\[0, 1\].*image \* 255"):
        fixed.batch(floats / 255.0)
    with pytest.raises(ValueError, match=r"pixel values in \[0, 255\]"):
        fixed.batch(floats * 2.0)
    with pytest.raises(ValueError, match="takes 32x32 images only"):
        fixed.batch(photo, size=(64, 64))
    with pytest.raises(TypeError, match="not an image"):
        fixed.batch([photo, {"a": 1}])
    # a model that takes any size: floats keep theirs, photos go to the default size
    inputs = keras.Input((None, None, 3))
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(2, 3)(inputs))
    flexible = view(keras.Model(inputs, layers.Dense(2)(x)))
    assert flexible.batch(photo).shape == (1, 300, 451, 3)  # no default: its own size
    flexible.describe(default_size=(64, 96))
    assert flexible.batch(photo).shape == (1, 64, 96, 3)
    assert flexible.batch(floats).shape == (1, 32, 32, 3)
    with pytest.raises(ValueError, match="different sizes"):
        flexible.batch([floats, np.zeros((48, 48, 3), np.float32)])


def test_one_size_rule_for_every_helper_and_widget(effnet, catsdogs):
    """The view's target_size: the default size, except a wide (or tall) photo, which keeps
    its shape at sides in multiples of 32; a fixed-size model takes only its own size."""
    model_view = view(effnet)
    assert model_view.target_size((224, 448)) == (224, 448)  # the cat|dog scene
    assert model_view.target_size((300, 451)) == (224, 224)  # ratio 1.5: the default size
    assert model_view.target_size((600, 200)) == (672, 224)  # tall: short side 224
    assert model_view.target_size((300, 451), size=(288, 448)) == (288, 448)
    assert view(catsdogs).target_size((224, 448)) == (256, 256)
    assert "256x256" in view(catsdogs).size_rule()
    assert "wide ones at their own shape" in model_view.size_rule()
    scene = np.zeros((224, 448, 3), np.uint8)
    assert model_view.batch(scene).shape == (1, 224, 448, 3)
    assert lh.grad_cam(effnet, scene).shape == (7, 14)  # every helper: the same rule
    assert lh.saliency(effnet, scene, verbose=False).map.shape == (224, 448)
    square = np.zeros((300, 451, 3), np.uint8)  # photos of two shapes: the default size
    assert model_view.batch([scene, square]).shape == (2, 224, 224, 3)


def test_grayscale_models_get_one_channel():
    inputs = keras.Input((16, 16, 1))
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(2, 3)(inputs))
    model_view = view(keras.Model(inputs, layers.Dense(2)(x)))
    batch = model_view.batch(np.full((16, 16, 3), [30, 60, 90], np.uint8))
    assert batch.shape == (1, 16, 16, 1) and np.allclose(batch, 60.0)


def test_compiled_store_is_bounded_and_dies_with_the_model():
    model = _convnet()
    model_view = view(model)
    for i in range(modelview.CACHE_LIMIT + 5):
        model_view.cached(("thing", i), lambda i=i: i)
    assert len(model_view.cache_keys()) == modelview.CACHE_LIMIT
    for i in range(5):
        model_view.cached(("engine", i), lambda i=i: i, limit=2)
    assert [k for k in model_view.cache_keys() if k[0] == "engine"] == [("engine", 3),
                                                                         ("engine", 4)]
    image = np.zeros((32, 32, 3), np.uint8)
    lh.grad_cam(model, image)
    lh.get_activations(model, image)
    lh.saliency(model, image)
    model_ref, view_ref = weakref.ref(model), weakref.ref(model_view)
    del model, model_view
    gc.collect()
    assert model_ref() is None and view_ref() is None


def test_zoo_model_is_metadata_on_the_adapter(effnet):
    model_view = effnet.view
    assert view(effnet) is model_view and view(effnet.model) is model_view
    assert model_view.class_names[130] == "flamingo" and model_view.default_size == (224, 224)
    assert model_view.last_conv_layer() == "top_activation"
    assert effnet.logits_layer == "logits" and not effnet.binary


@pytest.mark.heavy
def test_unbuilt_sequential_gets_a_clear_error(effnet, cat):
    unbuilt = keras.Sequential([effnet.model])
    with pytest.raises(ValueError, match="never built|keras.Input"):
        lh.grad_cam(unbuilt, cat, size=(224, 224))
