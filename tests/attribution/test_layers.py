"""The layer a CAM method reads (lecture_helpers/attribution/layers.py): valid choices, the
default, a short menu, and layers inside nested models."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import cam


def test_layer_errors(effnet, cat):
    for name in ("avg_pool", "logits"):
        with pytest.raises(ValueError, match=f"layer '{name}' outputs shape .* not a 4-D"):
            lh.grad_cam(effnet, cat, layer=name)
    with pytest.raises(ValueError, match="no layer 'nope'.*top_activation"):
        lh.grad_cam(effnet, cat, layer="nope")


def test_earlier_layer_gives_finer_map(effnet, cat):
    assert lh.grad_cam(effnet, cat, layer="block5c_add").shape == (14, 14)
    choices = lh.cam_layers(effnet)
    assert choices[-1] == "top_activation" and "avg_pool" not in choices
    menu = cam.cam_layer_choices(effnet)
    assert menu[0] == "top_activation" and "block5c_add" in menu


def test_nested_models_equal_the_flat_model(effnet, cat):
    flat = lh.grad_cam(effnet, cat)
    wrapped = keras.Sequential([keras.Input((None, None, 3)), effnet.model], name="wrapper")
    assert cam.resolve_cam_layer(wrapped) == "efficientnet_lite0/top_activation"
    for layer in (None, "efficientnet_lite0/top_activation", "top_activation"):
        np.testing.assert_allclose(
            lh.grad_cam(wrapped, cat, layer=layer, size=(224, 224)), flat, rtol=1e-5, atol=1e-6
        )
    # The transfer-learning pattern: inputs → base(inputs) → pooling → Dense(softmax).
    model = effnet.model
    base = keras.Model(model.input, model.get_layer("top_activation").output, name="base")
    inputs = keras.Input((None, None, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(base(inputs))
    head = keras.layers.Dense(1000, activation="softmax")
    transfer = keras.Model(inputs, head(pooled))
    head.set_weights(model.get_layer("logits").get_weights())
    assert lh.view(transfer).score.kind == "dense_logits"
    np.testing.assert_allclose(
        lh.grad_cam(transfer, cat, size=(224, 224)), flat, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        lh.grad_cam(transfer, cat, 285, "base/block5c_add", size=(224, 224)),
        lh.grad_cam(effnet, cat, 285, "block5c_add"),
        rtol=1e-5,
        atol=1e-6,
    )
