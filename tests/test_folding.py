"""Batch-norm folding: the twin computes what the original computes, and knows when it is stale."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

import lecture_helpers as lh
from lecture_helpers import folding
from lecture_helpers.optimize.engine import cached_engines


def _randomize_batch_norms(model: keras.Model, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            for weight in layer.weights:
                shape = tuple(weight.shape)
                if "variance" in weight.path:
                    weight.assign(rng.uniform(0.5, 2.0, shape).astype(np.float32))
                else:
                    weight.assign(rng.normal(0.0, 0.5, shape).astype(np.float32))


def _toy_model() -> keras.Model:
    """Every case: biased conv, BN without scale/centre, depthwise with multiplier 2,
    a conv feeding two layers, a conv with an activation, a conv that is an output."""
    inputs = keras.Input((None, None, 3))
    x = layers.Conv2D(8, 3, padding="same", use_bias=True, name="biased")(inputs)
    x = layers.BatchNormalization(name="biased_bn")(x)
    x = layers.DepthwiseConv2D(3, strides=2, depth_multiplier=2, padding="same", name="dw")(x)
    x = layers.BatchNormalization(center=False, scale=False, name="dw_bn")(x)
    shared = layers.Conv2D(8, 1, use_bias=False, name="shared")(x)
    y = layers.BatchNormalization(name="shared_bn")(shared)
    y = layers.Add(name="add")([y, shared])
    z = layers.Conv2D(8, 3, padding="valid", activation="relu", name="activated")(y)
    z = layers.BatchNormalization(name="activated_bn")(z)
    out_conv = layers.Conv2D(4, 1, name="head")(z)
    w = layers.BatchNormalization(name="head_bn")(out_conv)
    model = keras.Model(inputs, [w, out_conv], name="toy")
    _randomize_batch_norms(model)
    return model


def test_only_safe_pairs_are_folded():
    model = _toy_model()
    assert folding.foldable_pairs(model) == {"biased": "biased_bn", "dw": "dw_bn"}


def test_twin_matches_the_original_values_and_input_gradients():
    model = _toy_model()
    twin = folding.fold_batch_norm(model)
    names = [layer.name for layer in twin.layers]
    assert "biased_folded" in names and "dw_folded" in names
    assert "biased_bn" not in names and "dw_bn" not in names
    x = tf.constant(np.random.default_rng(1).uniform(0, 1, (2, 17, 21, 3)), tf.float32)
    for original, folded in zip(model(x, training=False), twin(x, training=False), strict=True):
        np.testing.assert_allclose(folded.numpy(), original.numpy(), rtol=1e-4, atol=1e-5)

    def input_gradient(m):
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(m(x, training=False)[0] ** 2)
        return tape.gradient(total, x).numpy()

    expected = input_gradient(model)
    assert np.abs(expected).max() > 0
    np.testing.assert_allclose(input_gradient(twin), expected, rtol=1e-3, atol=1e-4)


def test_efficientnet_twin_folds_every_convolution_and_agrees():
    zoo = lh.load_model("efficientnet_lite0")
    convolutions = [
        layer.name
        for layer in zoo.model.layers
        if isinstance(layer, layers.Conv2D | layers.DepthwiseConv2D)
    ]
    assert len(folding.foldable_pairs(zoo.model)) == len(convolutions) == 49
    twin = folding.fold_batch_norm(zoo.model)
    image = lh.sample_image("cat", size=224)[None].astype(np.float32)
    expected = zoo.model(image, training=False).numpy()
    got = twin(image, training=False).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert got.argmax() == expected.argmax()


def test_changed_weights_make_the_twin_stale_and_the_engine_merges_them_again():
    model = _toy_model()
    twin = folding.fold_batch_norm(model)
    assert folding.is_current(twin)
    objective = lh.objectives.channel("head_bn", 0)
    first = lh.maximize(model, objective, steps=2, size=32, progress=False, transforms=None)
    engine = next(iter(cached_engines(model).values()))
    assert engine.is_current()

    bn = model.get_layer("biased_bn")
    bn.moving_mean.assign(bn.moving_mean.numpy() + 1.0)
    assert not folding.is_current(twin)
    assert not engine.is_current()
    second = lh.maximize(model, objective, steps=2, size=32, progress=False, transforms=None)
    assert next(iter(cached_engines(model).values())) is engine  # the same compiled step...
    assert engine.is_current()  # ...reading the weights merged again
    # the same start gives a different objective: the step sees the new weights
    assert not np.allclose(first.history, second.history)
    # and the same as a twin folded from scratch
    folding.refresh(twin)
    image = np.random.default_rng(0).uniform(0, 1, (1, 32, 32, 3)).astype(np.float32)
    refreshed, fresh = twin(image), folding.fold_batch_norm(model)(image)
    for got, expected in zip(refreshed, fresh, strict=True):  # the toy model has two outputs
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)


def test_engines_of_one_model_share_its_merged_weights():
    model = _toy_model()
    for size in (32, 40):  # two configurations: two compiled steps
        lh.maximize(model, lh.objectives.channel("head_bn", 0), steps=1, size=size,
                    progress=False, transforms=None)
    first, second = cached_engines(model).values()
    assert first is not second

    def merged(engine):
        return {layer.name: layer for layer in engine.submodel.layers
                if isinstance(layer, folding.FoldedConvolution)}

    assert merged(first) and merged(first).keys() == merged(second).keys()
    for name, layer in merged(first).items():
        assert merged(second)[name] is layer  # one copy of the weights


def test_twins_share_merged_layers_only_when_asked():
    model = _toy_model()
    shared: dict = {}
    a = folding.fold_batch_norm(model, shared=shared)
    b = folding.fold_batch_norm(model, shared=shared)
    c = folding.fold_batch_norm(model)
    layers_of = [
        [layer for layer in twin.layers if isinstance(layer, folding.FoldedConvolution)]
        for twin in (a, b, c)
    ]
    assert len(shared) == len(layers_of[0]) == 2
    assert all(x is y for x, y in zip(layers_of[0], layers_of[1], strict=True))
    assert not any(x is z for x, z in zip(layers_of[0], layers_of[2], strict=True))


def test_nothing_to_fold_returns_the_model_and_subclassed_models_are_refused():
    small = lh.lecture_small_convnet()  # no batch norm
    assert folding.fold_batch_norm(small) is small

    class Subclassed(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(TypeError, match="functional keras.Model"):
        folding.fold_batch_norm(Subclassed())
