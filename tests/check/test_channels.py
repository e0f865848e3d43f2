"""The checkers of notebook 1 (01_channels): every listed mistake gets its own hint."""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import lecture_helpers as lh
from lecture_helpers.check import _channels_common, channels
from lecture_helpers.check._core import run as run_exercise

EXERCISES = {exercise.key: exercise for exercise in channels.EXERCISES}


def check(key: str, function, only: int | None = None):
    """Feedback of exercise ``key`` (optionally on case number ``only`` alone)."""
    exercise = EXERCISES[key]
    if only is not None:
        case = exercise.cases()[only]
        exercise = dataclasses.replace(exercise, cases=lambda: [case])
    return run_exercise(exercise, function)


def case_args(key: str, number: int):
    return EXERCISES[key].cases()[number].args


# ---------------------------------------------------------------------------
# Notebook solutions (as written in the notebooks)


def nb_activation_model(model, layer_names):
    lay_outputs = [model.get_layer(name).output for name in layer_names]
    return keras.Model(inputs=model.inputs, outputs=lay_outputs)


def nb_activation_model_input(model, layer_names):
    lay_outputs = [model.get_layer(name).output for name in layer_names]
    return keras.Model(inputs=model.input, outputs=lay_outputs)


def nb_channel_grid(activation, cols):
    H, W, C = activation.shape
    rows = math.ceil(C / cols)
    display_grid = np.zeros((rows * H, cols * W))             # preallocate grid
    for k in range(C):                                          # fill in grid with activations
        channel_image = activation[:, :, k]
        low, high = channel_image.min(), channel_image.max()
        channel_image = (channel_image - low) / (high - low) if high > low else 0 * channel_image
        row, col = k // cols, k % cols
        display_grid[row * H:(row + 1) * H, col * W:(col + 1) * W] = channel_image
    return display_grid


def nb_prepare_image_for_display(img):
    new_img = np.array(img, dtype="float64")        # convert to numpy (a tensor too)
    if new_img.ndim == 4:
        new_img = new_img[0]                          # drop the batch axis
    new_img = np.clip(new_img, 0, None)              # negatives to 0
    if new_img.max() > 0:
        new_img = new_img / new_img.max() * 255       # the largest value becomes 255
    return new_img.astype('uint8')


