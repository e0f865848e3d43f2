"""Exercises of notebook 1, "01_channels": the activations of a small convnet as pictures.

All three come from the slide "Guided Demonstration: Visualize Channels":

* 1.1 ``activation_model(model, layer_names)``: one Keras model with an output per layer;
* 1.2 ``channel_grid(activation, cols)``: every channel of a layer as a tile of one grid;
* 1.3 ``prepare_image_for_display(img)``: any float image as uint8 pixels (norm 'max').

The functions named like the exercises are the reference solutions.  The cases use the
slide's small convnet (untrained, with fixed weights), a tiny two-branch model and small
seeded arrays, so that one check answers in well under a second.
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._core import Case, Exercise, call

NOTEBOOK = "01_channels"
SLIDE = "Guided Demonstration: Visualize Channels"

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
# Shared helpers


def _num(value: float) -> str:
    """A number with 3 significant digits, as a student reads it (37.2, 0.31, 300)."""
    return f"{float(value):.3g}"


def _describe(value: Any) -> str:
    """What a returned value is, in a few words ("a list of 8 KerasTensor")."""
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)):
        kinds = sorted({type(v).__name__ for v in value})
        return f"a {type(value).__name__} of {len(value)} {'/'.join(kinds) or 'items'}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


@functools.lru_cache(maxsize=1)
def _small_convnet() -> Any:
    """The slide's small convnet (150x150), with fixed glorot-uniform weights and zero biases."""
    from ..zoo import lecture_small_convnet

    model = lecture_small_convnet()
    rng = np.random.default_rng(1)
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        kernel = weights[0]
        receptive = int(np.prod(kernel.shape[:-2])) if kernel.ndim > 2 else 1
        fan_in, fan_out = receptive * kernel.shape[-2], receptive * kernel.shape[-1]
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        new = [rng.uniform(-limit, limit, kernel.shape).astype("float32")]
        new += [np.zeros(w.shape, "float32") for w in weights[1:]]
        layer.set_weights(new)
    return model


@functools.lru_cache(maxsize=1)
def _kitten() -> np.ndarray:
    """The sample photo "kitten", 150x150, pixel values in [0, 255] as loaded, batch axis."""
    from ..images import sample_image

    return sample_image("kitten", 150).astype("float32")[None]


# ---------------------------------------------------------------------------
# 1.2 activation_model


@functools.lru_cache(maxsize=1)
def _two_branch_model() -> Any:
    """A tiny Functional model: two branches from the input that merge, then a head."""
    import keras
    from keras import layers

    def init(seed: int) -> Any:
        return keras.initializers.GlorotUniform(seed=seed)

    inputs = keras.Input(shape=(12, 12, 3), name="photo")
    left = layers.Conv2D(4, 3, padding="same", activation="relu", name="left",
                         kernel_initializer=init(1))(inputs)
    right = layers.Conv2D(4, 1, activation="relu", name="right",
                          kernel_initializer=init(2))(inputs)
    merged = layers.Add(name="merge")([left, right])
    top = layers.Conv2D(6, 3, activation="relu", name="top", kernel_initializer=init(3))(merged)
    pooled = layers.GlobalAveragePooling2D(name="pool")(top)
    score = layers.Dense(2, name="score", kernel_initializer=init(4))(pooled)
    return keras.Model(inputs, score, name="two_branches")


def _seeded_image(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 1.0, shape).astype("float32")


@functools.lru_cache(maxsize=4)
def _activation_model_cases() -> tuple[Case, ...]:
    convnet = _small_convnet()
    top8 = [layer.name for layer in convnet.layers[1:9]]  # the slide's "top 8 layers"
    branches = _two_branch_model()
    return (
        Case(
            "the slide's small convnet, its top 8 layers",
            (convnet, top8),
            info={"image": _seeded_image((1, 150, 150, 3), 0)},
        ),
        Case(
            "a model with two branches that merge, names not in layer order",
            (branches, ["top", "right", "merge", "left"]),
            info={"image": _seeded_image((1, 12, 12, 3), 1)},
        ),
        Case(
            "one layer name, 'conv2d_2'",
            (convnet, ["conv2d_2"]),
            info={"image": _seeded_image((1, 150, 150, 3), 2)},
        ),
    )


