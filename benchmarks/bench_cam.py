"""Grad-CAM and relatives: cost next to a plain forward pass, batching gains.

- ``grad_cam`` (one image, and a batch of 8) vs ONE plain compiled forward pass of the same
  network on the same input: target <= 1.3x (one forward + a backward pass from the score
  to the conv layer only, compiled once per model and layer). The keras.io recipe (a new
  two-output model and an eager GradientTape per call) is reported in the note.
- ``grad_cam`` on a batch of 8 vs 8 single-image calls.
- Score-CAM batched over channels (chunks of 8) vs one masked image per forward pass.
- Occlusion batched (16 per pass) vs one occluded image per forward pass.
"""

from __future__ import annotations

import keras
import numpy as np

import lecture_helpers as lh
from benchmarks.common import Result, best_time, interleaved_best
from lecture_helpers import cam
from lecture_helpers._quiet import tf


def _keras_io_recipe(zoo, x: np.ndarray) -> np.ndarray:
    """The keras.io Grad-CAM example: model built per call, eager tape."""
    model = zoo.model
    grad_model = keras.Model(
        model.input, [model.get_layer(zoo.last_conv_layer).output, zoo.score_output()]
    )
    with tf.GradientTape() as tape:
        conv, preds = grad_model(x)
        top = tf.argmax(preds[0])
        class_channel = preds[:, top]
    grads = tape.gradient(class_channel, conv)
    pooled = tf.reduce_mean(grads, axis=(0, 1, 2))
    heatmap = tf.squeeze(conv[0] @ pooled[..., tf.newaxis])
    heatmap = tf.maximum(heatmap, 0) / tf.math.reduce_max(heatmap)
    return heatmap.numpy()


def _grad_cam_vs_forward(zoo, batch: int, target: float) -> Result:
    images = [lh.sample_image(n) for n in ("cat", "dog", "coffee", "rocket")] * 2
    x = zoo.preprocess(images[:batch])
    x_tensor = tf.constant(x)
    keras_model = zoo.model
    spec = tf.TensorSpec((None, *keras_model.input.shape[1:]), tf.float32)
    plain_forward = tf.function(lambda t: keras_model(t, training=False), input_signature=[spec])
    times = interleaved_best(
        {
            "plain": lambda: np.asarray(plain_forward(x_tensor)),
            "ours": lambda: lh.grad_cam(zoo, x),
        },
        repeat=5,
    )
    note = ""
    if batch == 1:
        recipe = best_time(lambda: _keras_io_recipe(zoo, x), repeat=5, warmup=1)
        note = f"keras.io recipe (model per call, eager): {recipe * 1e3:.1f} ms"
    ratio = times["ours"] / times["plain"]
    return Result(
        name=f"grad_cam, {zoo.name}, batch {batch} at {x.shape[1]} px",
        value=times["ours"] * 1e3,
        unit="ms",
        target=f"<= {target}x one plain forward pass",
        ok=ratio <= target,
        reference=times["plain"] * 1e3,
        ratio=ratio,
        note=note,
    )


def _batched_vs_single(zoo) -> Result:
    images = [lh.sample_image(n) for n in ("cat", "dog", "coffee", "rocket")] * 2
    x = zoo.preprocess(images)
    times = interleaved_best(
        {
            "batched": lambda: lh.grad_cam(zoo, x),
            "single": lambda: [lh.grad_cam(zoo, x[i : i + 1]) for i in range(len(x))],
        },
        rounds=3,
        repeat=2,
    )
    ratio = times["batched"] / times["single"]
    return Result(
        name=f"grad_cam, batch of {len(x)} vs {len(x)} single calls",
        value=times["batched"] * 1e3,
        unit="ms",
        target="batched not slower (ratio <= 1.0)",
        ok=ratio <= 1.0,
        reference=times["single"] * 1e3,
        ratio=ratio,
    )


def _score_cam_batching(zoo, channels: int = 64) -> Result:
    x = zoo.preprocess(lh.sample_image("cat"))
    times = interleaved_best(
        {
            "batched": lambda: lh.score_cam(zoo, x, channels=channels, batch_size=8),
            "single": lambda: lh.score_cam(zoo, x, channels=channels, batch_size=1),
        },
        rounds=2,
        repeat=1,
    )
    ratio = times["batched"] / times["single"]
    return Result(
        name=f"score_cam, {channels} channels, chunks of 8 vs 1 per pass",
        value=times["batched"] * 1e3,
        unit="ms",
        target="batched faster (ratio < 1.0)",
        ok=ratio < 1.0,
        reference=times["single"] * 1e3,
        ratio=ratio,
        note=f"{times['batched'] / channels * 1e3:.1f} ms per channel batched",
    )


def _occlusion_batching(zoo) -> Result:
    x = zoo.preprocess(lh.sample_image("cat"))
    kwargs = {"patch": 56, "stride": 28}  # 7 x 7 = 49 occluded images
    times = interleaved_best(
        {
            "batched": lambda: lh.occlusion_sensitivity(zoo, x, batch_size=16, **kwargs),
            "single": lambda: lh.occlusion_sensitivity(zoo, x, batch_size=1, **kwargs),
        },
        rounds=2,
        repeat=1,
    )
    ratio = times["batched"] / times["single"]
    return Result(
        name="occlusion, 49 patches, chunks of 16 vs 1 per pass",
        value=times["batched"] * 1e3,
        unit="ms",
        target="batched faster (ratio < 1.0)",
        ok=ratio < 1.0,
        reference=times["single"] * 1e3,
        ratio=ratio,
    )


def _score_cam_top_k_agreement(zoo) -> Result:
    """Not a time: how close top-128 channels come to all 1280 (Spearman rank correlation)."""
    x = zoo.preprocess(lh.sample_image("cat"))
    full = lh.score_cam(zoo, x, channels=None)[0]
    top = lh.score_cam(zoo, x, channels=128)[0]
    rho = lh.spearman_correlation(full, top)
    return Result(
        name="score_cam top-128 channels vs all 1280 (Spearman)",
        value=rho,
        unit="rho",
        target=">= 0.95",
        ok=rho >= 0.95,
    )


def run() -> list[Result]:
    zoo = lh.load_model("efficientnet_lite0")
    cam.cam_engine(zoo)  # build once before timing
    return [
        _grad_cam_vs_forward(zoo, 1, 1.3),
        _grad_cam_vs_forward(zoo, 8, 1.3),
        _batched_vs_single(zoo),
        _score_cam_batching(zoo),
        _occlusion_batching(zoo),
        _score_cam_top_k_agreement(zoo),
    ]
