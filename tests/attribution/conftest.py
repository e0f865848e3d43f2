"""Small seeded models whose maps can be computed by hand."""

import keras
import numpy as np
import pytest
import tensorflow as tf


@pytest.fixture(scope="module")
def spatial():
    """x (8x8x3) → conv "features" (4 channels, ReLU) → strided conv → Flatten → Dense(3):
    the class scores depend on where a feature is, so each position has its own gradient."""
    keras.utils.set_random_seed(7)
    inputs = keras.Input((8, 8, 3), name="image")
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="features")(inputs)
    x = keras.layers.Conv2D(3, 3, strides=2, name="pooled")(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(3, name="logits")(x)
    return keras.Model(inputs, outputs, name="spatial")


@pytest.fixture(scope="module")
def photo():
    return np.random.default_rng(5).integers(0, 256, (8, 8, 3)).astype(np.float32)


def features_and_gradients(model, image, class_index, layer="features"):
    """A and dF_c/dA at ``layer``, taken here with a GradientTape (not the package's engine)."""
    probe = keras.Model(model.input, [model.get_layer(layer).output, model.output])
    with tf.GradientTape() as tape:
        x = tf.constant(image[None])
        tape.watch(x)
        a, scores = probe(x)
        score = scores[:, class_index]
    return a.numpy().astype(np.float64), tape.gradient(score, a).numpy().astype(np.float64)