def _outputs_as_list(outputs: Any) -> list[np.ndarray]:
    if isinstance(outputs, dict):
        outputs = list(outputs.values())
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [np.asarray(o) for o in outputs]


def _observe_activation_model(function: Any, case: Case) -> dict[str, Any]:
    """Build the model, then run it on the case's image: its outputs as arrays."""
    import keras

    result = call(function, case)
    if not isinstance(result, keras.Model):
        return {"model": False, "what": _describe(result)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "the structure of inputs doesn't match" notices
        outputs = _outputs_as_list(result(case.info["image"], training=False))
    return {"model": True, "outputs": outputs}


@functools.lru_cache(maxsize=4)
def _every_layer(case_name: str) -> dict[str, np.ndarray]:
    """Every layer's activation on the case's image, by name, in layer order."""
    import keras

    case = next(c for c in _activation_model_cases() if c.name == case_name)
    model = case.args[0]
    names = [layer.name for layer in model.layers]
    every = keras.Model(model.inputs, [model.get_layer(n).output for n in names])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = _outputs_as_list(every(case.info["image"], training=False))
    return dict(zip(names, outputs, strict=True))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-6)
    return bool(np.allclose(a, b, rtol=1e-3, atol=1e-3 * scale))


def _which_layer(
    output: np.ndarray, every: dict[str, np.ndarray], prefer: Sequence[str]
) -> str | None:
    """The layer whose activation the output is (preferring the names in ``prefer``)."""
    matches = [name for name, value in every.items() if _same(output, value)]
    for name in prefer:
        if name in matches:
            return name
    return matches[0] if matches else None


def _compare_activation_model(case: Case, got: dict, expected: dict) -> str | None:
    names = case.args[1]
    if not got["model"]:
        return (
            f"activation_model returned {got['what']}, not a keras.Model: "
            "return keras.Model(inputs=model.input, outputs=lay_outputs)"
        )
    outputs, wanted = got["outputs"], expected["outputs"]
    if len(outputs) != len(wanted):
        count = len(outputs)
        return (
            f"your model has {count} output{'s' if count != 1 else ''}; it needs one per name "
            f"in layer_names ({len(wanted)})"
        )
    if all(_same(o, w) for o, w in zip(outputs, wanted, strict=True)):
        return None
    every = _every_layer(case.name)
    shown = [_which_layer(o, every, [n]) for o, n in zip(outputs, names, strict=True)]
    if None not in shown and sorted(shown) == sorted(names):
        i = next(i for i, (s, n) in enumerate(zip(shown, names, strict=True)) if s != n)
        return (
            f"the outputs are in another order: output {i} is layer '{shown[i]}', not "
            f"'{names[i]}'; keep the order of layer_names"
        )
    for i, (output, name) in enumerate(zip(outputs, names, strict=True)):
        if _same(output, wanted[i]):
            continue
        if shown[i] is not None:
            return (
                f"output {i} is the activation of layer '{shown[i]}', not of '{name}': take "
                "model.get_layer(name).output for each name in layer_names"
            )
        if output.shape != wanted[i].shape:
            return (
                f"output {i} has shape {output.shape}, but the activation of layer '{name}' "
                f"has shape {wanted[i].shape}"
            )
        worst = np.unravel_index(np.argmax(np.abs(output - wanted[i])), output.shape)
        return (
            f"output {i} is not the activation of layer '{name}': value at "
            f"{tuple(map(int, worst))} is {_num(output[worst])}, expected {_num(wanted[i][worst])}"
        )
    return None  # pragma: no cover - some output differed above


def _explain_activation_model(error: BaseException, case: Case) -> str | None:
    text = str(error)
    if "not connected" in text or "disconnected" in text.lower():
        return (
            "Build the new model on the original model's input, inputs=model.input: "
            "a new keras.Input is not connected to the layers' outputs"
        )
    if "must be KerasTensors" in text:
        return (
            "The outputs must be the layers' outputs, not the layers: "
            "model.get_layer(name).output"
        )
    if isinstance(error, ValueError) and "No such layer" in text:
        return "Use the names in layer_names exactly, with model.get_layer(name)"
    return None


# ---------------------------------------------------------------------------
# 1.3 channel_grid


