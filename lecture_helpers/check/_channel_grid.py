"""The checks of ``channel_grid(activation, cols)``: cases, comparison and hints.

The cases: two layers of the slide's small convnet on the kitten photo, and small seeded
activations whose channel counts leave the last row part-empty, with dead and constant
channels, a non-square H x W and values before the ReLU.  A wrong grid is named by its shape,
then by its layout (rows and columns swapped), then tile by tile.
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from typing import Any

import numpy as np

from ._channels_common import _describe, _num, _small_convnet
from ._core import Case


@functools.lru_cache(maxsize=1)
def _kitten() -> np.ndarray:
    """The sample photo "kitten", 150x150, pixel values in [0, 255] as loaded, batch axis."""
    from ..images import sample_image

    return sample_image("kitten", 150).astype("float32")[None]

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
