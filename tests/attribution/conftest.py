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


def softmax(z):
    """The probabilities of logits z (last axis), in float64."""
    z = np.asarray(z, np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def pixel_gradient(model, images, class_index):
    """d logit_c / d pixels of a batch, taken here with a GradientTape."""
    with tf.GradientTape() as tape:
        x = tf.constant(np.asarray(images, np.float32))
        tape.watch(x)
        score = model(x)[:, class_index]
    return tape.gradient(score, x).numpy().astype(np.float64)


def guided_by_hand(model, image, class_index):
    """Springenberg et al.: back through the ReLU only where its input was positive and the
    gradient arriving is positive (the small model's one ReLU is in "features")."""
    kernel, bias = model.get_layer("features").get_weights()
    rest = keras.Model(model.get_layer("pooled").input, model.output)
    x = tf.constant(image[None])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        pre = tf.nn.conv2d(x, kernel, 1, "SAME") + bias
        a = tf.nn.relu(pre)
        tape.watch(a)
        score = rest(a)[:, class_index]
    upstream = tape.gradient(score, a)
    gated = upstream * tf.cast((pre > 0) & (upstream > 0), tf.float32)
    return tape.gradient(pre, x, output_gradients=gated).numpy()[0].astype(np.float64)