def _pre_relu(shape: tuple[int, int, int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 6.0, shape).astype("float32")


@functools.lru_cache(maxsize=4)
def _channel_grid_cases() -> tuple[Case, ...]:
    import keras

    convnet = _small_convnet()
    probe = keras.Model(convnet.inputs, [convnet.get_layer(n).output
                                         for n in ("conv2d_0", "conv2d_1")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "the structure of inputs doesn't match" notices
        conv0, conv1 = (np.asarray(a)[0] for a in probe(_kitten(), training=False))

    rng = np.random.default_rng(3)
    ten = np.maximum(rng.normal(0.5, 1.0, (6, 6, 10)), 0).astype("float32")
    ten[..., 3] *= 37.2 / ten[..., 3].max()  # a channel far above 1
    wide = np.maximum(_pre_relu((5, 8, 6), 4), 0)
    dead = np.maximum(_pre_relu((6, 6, 8), 5), 0)
    dead[..., 2] = 0.0  # dead ReLU channels
    dead[..., 5] = 0.0
    dead[..., 6] = 3.0  # constant, not zero
    signed = _pre_relu((7, 7, 12), 6)
    signed[..., 1] += 30.0  # channels whose min is above 0
    signed[..., 4] = np.abs(signed[..., 4]) + 2.5
    signed[..., 3] *= 37.2 / np.abs(signed[..., 3]).max()

    def case(name: str, activation: np.ndarray, cols: int) -> Case:
        return Case(name, (np.ascontiguousarray(activation, dtype="float32"), cols))

    return (
        case("layer conv2d_0 on the kitten photo, 32 channels in 16 columns", conv0, 16),
        case("10 channels in 4 columns", ten, 4),
        case("layer conv2d_1 on the kitten photo, 64 channels in 10 columns", conv1, 10),
        case("a 5x8 (H x W) activation, 6 channels in 4 columns", wide, 4),
        case("dead channels 2 and 5 (all 0) and a constant channel 6 (all 3.0)", dead, 4),
        case("values before the ReLU: negative values, channels with min > 0", signed, 5),
    )


def _minmax(channel: np.ndarray) -> np.ndarray:
    low, high = channel.min(), channel.max()
    return (channel - low) / (high - low) if high > low else np.zeros_like(channel)


def _tiles(grid: np.ndarray, rows: int, cols: int, height: int, width: int) -> np.ndarray:
    """(rows*cols, H, W): tile t is at row t // cols, column t % cols."""
    return grid.reshape(rows, height, cols, width).transpose(0, 2, 1, 3).reshape(-1, height, width)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-3, atol=1e-3))


def _grid_layout(
    tiles: np.ndarray, normalized: np.ndarray, position: Any
) -> bool:
    """Does every tile hold the channel ``position(tile)`` gives (None: an empty tile)?"""
    for t, tile in enumerate(tiles):
        k = position(t)
        target = np.zeros_like(tile) if k is None else normalized[k]
        if not _close(tile, target):
            return False
    return True


def _compare_channel_grid(case: Case, got: Any, expected: Any) -> str | None:
    activation = np.asarray(case.args[0], dtype="float64")
    cols = int(case.args[1])
    height, width, count = activation.shape
    rows = math.ceil(count / cols)
    want = (rows * height, cols * width)
    try:
        grid = np.asarray(got, dtype="float64")
    except (TypeError, ValueError):
        return f"channel_grid returned {_describe(got)}, expected a 2-D array of shape {want}"
    if grid.ndim != 2:
        return (
            f"channel_grid returned {_describe(grid)}, expected a 2-D grid "
            f"(rows*H, cols*W) = {want}"
        )
    if grid.shape != want:
        if count % cols and grid.shape == ((count // cols) * height, cols * width):
            return _rows_hint(count, cols)
        if height != width and grid.shape == (rows * width, cols * height):
            return _hw_hint(height, width)
        if rows != cols and grid.shape in ((cols * width, rows * height),
                                           (cols * height, rows * width)):
            return (
                f"rows and columns swapped: the grid has shape {grid.shape}, expected "
                f"(rows*H, cols*W) = {want}; channel k goes at row k // cols, column k % cols"
            )
        return f"grid has shape {grid.shape}, expected (rows*H, cols*W) = {want}"

    normalized = np.stack([_minmax(activation[..., k]) for k in range(count)])
    tiles = _tiles(grid, rows, cols, height, width)
    constant = [bool(activation[..., k].max() == activation[..., k].min()) for k in range(count)]

    if np.isnan(grid).any():
        t = int(next(t for t in range(len(tiles)) if np.isnan(tiles[t]).any()))
        if t < count and constant[t]:
            value = activation[..., t].flat[0]
            what = "a dead channel" if value == 0 else f"all {_num(value)}"
            return (
                f"channel {t} is constant ({what}) and its tile is NaN: "
                "when max == min leave the tile at 0"
            )
        return f"tile {t} has NaN values"
    if grid.max() > 1.5 and _close(grid / 255.0, np.asarray(expected, dtype="float64")):
        return f"values up to {_num(grid.max())}: the grid should be in [0, 1]"

    def column_major(t: int) -> int | None:  # the swapped layout: row k % rows, column k // rows
        r, c = divmod(t, cols)
        k = c * rows + r
        return k if k < count else None

    def row_major(t: int) -> int | None:
        return t if t < count else None

    if rows > 1 and not _grid_layout(tiles, normalized, row_major) and _grid_layout(
        tiles, normalized, column_major
    ):
        t = next(t for t in range(len(tiles)) if column_major(t) != row_major(t))
        shown = column_major(t)
        what = f"shows channel {shown}" if shown is not None else "is empty"
        return (
            f"rows and columns swapped: tile {t} (row {t // cols}, column {t % cols}) {what}; "
            "channel k goes at row k // cols, column k % cols"
        )

    for k in range(count):
        mistake = _tile_mistake(tiles[k], k, activation, normalized, constant[k])
        if mistake:
            return mistake
    if np.any(tiles[count:] != 0):
        return "the unused tiles of the last row are not 0: preallocate with np.zeros"
    reference = np.asarray(expected, dtype="float64")
    if not _close(grid, reference):  # pragma: no cover - the tiles above cover the grid
        y, x = np.unravel_index(np.argmax(np.abs(grid - reference)), grid.shape)
        return f"value at ({y}, {x}) is {_num(grid[y, x])}, expected {_num(reference[y, x])}"
    return None


def _tile_mistake(
    tile: np.ndarray, k: int, activation: np.ndarray, normalized: np.ndarray, constant: bool
) -> str | None:
    """Why tile k does not show channel k scaled to [0, 1] (None: it does)."""
    if _close(tile, normalized[k]):
        return None
    raw = activation[..., k]
    if constant:
        return (
            f"channel {k} is constant (a dead channel, all {_num(raw.flat[0])}): its tile "
            f"should stay 0, yours has values up to {_num(tile.max())}"
        )
    if _close(tile, normalized[k].T):
        return (
            f"channel {k}'s tile is transposed (its height and width swapped): the tile is "
            "activation[:, :, k] as it is, H x W"
        )
    shown = next((j for j in range(len(normalized)) if _close(tile, normalized[j])), None)
    if shown is not None:
        return (
            f"tile {k} shows channel {shown}, not channel {k}: channel k goes at row k // cols, "
            "column k % cols"
        )
    if _close(tile, raw):
        return (
            f"channel {k} is not normalized: values from {_num(raw.min())} to "
            f"{_num(raw.max())}; scale it to [0, 1] by its own min and max"
        )
    low, high = activation.min(), activation.max()
    if high > low and _close(tile, (raw - low) / (high - low)):
        return (
            f"the channels are scaled together (one min and max for the whole layer): "
            f"channel {k}'s tile peaks at {_num(tile.max())}; scale each channel by its own "
            "min and max"
        )
    if tile.min() < -1e-3:  # e.g. divided by the max only
        return (
            f"channel {k}'s tile has values below 0, down to {_num(tile.min())}: subtract "
            "the channel's min first, (a - min) / (max - min)"
        )
    if tile.min() > 1e-3:
        return (
            f"channel {k}'s tile starts at {_num(tile.min())}, not 0: subtract the channel's "
            "min first, (a - min) / (max - min)"
        )
    y, x = np.unravel_index(np.argmax(np.abs(tile - normalized[k])), tile.shape)
    return (
        f"channel {k}'s tile differs: at ({y}, {x}) in the tile it is {_num(tile[y, x])}, "
        f"expected {_num(normalized[k][y, x])}"
    )


def _rows_hint(count: int, cols: int) -> str:
    rows = math.ceil(count / cols)
    return f"{count} channels in {cols} columns need {rows} rows: rows = ceil(C / cols)"


def _hw_hint(height: int, width: int) -> str:
    return (
        f"height and width swapped: your tiles are W x H = {width} x {height}, a tile is "
        f"H x W = {height} x {width} (H, W, C = activation.shape)"
    )


_BROADCAST = re.compile(r"from shape \(([\d, ]*)\) into shape \(([\d, ]*)\)")


def _shape(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in text.replace(" ", "").split(",") if n)


def _explain_channel_grid(error: BaseException, case: Case) -> str | None:
    height, width, count = np.shape(case.args[0])
    cols = int(case.args[1])
    match = _BROADCAST.search(str(error))
    if not match:
        return None
    source, target = _shape(match.group(1)), _shape(match.group(2))
    if source in ((width, count), (height, count)) and source != (height, width):
        return (
            "a channel is activation[:, :, k] (H x W); activation[k] is one row of the "
            "activation, W x C values"
        )
    if height != width and source == (height, width) and target == (width, height):
        return _hw_hint(height, width)
    if source == (height, width) and len(target) == 2 and (
        target[0] < height or target[1] < width
    ):
        local = _student_locals(error)
        if count % cols and local.get("rows", count // cols) == count // cols:
            return _rows_hint(count, cols)
        return (
            "a tile falls outside the grid: channel k goes at row k // cols, column k % cols "
            "(rows and columns swapped?)"
        )
    return None


def _student_locals(error: BaseException) -> dict[str, Any]:
    """The local variables of the innermost frame of the student's code, if any."""
    tb, found = error.__traceback__, {}
    while tb is not None:
        if "lecture_helpers" not in tb.tb_frame.f_code.co_filename:
            found = tb.tb_frame.f_locals
        tb = tb.tb_next
    return {k: v for k, v in found.items() if isinstance(v, (int, np.integer))}


# ---------------------------------------------------------------------------
# 1.1 prepare_image_for_display


@functools.lru_cache(maxsize=4)
def _display_cases() -> tuple[Case, ...]:
    import tensorflow as tf

    rng = np.random.default_rng(7)
    bright = rng.uniform(20.0, 300.0, (1, 8, 8, 3))
    bright.flat[5] = 300.0
    photo = rng.uniform(0.0, 255.0, (1, 8, 8, 3))
    photo *= 230.0 / photo.max()
    unit = rng.uniform(0.0, 1.0, (8, 8, 3))
    unit *= 0.98 / unit.max()
    tensor = rng.uniform(0.0, 180.0, (1, 8, 8, 3)).astype("float32")
    signed = rng.normal(3.0, 8.0, (6, 6, 3))
    signed.flat[:2] = (37.2, -5.0)
    signed = np.clip(signed, -5.0, 37.2)
    return (
        Case("a (1, 8, 8, 3) float image with values from 20 to 300", (bright,)),
        Case("a (1, 8, 8, 3) float image in [0, 255]", (photo,)),
        Case("an (8, 8, 3) image in [0, 1]", (unit,)),
        Case("a (1, 8, 8, 3) tf.Tensor", (tf.constant(tensor),), info={"tensor": True}),
        Case("an activation-like array with negatives, max 37.2", (signed,)),
        Case("an all-zero (black) image", (np.zeros((1, 8, 8, 3)),), info={"black": True}),
    )


def _observe_display(function: Any, case: Case) -> dict[str, Any]:
    """The result and the RuntimeWarnings (0/0, invalid cast) the function raised."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(
        divide="warn", invalid="warn"
    ):
        warnings.simplefilter("always")
        result = call(function, case)
    found = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    return {"result": result, "warnings": found}


def _as_uint8(values: np.ndarray) -> np.ndarray:
    """astype('uint8') as the student's code does it (wrapping), without the warning."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return values.astype("uint8")


def _within_one(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and int(np.abs(a.astype(int) - b.astype(int)).max(initial=0)) <= 1


def _compare_display(case: Case, got: dict, expected: dict) -> str | None:
    image = np.asarray(case.args[0], dtype="float64")
    image = image[0] if image.ndim == 4 else image
    result, reference = got["result"], expected["result"]
    try:
        pixels = np.asarray(result)
    except (TypeError, ValueError):
        pixels = np.asarray(None)
    if pixels.dtype == object or pixels.ndim == 0:
        return f"returns {_describe(result)}, expected an (H, W, 3) array of uint8"
    if pixels.shape == (1, *reference.shape):
        return f"shape {pixels.shape}: drop the batch axis"
    if pixels.shape != reference.shape:
        return f"shape {pixels.shape}, expected (H, W, 3) = {reference.shape}"
    if case.info.get("black") and (got["warnings"] or pixels.any()):
        return "a black image must stay black: divide only when the max is > 0"
    if pixels.dtype != np.uint8:
        return f"returns {pixels.dtype}: return new_img.astype('uint8')"
    if _within_one(pixels, reference):
        return None

    top = np.unravel_index(np.argmax(image), image.shape)
    if _within_one(pixels, _as_uint8(image)) or _within_one(
        pixels, _as_uint8(np.clip(image, 0, None))
    ):
        if image[top] > 255:
            return (
                f"pixel values wrapped around: {_num(image[top])} became {pixels[top]}; "
                "scale to [0, 255] before astype('uint8')"
            )
        return (
            f"pixel values not scaled: the largest value {_num(image[top])} became "
            f"{pixels[top]}, not 255; divide by the max and multiply by 255"
        )
    if pixels.max() <= 1:
        return f"the largest value became {pixels.max()}, not 255: multiply by 255"
    low, high = image.min(), image.max()
    if high > low and low != 0:
        stretched = (image - low) / (high - low) * 255.0
        if _within_one(pixels, _as_uint8(stretched)) or _within_one(
            pixels, _as_uint8(stretched + 0.5)
        ):
            return (
                f"you stretched [min, max] = [{_num(low)}, {_num(high)}] to [0, 255] (min-max); "
                "norm 'max' divides by the max only, so 0 stays 0"
            )
    peaks = np.clip(image, 0, None).max(axis=(0, 1))
    if np.all(peaks > 0) and np.ptp(peaks) > 0:
        each = np.clip(image, 0, None) / peaks * 255.0
        if _within_one(pixels, _as_uint8(each)) or _within_one(pixels, _as_uint8(each + 0.5)):
            return (
                "each colour channel scaled on its own: colours change; divide by the max of "
                "the whole image"
            )
    wrapped = (image < 0) & (pixels > 1)
    if wrapped.any():
        where = np.unravel_index(np.argmin(np.where(wrapped, image, np.inf)), image.shape)
        return (
            f"negative values wrapped around: {_num(image[where])} became {pixels[where]}; "
            "clip negatives to 0 first"
        )
    worst = np.unravel_index(
        np.argmax(np.abs(pixels.astype(int) - reference.astype(int))), pixels.shape
    )
    return (
        f"pixel {tuple(map(int, worst))} is {pixels[worst]}, expected {reference[worst]} "
        f"(input value {_num(image[worst])})"
    )


def _explain_display(error: BaseException, case: Case) -> str | None:
    if case.info.get("tensor") and isinstance(error, (AttributeError, TypeError)):
        return (
            "img is a tf.Tensor here, which has no .max() or .astype(): convert it with "
            "np.asarray(img) first"
        )
    return None


# ---------------------------------------------------------------------------

EXERCISES: list[Exercise] = [
    Exercise(
        key="prepare_image_for_display",
        number="1.1",
        notebook=NOTEBOOK,
        title="An image for display",
        slide=SLIDE,
        signature="prepare_image_for_display(img)",
        reference=prepare_image_for_display,
        cases=_display_cases,
        compare=_compare_display,
        observe=_observe_display,
        explain=_explain_display,
    ),
    Exercise(
        key="activation_model",
        number="1.2",
        notebook=NOTEBOOK,
        title="A model with many outputs",
        slide=SLIDE,
        signature="activation_model(model, layer_names)",
        reference=activation_model,
        cases=_activation_model_cases,
        compare=_compare_activation_model,
        observe=_observe_activation_model,
        explain=_explain_activation_model,
    ),
    Exercise(
        key="channel_grid",
        number="1.3",
        notebook=NOTEBOOK,
        title="The channel grid",
        slide=SLIDE,
        signature="channel_grid(activation, cols)",
        reference=channel_grid,
        cases=_channel_grid_cases,
        compare=_compare_channel_grid,
        explain=_explain_channel_grid,
    ),
]
