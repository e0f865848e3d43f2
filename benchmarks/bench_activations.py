"""Intermediate activations: activation model, channel grids, the ActivationBrowser.

Each figure is measured next to a reference doing the same work:
- ``get_activations`` (every feature-map layer, one image) vs ONE plain forward pass of the
  same network (the cheapest thing that computes those activations at all); the lecture's
  ``activation_model.predict(x)`` is reported in the note.
- ``channel_grid`` vs the lecture's Python loop over channels.
- ActivationBrowser redraw: absolute target (< 0.5 s).
"""

from __future__ import annotations

import math
import time

import numpy as np

import lecture_helpers as lh
from benchmarks.common import Result, best_time, interleaved_best
from lecture_helpers._quiet import tf


def _activation_ratio(name: str, model, target: float) -> Result:
    keras_model = lh.zoo.get_keras_model(model)
    am = lh.activation_model(model)
    x = am.prepare(lh.sample_image("cat"))
    spec = tf.TensorSpec((None, *keras_model.input.shape[1:]), tf.float32)
    plain_forward = tf.function(lambda t: keras_model(t, training=False), input_signature=[spec])
    x_tensor = tf.constant(x)
    times = interleaved_best(
        {
            "plain": lambda: np.asarray(plain_forward(x_tensor)),
            "ours": lambda: lh.get_activations(am, x),
        },
        repeat=10,
    )
    lecture = best_time(lambda: am.model.predict(x, verbose=0), repeat=5, warmup=1)
    ratio = times["ours"] / times["plain"]
    return Result(
        name=f"get_activations, {name}, {len(am.layer_names)} layers, 1 image {x.shape[1]} px",
        value=times["ours"] * 1e3,
        unit="ms",
        target=f"<= {target}x one plain forward pass",
        ok=ratio <= target,
        reference=times["plain"] * 1e3,
        ratio=ratio,
        note=f"lecture's activation_model.predict: {lecture * 1e3:.1f} ms",
    )


def _loop_channel_grid(activation: np.ndarray, cols: int = 16, padding: int = 1) -> np.ndarray:
    """The lecture's recipe: preallocate the grid, then fill it channel by channel."""
    height, width, channels = activation.shape
    rows = math.ceil(channels / cols)
    grid = np.ones((rows * (height + padding) - padding, cols * (width + padding) - padding))
    for row in range(rows):
        for col in range(cols):
            index = row * cols + col
            if index >= channels:
                break
            channel = activation[:, :, index].astype(np.float64)
            low, high = channel.min(), channel.max()
            channel = (channel - low) / (high - low) if high > low else np.zeros_like(channel)
            top, left = row * (height + padding), col * (width + padding)
            grid[top : top + height, left : left + width] = channel
    return grid


def _channel_grid() -> Result:
    activation = np.maximum(
        np.random.default_rng(0).normal(size=(15, 15, 128)), 0
    ).astype(np.float32)
    np.testing.assert_allclose(
        lh.channel_grid(activation), _loop_channel_grid(activation), atol=1e-6
    )
    times = interleaved_best(
        {
            "loop": lambda: _loop_channel_grid(activation),
            "ours": lambda: lh.channel_grid(activation),
        },
        repeat=50,
    )
    return Result(
        name="channel_grid, 15x15x128 (conv2d_3)",
        value=times["ours"] * 1e3,
        unit="ms",
        target="< 5 ms",
        ok=times["ours"] < 5e-3,
        reference=times["loop"] * 1e3,
        ratio=times["ours"] / times["loop"],
        note="reference: the lecture's loop over channels",
    )


def _browser() -> list[Result]:
    small = lh.lecture_small_convnet()
    photos = {name: lh.sample_image(name) for name in ("cat", "dog", "kitten")}
    browser = lh.widgets.ActivationBrowser(small, photos)
    layers = list(browser.layer_dropdown.options)

    def change_layer_and_channel() -> None:  # every layer and view once, activations cached
        for layer in layers:
            browser.layer_dropdown.value = layer
            for whole in (False, True):
                browser.whole_layer.value = whole
        browser.channel_input.value = 1 - browser.channel_input.value

    def change_image_uncached() -> None:  # a photo never seen: forward pass + redraw
        browser._activations.clear()
        browser.image_dropdown.value = "dog" if browser.image_dropdown.value != "dog" else "cat"

    events = 2 * len(layers) + 1
    worst_layer = max(
        _timed(lambda layer=layer: _select(browser, layer)) for layer in layers for _ in range(3)
    )
    per_event = best_time(change_layer_and_channel, repeat=3) / events
    new_image = best_time(change_image_uncached, repeat=5)
    browser.layer_dropdown.value = layers[0]
    browser.whole_layer.value = True
    largest = best_time(browser.redraw, repeat=5)
    return [
        Result(
            name="ActivationBrowser redraw (small convnet), mean over layer/toggle/slider events",
            value=per_event * 1e3,
            unit="ms",
            target="< 500 ms",
            ok=per_event < 0.5,
            note=f"slowest single layer switch {worst_layer * 1e3:.0f} ms",
        ),
        Result(
            name="ActivationBrowser redraw, largest view (conv2d_0, 32 tiles of 148x148)",
            value=largest * 1e3,
            unit="ms",
            target="< 500 ms",
            ok=largest < 0.5,
        ),
        Result(
            name="ActivationBrowser new photo (forward pass + redraw)",
            value=new_image * 1e3,
            unit="ms",
            target="< 500 ms",
            ok=new_image < 0.5,
        ),
    ]


def _select(browser, layer: str) -> None:
    browser.layer_dropdown.value = layer


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run() -> list[Result]:
    lh.seed_everything(0)
    return [
        _activation_ratio("efficientnet_lite0", lh.load_model("efficientnet_lite0"), 1.3),
        _activation_ratio("lecture small convnet", lh.lecture_small_convnet(), 2.0),
        _channel_grid(),
        *_browser(),
    ]
