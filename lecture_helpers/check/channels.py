"""Exercises of notebook 1, "01_channels": the activations of a small convnet as pictures.

All three come from the slide "Guided Demonstration: Visualize Channels", in the notebook's
order (their numbers, titles and slide: ``table.py``):

* ``prepare_image_for_display(img)``: any float image as uint8 pixels (norm 'max');
* ``activation_model(model, layer_names)``: one Keras model with an output per layer;
* ``channel_grid(activation, cols)``: every channel of a layer as a tile of one grid.

The functions named like the exercises are the reference solutions; each exercise's cases,
comparison and hints are in the module named after it (``_channel_grid.py``, ...).  The cases
use the slide's small convnet (untrained, with fixed weights), a tiny two-branch model and
small seeded arrays, so that one check answers in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._activation_model import (
    _activation_model_cases,
    _compare_activation_model,
    _explain_activation_model,
    _observe_activation_model,
)
from ._channel_grid import _channel_grid_cases, _compare_channel_grid, _explain_channel_grid
from ._channels_common import _small_convnet as _small_convnet  # tests/test_init.py reads it
from ._core import Exercise
from ._prepare_image_for_display import (
    _compare_display,
    _display_cases,
    _explain_display,
    _observe_display,
)
from .table import listed

__all__ = ["EXERCISES", "activation_model", "channel_grid", "prepare_image_for_display"]

# ---------------------------------------------------------------------------
# The reference solutions


def activation_model(model: Any, layer_names: Sequence[str]) -> Any:
    """A keras.Model with ``model``'s input and one output per name, in the order given."""
    import keras

    lay_outputs = [model.get_layer(name).output for name in layer_names]
    return keras.Model(inputs=model.input, outputs=lay_outputs)


def channel_grid(activation: Any, cols: int) -> np.ndarray:
    """Channel k of an (H, W, C) activation as the tile at row k // cols, column k % cols.

    Each channel is scaled to [0, 1] by its own min and max (a dead channel stays 0); the
    grid is (rows*H, cols*W) with rows = ceil(C / cols), no padding, unused tiles 0.
    """
    from ..activations import channel_grid as tile_channels

    return tile_channels(activation, cols, norm="minmax", padding=0, pad_value=0.0)


def prepare_image_for_display(img: Any) -> np.ndarray:
    """An (H, W, 3) uint8 image: negatives to 0, divided by the largest value, times 255."""
    from ..images import prepare_image_for_display as to_pixels

    return to_pixels(img, norm="max")

# ---------------------------------------------------------------------------

EXERCISES: list[Exercise] = [
    listed(
        "prepare_image_for_display",
        reference=prepare_image_for_display,
        cases=_display_cases,
        compare=_compare_display,
        observe=_observe_display,
        explain=_explain_display,
    ),
    listed(
        "activation_model",
        reference=activation_model,
        cases=_activation_model_cases,
        compare=_compare_activation_model,
        observe=_observe_activation_model,
        explain=_explain_activation_model,
    ),
    listed(
        "channel_grid",
        reference=channel_grid,
        cases=_channel_grid_cases,
        compare=_compare_channel_grid,
        explain=_explain_channel_grid,
    ),
]
