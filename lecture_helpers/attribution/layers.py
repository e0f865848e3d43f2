"""The layer a CAM method reads: valid choices, the default, and a short menu."""

from __future__ import annotations

import keras
import numpy as np

from ..modelview import view
from ..zoo import ZooModel

_CAM_PURPOSE = "class activation maps need a convolutional layer"


def cam_layers(model: ZooModel | keras.Model) -> list[str]:
    """Names (paths, ``base/layer`` inside nested models) of the layers with a 4-D output,
    i.e. the valid ``layer=`` choices for the CAM methods, input side first."""
    return view(model).spatial_layers()


def resolve_cam_layer(model: ZooModel | keras.Model, layer: str | None = None) -> str:
    """The full path of the layer a CAM method will use (validated).

    ``None`` → the model's last convolutional layer (a zoo model's ``last_conv_layer``,
    else the last layer with a 4-D output, found inside nested models too).  A plain name
    that is not at the top level but exists once inside a nested model is accepted.
    """
    model_view = view(model)
    if layer is None:
        return model_view.last_conv_layer()
    return model_view.feature_layer(layer, _CAM_PURPOSE)


def cam_layer_choices(
    model: ZooModel | keras.Model, size: tuple[int, int] | None = None, max_layers: int = 5
) -> list[str]:
    """A short menu of layers for CAMs, deepest first: the model's last conv layer, then
    the last layer (a block's output where the names show it) at each spatial resolution,
    coarse to fine (one forward pass of a zero image at ``size`` measures them)."""
    model_view = view(model)
    last = resolve_cam_layer(model)
    paths = cam_layers(model)
    if len(paths) < 2:
        return [last]
    if size is None:
        size = model_view.target_size((224, 224))
    shapes = [
        tuple(o.shape[1:3])
        for o in model_view.probe(paths)(np.zeros((1, *size, model_view.channels), np.float32))
    ]
    last_at: dict[tuple, str] = {}
    block_output_at: dict[tuple, str] = {}  # EfficientNet/MobileNet names: a block's output
    for path, shape in zip(paths, shapes, strict=True):
        last_at[shape] = path
        if path.endswith(("_add", "_project_bn")):
            block_output_at[shape] = path
    last_at.update(block_output_at)
    chosen = [last]
    for shape in sorted(last_at, key=lambda hw: hw[0] * hw[1]):
        if last_at[shape] not in chosen:
            chosen.append(last_at[shape])
    return chosen[:max_layers]