def vectorized_channel_grid(activation, cols):
    """A loop-free right answer (reshape and transpose)."""
    a = np.asarray(activation, dtype="float64")
    H, W, C = a.shape
    rows = -(-C // cols)
    low, high = a.min(axis=(0, 1)), a.max(axis=(0, 1))
    spread = np.where(high > low, high - low, 1.0)
    tiles = np.where(high > low, (a - low) / spread, 0.0)
    tiles = np.concatenate([tiles, np.zeros((H, W, rows * cols - C))], axis=-1)
    return tiles.reshape(H, W, rows, cols).transpose(2, 0, 3, 1).reshape(rows * H, cols * W)


def truncating_display(img):
    """Truncates instead of rounding: within 1 grey level, accepted."""
    x = np.clip(np.asarray(img, dtype="float32").reshape(np.shape(img)[-3:]), 0, None)
    return (x / x.max() * 255).astype(np.uint8) if x.max() > 0 else x.astype(np.uint8)


SOLUTIONS = [
    ("activation_model", nb_activation_model),
    ("activation_model", nb_activation_model_input),
    ("activation_model", channels.activation_model),
    ("channel_grid", nb_channel_grid),
    ("channel_grid", vectorized_channel_grid),
    ("channel_grid", channels.channel_grid),
    ("prepare_image_for_display", nb_prepare_image_for_display),
    ("prepare_image_for_display", truncating_display),
    ("prepare_image_for_display", channels.prepare_image_for_display),
]


@pytest.mark.parametrize(("key", "function"), SOLUTIONS, ids=lambda v: getattr(v, "__name__", v))
def test_right_solutions_pass(key, function):
    feedback = check(key, function)
    assert feedback.passed, str(feedback)
    assert feedback.cases >= 3


def test_exercises_in_notebook_order():
    assert [e.key for e in channels.EXERCISES] == [
        "prepare_image_for_display", "activation_model", "channel_grid"
    ]
    assert [e.number for e in channels.EXERCISES] == ["1.1", "1.2", "1.3"]
    assert {e.notebook for e in channels.EXERCISES} == {"01_channels"}


def test_grid_reference_is_the_notebook_loop():
    for args in (c.args for c in EXERCISES["channel_grid"].cases()):
        np.testing.assert_allclose(channels.channel_grid(*args), nb_channel_grid(*args), atol=1e-6)


def test_display_reference_rounds_within_one_level():
    for args in (c.args for c in EXERCISES["prepare_image_for_display"].cases()):
        got = channels.prepare_image_for_display(*args).astype(int)
        assert np.abs(got - nb_prepare_image_for_display(*args).astype(int)).max() <= 1


# ---------------------------------------------------------------------------
# Framework behaviour


@pytest.mark.parametrize("key", list(EXERCISES))
def test_stub_is_not_done(key):
    def stub(*args):
        raise NotImplementedError(EXERCISES[key].stub_message)

    feedback = check(key, stub)
    assert feedback.status == "not done"


@pytest.mark.parametrize("key", list(EXERCISES))
def test_not_a_function(key):
    feedback = check(key, 42)
    assert feedback.status == "wrong"
    assert "not a function" in feedback.message


def test_an_error_is_reported_with_its_type():
    def broken(activation, cols):
        return activation.shape + cols  # TypeError

    feedback = check("channel_grid", broken)
    assert feedback.status == "wrong"
    assert feedback.message.startswith("raised TypeError at line")


@pytest.mark.parametrize("key", list(EXERCISES))
def test_the_check_does_not_change_the_cases(key):
    def meddling(*args):
        for value in args:
            if isinstance(value, np.ndarray):
                value[...] = -1.0
            if isinstance(value, list):
                value.sort()
        raise ValueError("meddled")

    def snapshot():
        return [[v.copy() if isinstance(v, (np.ndarray, list)) else v for v in case.args]
                for case in EXERCISES[key].cases()]

    before = snapshot()
    first = check(key, meddling)
    for now, saved in zip(snapshot(), before, strict=True):
        for value, old in zip(now, saved, strict=True):
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(value, old)
            else:
                assert value is old or value == old
    reference = EXERCISES[key].reference
    assert str(check(key, reference)) == str(check(key, reference))
    assert str(check(key, meddling)) == str(first)


# ---------------------------------------------------------------------------
# 1.1 activation_model: the mistakes


def returns_outputs(model, layer_names):
    return [model.get_layer(name).output for name in layer_names]


def forgets_return(model, layer_names):
    keras.Model(inputs=model.inputs, outputs=[model.get_layer(n).output for n in layer_names])


def one_output(model, layer_names):
    return keras.Model(inputs=model.inputs, outputs=model.output)


def sorted_names(model, layer_names):
    return nb_activation_model(model, sorted(layer_names))


def first_layers(model, layer_names):
    lay_outputs = [layer.output for layer in model.layers[: len(layer_names)]]
    return keras.Model(inputs=model.input, outputs=lay_outputs)


def new_input(model, layer_names):
    inputs = keras.Input(shape=model.input.shape[1:])
    return keras.Model(inputs=inputs, outputs=[model.get_layer(n).output for n in layer_names])


def layer_objects(model, layer_names):
    return keras.Model(inputs=model.inputs, outputs=[model.get_layer(n) for n in layer_names])


ACTIVATION_MODEL_MISTAKES = [
    (returns_outputs, [
        "activation_model returned a list of 8 KerasTensor, not a keras.Model",
        "return keras.Model(inputs=model.input, outputs=lay_outputs)",
    ]),
    (forgets_return, ["returned None, not a keras.Model"]),
    (one_output, ["your model has 1 output; it needs one per name in layer_names (8)"]),
    (sorted_names, [
        "output 1 is layer 'conv2d_1', not 'max_pooling2d_0'", "keep the order of layer_names",
    ]),
    (first_layers, [
        "output 0 is the activation of layer 'image', not of 'conv2d_0'",
        "model.get_layer(name).output",
    ]),
    (new_input, ["raised ValueError", "the original model's input, inputs=model.input"]),
    (layer_objects, [
        "raised ValueError", "the layers' outputs, not the layers: model.get_layer(name).output",
    ]),
]


@pytest.mark.parametrize(("mistake", "hints"), ACTIVATION_MODEL_MISTAKES,
                         ids=[m.__name__ for m, _ in ACTIVATION_MODEL_MISTAKES])
def test_activation_model_mistakes(mistake, hints):
    feedback = check("activation_model", mistake)
    assert feedback.status == "wrong"
    for hint in hints:
        assert hint in feedback.message, feedback.message


def test_activation_model_order_in_the_branched_model():
    feedback = check("activation_model", sorted_names, only=1)
    assert "output 0 is layer 'left', not 'top'" in feedback.message, feedback.message
    feedback = check("activation_model", first_layers, only=1)
    assert "output 0 is the activation of layer 'photo', not of 'top'" in feedback.message


# ---------------------------------------------------------------------------
# 1.2 channel_grid: the mistakes


def make_grid(activation, cols, *, place=None, norm=None, rows=None, fill=np.zeros,
              channel=lambda a, k: a[:, :, k], dead=None, shape=None):
    """The notebook loop with one step replaced."""
    H, W, C = activation.shape
    rows = rows(C, cols) if rows else math.ceil(C / cols)
    grid = fill(shape(rows, cols, H, W) if shape else (rows * H, cols * W))
    for k in range(C):
        channel_image = channel(activation, k)
        low, high = channel_image.min(), channel_image.max()
        if norm:
            channel_image = norm(channel_image, activation)
        elif high > low:
            channel_image = (channel_image - low) / (high - low)
        else:
            channel_image = dead(channel_image) if dead else 0 * channel_image
        row, col = place(k, rows, cols) if place else (k // cols, k % cols)
        grid[row * H:(row + 1) * H, col * W:(col + 1) * W] = channel_image
    return grid


def swapped(activation, cols):
    return make_grid(activation, cols, place=lambda k, rows, cols: (k % rows, k // rows))


def swapped_outside(activation, cols):
    return make_grid(activation, cols, place=lambda k, rows, cols: (k % cols, k // cols))


def transposed(activation, cols):
    return nb_channel_grid(activation, cols).T


def not_normalized(activation, cols):
    return make_grid(activation, cols, norm=lambda c, a: c)


def scaled_together(activation, cols):
    return make_grid(activation, cols, norm=lambda c, a: (c - a.min()) / (a.max() - a.min()))


def max_only(activation, cols):
    return make_grid(activation, cols, norm=lambda c, a: c / c.max() if c.max() > 0 else 0 * c)


def nan_for_dead(activation, cols):
    with np.errstate(invalid="ignore"):
        return make_grid(activation, cols, norm=lambda c, a: (c - c.min()) / (c.max() - c.min()))


def guard_by_max(activation, cols):
    with np.errstate(invalid="ignore"):
        return make_grid(activation, cols, norm=lambda c, a: (c - c.min()) / (c.max() - c.min())
                         if c.max() > 0 else 0 * c)


def dead_as_ones(activation, cols):
    return make_grid(activation, cols, dead=np.ones_like)


def rows_floor(activation, cols):
    return make_grid(activation, cols, rows=lambda C, cols: C // cols)


def rows_floor_no_error(activation, cols):
    H, W, C = activation.shape
    rows = C // cols
    return nb_channel_grid(activation[:, :, : rows * cols], cols)


def hw_swapped(activation, cols):
    W, H, C = activation.shape  # H and W read the wrong way round; the tiles transposed to fit
    rows = math.ceil(C / cols)
    grid = np.zeros((rows * H, cols * W))
    for k in range(C):
        row, col = k // cols, k % cols
        tile = nb_channel_grid(activation[:, :, k:k + 1], 1)
        grid[row * H:(row + 1) * H, col * W:(col + 1) * W] = tile.T
    return grid


def hw_swapped_error(activation, cols):
    W, H, C = activation.shape  # H and W read the wrong way round
    rows = math.ceil(C / cols)
    grid = np.zeros((rows * H, cols * W))
    for k in range(C):
        row, col = k // cols, k % cols
        grid[row * H:(row + 1) * H, col * W:(col + 1) * W] = nb_channel_grid(
            activation[:, :, k:k + 1], 1)
    return grid


def times_255(activation, cols):
    return nb_channel_grid(activation, cols) * 255


def ones_preallocated(activation, cols):
    return make_grid(activation, cols, fill=np.ones)


def row_not_channel(activation, cols):
    return make_grid(activation, cols, channel=lambda a, k: a[k])


def padded(activation, cols):
    return make_grid(activation, cols,
                     shape=lambda rows, cols, H, W: (rows * H + 1, cols * W + 1))


def wrong_channel(activation, cols):
    return make_grid(activation, cols, channel=lambda a, k: a[:, :, (k + 1) % a.shape[-1]])


def kitten0(function):
    """The number the hint names, computed on the first case (conv2d_0 on the kitten)."""
    activation, _ = case_args("channel_grid", 0)
    return function(activation)


CHANNEL_GRID_MISTAKES = [
    (swapped, ["rows and columns swapped: tile 1 (row 0, column 1) shows channel 2",
               "channel k goes at row k // cols, column k % cols"]),
    (swapped_outside, ["raised ValueError", "a tile falls outside the grid",
                       "channel k goes at row k // cols, column k % cols"]),
    (transposed, ["rows and columns swapped: the grid has shape (2368, 296)",
                  "expected (rows*H, cols*W) = (296, 2368)"]),
    (not_normalized, ["channel 0 is not normalized: values from 0 to "
                      + _channels_common._num(kitten0(lambda a: a[..., 0].max()))]),
    (scaled_together, ["the channels are scaled together",
                       "channel 0's tile peaks at "
                       + _channels_common._num(kitten0(lambda a: a[..., 0].max() / a.max())),
                       "scale each channel by its own min and max"]),
    (max_only, ["channel 3's tile starts at "
                + _channels_common._num(kitten0(lambda a: a[..., 3].min() / a[..., 3].max())),
                "subtract the channel's min first"]),
    (nan_for_dead, ["channel 2 is constant (a dead channel) and its tile is NaN: "
                    "when max == min leave the tile at 0"]),
    (dead_as_ones, ["channel 2 is constant (a dead channel, all 0): its tile should stay 0, "
                    "yours has values up to 1"]),
    (rows_floor, ["raised ValueError", "10 channels in 4 columns need 3 rows: "
                  "rows = ceil(C / cols)"]),
    (rows_floor_no_error, ["10 channels in 4 columns need 3 rows: rows = ceil(C / cols)"]),
    (hw_swapped, ["channel 0's tile is transposed (its height and width swapped)"]),
    (hw_swapped_error, ["raised ValueError", "height and width swapped"]),
    (times_255, ["values up to 255: the grid should be in [0, 1]"]),
    (ones_preallocated, ["the unused tiles of the last row are not 0: preallocate with np.zeros"]),
    (row_not_channel, ["raised ValueError", "a channel is activation[:, :, k]"]),
    (padded, ["grid has shape (297, 2369), expected (rows*H, cols*W) = (296, 2368)"]),
    (wrong_channel, ["tile 0 shows channel 1, not channel 0"]),
]


@pytest.mark.parametrize(("mistake", "hints"), CHANNEL_GRID_MISTAKES,
                         ids=[m.__name__ for m, _ in CHANNEL_GRID_MISTAKES])
def test_channel_grid_mistakes(mistake, hints):
    feedback = check("channel_grid", mistake)
    assert feedback.status == "wrong"
    for hint in hints:
        assert hint in feedback.message, feedback.message


def test_channel_grid_hints_on_the_small_cases():
    # dividing by the max only, on values before the ReLU: negative tiles
    feedback = check("channel_grid", max_only, only=5)
    assert "channel 0's tile has values below 0, down to" in feedback.message, feedback.message
    # not normalized, on the 10-channel case: channel 3 goes up to 37.2
    feedback = check("channel_grid", not_normalized, only=1)
    assert "channel 0 is not normalized" in feedback.message
    activation, _ = case_args("channel_grid", 1)
    assert activation[..., 3].max() == pytest.approx(37.2, rel=1e-5)
    # the dead-channel case names its constant channel
    feedback = check("channel_grid", dead_as_ones, only=4)
    assert "channel 2 is constant (a dead channel, all 0)" in feedback.message
    # a constant channel that is not 0: (a - min) / (max - min) is 0 / 0 too
    feedback = check("channel_grid", guard_by_max)
    hint = "channel 6 is constant (all 3) and its tile is NaN: when max == min leave the tile at 0"
    assert hint in feedback.message, feedback.message
    assert feedback.case.startswith("dead channels")
    # tiles W x H on the non-square case
    feedback = check("channel_grid", hw_swapped, only=3)
    assert "height and width swapped: your tiles are W x H = 8 x 5, a tile is H x W = 5 x 8" in (
        feedback.message
    ), feedback.message
    # rows and columns swapped on 10 channels in 4 columns: tile 1 shows channel 3
    feedback = check("channel_grid", swapped, only=1)
    assert "tile 1 (row 0, column 1) shows channel 3" in feedback.message, feedback.message


# ---------------------------------------------------------------------------
# 1.3 prepare_image_for_display: the mistakes


def display(img, *, batch=True, clip=True, scale=255.0, cast=True, peak=None, guard=True):
    """The notebook solution with one step replaced."""
    x = np.array(img, dtype="float64")
    if batch and x.ndim == 4:
        x = x[0]
    if clip:
        x = np.clip(x, 0, None)
    top = peak(x) if peak else x.max()
    if scale and (np.all(top > 0) or not guard):
        x = x / top * scale
    return x.astype("uint8") if cast else x


def keeps_batch(img):
    return display(img, batch=False)


def returns_float(img):
    return display(img, cast=False)


def no_scaling(img):
    return display(img, scale=None)


def no_clip(img):
    return display(img, clip=False)


def to_unit(img):
    return display(img, scale=1.0)


def min_max(img):
    x = np.array(img, dtype="float64").reshape(np.shape(img)[-3:])
    low, high = x.min(), x.max()
    return ((x - low) / (high - low) * 255).astype("uint8") if high > low else x.astype("uint8")


def per_channel(img):
    return display(img, peak=lambda x: x.max(axis=(0, 1)))


def tensor_methods(img):
    if img.ndim == 4:
        img = img[0]
    top = img.max()
    return (np.clip(img, 0, None) / top * 255).astype("uint8")


def no_guard(img):
    return display(img, guard=False)


def wrapped(value: float) -> int:
    """What astype('uint8') makes of an out-of-range value on this machine (it wraps on x86)."""
    with np.errstate(invalid="ignore"):
        return int(np.array([value]).astype("uint8")[0])


DISPLAY_MISTAKES = [
    (keeps_batch, ["shape (1, 8, 8, 3): drop the batch axis"]),
    (returns_float, ["returns float64: return new_img.astype('uint8')"]),
    (no_scaling, ["pixel values wrapped around: 300 became 44; scale to [0, 255] before "
                  "astype('uint8')"]),
    (no_clip, [f"negative values wrapped around: -5 became {wrapped(-5 / 37.2 * 255)}; "
               "clip negatives to 0 first"]),
    (to_unit, ["the largest value became 1, not 255: multiply by 255"]),
    (min_max, ["you stretched [min, max] = [", "to [0, 255] (min-max)",
               "norm 'max' divides by the max only, so 0 stays 0"]),
    (per_channel, ["each colour channel scaled on its own: colours change; divide by the max "
                   "of the whole image"]),
    (tensor_methods, ["raised AttributeError", "img is a tf.Tensor here",
                      "convert it with np.asarray(img) first"]),
    (no_guard, ["a black image must stay black: divide only when the max is > 0"]),
]


@pytest.mark.parametrize(("mistake", "hints"), DISPLAY_MISTAKES,
                         ids=[m.__name__ for m, _ in DISPLAY_MISTAKES])
def test_display_mistakes(mistake, hints):
    feedback = check("prepare_image_for_display", mistake)
    assert feedback.status == "wrong"
    for hint in hints:
        assert hint in feedback.message, feedback.message


def test_display_not_scaled_below_255():
    feedback = check("prepare_image_for_display", no_scaling, only=1)
    assert "pixel values not scaled: the largest value 230 became 230, not 255" in (
        feedback.message
    )
    feedback = check("prepare_image_for_display", no_scaling, only=4)
    assert "pixel values not scaled: the largest value 37.2 became 37, not 255" in (
        feedback.message
    ), feedback.message


def test_display_accepts_a_tensor_result():
    def as_tensor(img):
        return tf.constant(nb_prepare_image_for_display(img))

    assert check("prepare_image_for_display", as_tensor).passed


def doubled_outputs(model, layer_names):
    outputs = [keras.layers.Rescaling(2.0)(model.get_layer(n).output) for n in layer_names]
    return keras.Model(inputs=model.inputs, outputs=outputs)


def returns_activation(activation, cols):
    return activation


def half_tiles(activation, cols):
    return nb_channel_grid(activation, cols) * 0.5


def scaled_to_250(img):
    return display(img, scale=250.0)


FALLBACKS = [
    ("activation_model", doubled_outputs,
     "output 0 is not the activation of layer 'conv2d_0': value at"),
    ("channel_grid", returns_activation,
     "channel_grid returned an array of shape (148, 148, 32), expected a 2-D grid "
     "(rows*H, cols*W) = (296, 2368)"),
    ("channel_grid", half_tiles, "channel 0's tile differs: at"),
    ("prepare_image_for_display", scaled_to_250, "is 248, expected 254 (input value 299)"),
]


@pytest.mark.parametrize(("key", "mistake", "hint"), FALLBACKS,
                         ids=[m.__name__ for _, m, _ in FALLBACKS])
def test_other_mistakes_still_say_where(key, mistake, hint):
    feedback = check(key, mistake)
    assert feedback.status == "wrong"
    assert hint in feedback.message, feedback.message


def test_the_cases_use_the_slide_model():
    convnet = channels._small_convnet()
    assert [layer.name for layer in convnet.layers[1:9]] == [
        f"{kind}_{i}" for i in range(4) for kind in ("conv2d", "max_pooling2d")
    ]
    assert isinstance(convnet, keras.Model)
    assert lh.lecture_small_convnet().input.shape[1:] == (150, 150, 3)
