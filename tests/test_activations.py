"""Intermediate activations: activation models, channel grids, layer statistics."""

from __future__ import annotations

import math

import keras
import matplotlib
import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import activations as A

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SLIDE_SHAPES = {
    "conv2d_0": (1, 148, 148, 32),
    "max_pooling2d_0": (1, 74, 74, 32),
    "conv2d_1": (1, 72, 72, 64),
    "max_pooling2d_1": (1, 36, 36, 64),
    "conv2d_2": (1, 34, 34, 128),
    "max_pooling2d_2": (1, 17, 17, 128),
    "conv2d_3": (1, 15, 15, 128),
    "max_pooling2d_3": (1, 7, 7, 128),
}


@pytest.fixture(scope="module")
def small():
    keras.utils.set_random_seed(0)
    return lh.lecture_small_convnet()


@pytest.fixture(scope="module")
def cats():
    return lh.load_model("cats_vs_dogs_small")


@pytest.fixture(scope="module")
def kitten():
    return lh.sample_image("kitten")


def loop_channel_grid(activation, cols, padding, pad_value):
    """The lecture's way: a Python loop over channels (reference for the vectorized one)."""
    a = np.asarray(activation, dtype=np.float64)
    h, w, c = a.shape
    cols = min(cols, c)
    rows = math.ceil(c / cols)
    grid = np.full((rows * (h + padding) - padding, cols * (w + padding) - padding), pad_value)
    for k in range(c):
        channel = a[..., k]
        lo, hi = channel.min(), channel.max()
        tile = (channel - lo) / (hi - lo) if hi > lo else np.zeros_like(channel)
        r, col = divmod(k, cols)
        top, left = r * (h + padding), col * (w + padding)
        grid[top : top + h, left : left + w] = tile
    return grid


# --- which layers -----------------------------------------------------------------------


def test_default_layers_of_the_lecture_convnet_are_the_slides(small):
    assert lh.feature_map_layers(small) == list(SLIDE_SHAPES)


def test_default_layers_of_cats_model_are_its_conv_and_pool_layers(cats):
    assert lh.feature_map_layers(cats) == [
        "conv2d_0", "max_pooling2d_0", "conv2d_1", "max_pooling2d_1", "conv2d_2", "max_pooling2d_2"
    ]


def test_default_layers_of_efficientnet_are_its_activation_layers():
    names = lh.feature_map_layers(lh.load_model("efficientnet_lite0"))
    assert names[0] == "stem_activation" and names[-1] == "top_activation"
    assert len(names) == 33 and all(n.endswith("activation") for n in names)


def test_model_without_feature_maps_raises_listing_layers():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="only_dense")(inputs))
    with pytest.raises(ValueError, match="only_dense"):
        lh.feature_map_layers(model)


# --- activation model ---------------------------------------------------------------------


def test_activation_model_is_built_once_per_model_and_layers(small, cats):
    first = lh.activation_model(small)
    assert lh.activation_model(small) is first
    assert lh.activation_model(small, list(SLIDE_SHAPES)) is first
    other = lh.activation_model(small, "conv2d_1")
    assert other is not first and other.layer_names == ("conv2d_1",)
    assert lh.activation_model(cats) is lh.activation_model(cats)


def test_unknown_layer_lists_the_valid_names(small):
    with pytest.raises(ValueError, match="no_such_layer") as info:
        lh.activation_model(small, ["conv2d_0", "no_such_layer"])
    assert "conv2d_0" in str(info.value) and "max_pooling2d_3" in str(info.value)
    with pytest.raises(ValueError, match="empty"):
        lh.activation_model(small, [])
    with pytest.raises(TypeError, match="ZooModel"):
        lh.activation_model("not a model")


def test_activations_have_the_slides_shapes_in_layer_order(small, kitten):
    acts = lh.get_activations(small, kitten)
    assert list(acts) == list(SLIDE_SHAPES)
    assert {k: v.shape for k, v in acts.items()} == SLIDE_SHAPES
    assert all(v.dtype == np.float32 for v in acts.values())
    text = lh.format_shapes(acts)
    assert text.splitlines()[0] == "(1, 148, 148, 32)  conv2d_0"
    assert text.splitlines()[-1] == "(1, 7, 7, 128)     max_pooling2d_3"


def test_requested_order_is_kept(small, kitten):
    order = ["max_pooling2d_3", "conv2d_0", "conv2d_2"]
    assert list(lh.get_activations(small, kitten, order)) == order


def test_activations_equal_a_plain_submodel(small, kitten):
    x = lh.activation_model(small).prepare(kitten)
    acts = lh.get_activations(small, x)
    for name in ("conv2d_0", "max_pooling2d_2"):
        reference = keras.Model(small.input, small.get_layer(name).output)(x, training=False)
        np.testing.assert_allclose(acts[name], np.asarray(reference), rtol=1e-5, atol=1e-5)


def test_activation_model_input_and_subset(small, kitten):
    am = lh.activation_model(small)
    acts = lh.get_activations(am, [kitten, lh.sample_image("dog")], layer=["conv2d_3"])
    assert list(acts) == ["conv2d_3"] and acts["conv2d_3"].shape == (2, 15, 15, 128)
    with pytest.raises(ValueError, match="conv2d_0"):
        lh.get_activations(lh.activation_model(small, "conv2d_3"), kitten, layer=["conv2d_0"])


def test_zoo_model_images_are_preprocessed_like_predict(cats, kitten):
    acts = lh.get_activations(cats, kitten, ["conv2d_0"])
    assert acts["conv2d_0"].shape == (1, 254, 254, 16)
    x = cats.preprocess(kitten)
    np.testing.assert_array_equal(lh.activation_model(cats, "conv2d_0").prepare(kitten), x)
    again = lh.get_activations(cats, x, ["conv2d_0"])
    np.testing.assert_allclose(again["conv2d_0"], acts["conv2d_0"])


def test_efficientnet_any_multiple_of_32():
    effnet = lh.load_model("efficientnet_lite0")
    x = np.random.default_rng(0).uniform(0, 255, (1, 64, 64, 3)).astype(np.float32)
    acts = lh.get_activations(effnet, x, ["stem_activation", "top_activation"])
    assert acts["stem_activation"].shape == (1, 32, 32, 32)
    assert acts["top_activation"].shape == (1, 2, 2, 1280)
    assert 0.0 <= acts["stem_activation"].min() and acts["stem_activation"].max() <= 6.0  # ReLU6


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (np.zeros(10), ValueError, "not an image"),
        (np.zeros((1, 150, 150, 7), np.float32), ValueError, "not an image batch"),
        ({"a": 1}, TypeError, "not an image"),
        ([], ValueError, "empty"),
        ("no/such/photo.png", FileNotFoundError, "not found"),
        (np.full((150, 150, 3), np.nan, np.float32), ValueError, "NaN"),
    ],
)
def test_non_image_input_raises_a_clear_error(small, bad, error, message):
    with pytest.raises(error, match=message):
        lh.get_activations(small, bad)


# --- channel grids --------------------------------------------------------------------------


def test_channel_grid_shape_and_ranges():
    rng = np.random.default_rng(0)
    activation = rng.normal(size=(1, 148, 148, 32)).astype(np.float32)
    grid = lh.channel_grid(activation, cols=16, padding=1)
    assert grid.shape == (2 * 149 - 1, 16 * 149 - 1)
    assert grid.dtype == np.float32 and np.all(np.isfinite(grid))
    assert grid.min() == 0.0 and grid.max() == 1.0
    assert np.all(grid[148, :] == 1.0) and np.all(grid[:, 148] == 1.0)  # padding lines
    assert lh.channel_grid(activation, padding=0).shape == (2 * 148, 16 * 148)


def test_channel_grid_matches_the_lectures_loop():
    rng = np.random.default_rng(1)
    activation = np.maximum(rng.normal(size=(15, 15, 128)), 0).astype(np.float32)
    activation[..., 7] = 0.0  # a dead channel
    for cols, padding in ((16, 1), (10, 2), (128, 0)):
        ours = lh.channel_grid(activation, cols=cols, padding=padding, pad_value=0.5)
        reference = loop_channel_grid(activation, cols, padding, 0.5)
        np.testing.assert_allclose(ours, reference, atol=1e-6)


def test_tiles_are_in_row_major_channel_order():
    activation = np.zeros((4, 5, 6), np.float32)
    for k in range(6):
        activation[0, k % 5, k] = 1.0  # each channel has one bright pixel
    grid = lh.channel_grid(activation, cols=4, padding=1, pad_value=-1.0)
    assert grid.shape == (2 * 5 - 1, 4 * 6 - 1)
    for k in range(6):
        r, c = divmod(k, 4)
        tile = grid[r * 5 : r * 5 + 4, c * 6 : c * 6 + 5]
        assert tile[0, k % 5] == 1.0 and tile.sum() == 1.0
    assert np.all(grid[5:, 12:] == -1.0)  # the two unused tiles of the last row


@pytest.mark.parametrize("norm", ["minmax", "std", "max"])
def test_dead_and_constant_channels_are_blank_not_nan(norm):
    activation = np.random.default_rng(2).uniform(0, 3, size=(7, 7, 4)).astype(np.float32)
    activation[..., 1] = 0.0
    activation[..., 2] = 6.0  # saturated ReLU6: constant, carries no picture
    normalized = lh.normalize_channels(activation, norm)
    assert np.all(np.isfinite(normalized))
    assert np.all(normalized[..., 1] == 0) and np.all(normalized[..., 2] == 0)
    assert 0.0 <= normalized.min() and normalized.max() <= 1.0
    assert normalized[..., 0].max() > 0.5


def test_normalizations():
    rng = np.random.default_rng(3)
    activation = rng.normal(2.0, 5.0, size=(50, 50, 3)).astype(np.float32)
    minmax = lh.normalize_channels(activation, "minmax")
    np.testing.assert_allclose(minmax.min(axis=(0, 1)), 0.0)
    np.testing.assert_allclose(minmax.max(axis=(0, 1)), 1.0)
    std = lh.normalize_channels(activation, "std")
    np.testing.assert_allclose(np.median(std, axis=(0, 1)), 0.5, atol=0.02)
    np.testing.assert_allclose(std.std(axis=(0, 1)), 0.15, atol=0.01)  # hardly any clipping
    peak = lh.normalize_channels(activation, "max")
    assert peak.min() == 0.0 and np.all(peak.max(axis=(0, 1)) <= 1.0)
    with pytest.raises(ValueError, match="minmax"):
        lh.normalize_channels(activation, "loud")


def test_channel_grid_options_and_bad_input():
    activation = np.random.default_rng(4).uniform(size=(1, 6, 6, 10)).astype(np.float32)
    assert lh.channel_grid(activation, cols=16, padding=0).shape == (6, 60)  # cols capped at C
    assert lh.channel_grid(activation, cols=None, padding=0).shape == (12, 30)  # 5 cols auto
    assert lh.channel_grid(activation, cols=4, padding=0, channels=4).shape == (6, 24)
    np.testing.assert_array_equal(
        lh.channel_grid(activation, padding=0, channels=[3]),
        lh.channel_image(activation, 3),
    )
    with pytest.raises(ValueError, match=r"activation\[0\]"):
        lh.channel_grid(np.zeros((2, 6, 6, 10)))
    with pytest.raises(ValueError, match="Dense"):
        lh.channel_grid(np.zeros((1, 512)))
    with pytest.raises(ValueError, match="NaN"):
        lh.channel_grid(np.full((6, 6, 2), np.nan))
    with pytest.raises(ValueError, match="cols"):
        lh.channel_grid(activation, cols=0)
    with pytest.raises(IndexError, match="10 channels"):
        lh.channel_image(activation, 10)


def test_plot_channel_grid_title_and_picture():
    activation = np.random.default_rng(5).uniform(size=(15, 15, 128)).astype(np.float32)
    fig = lh.plot_channel_grid(activation, "conv2d_3")
    ax = fig.axes[0]
    assert ax.get_title() == "conv2d_3: 15x15, 128 channels"
    shown = ax.images[0].get_array()
    assert shown.shape == (8 * 16 - 1, 16 * 16 - 1)  # 1-px borders for 15x15 tiles
    assert ax.images[0].to_rgba(-1.0)[:3] == (1.0, 1.0, 1.0)  # borders are white
    plt.close(fig)
    big = lh.plot_channel_grid(np.ones((148, 148, 4), np.float32), "big", cols=4)
    assert big.axes[0].images[0].get_array().shape == (148, 4 * 152 - 4)  # 4-px borders
    fig = lh.plot_channel_grid(activation, "conv2d_3", channels=32)
    assert fig.axes[0].get_title() == "conv2d_3: 15x15, 128 channels (first 32 shown)"
    fig = lh.plot_channel_grid(activation[..., :8], "small", channels=32)
    assert fig.axes[0].get_title() == "small: 15x15, 8 channels"
    fig = lh.plot_channel_grid(activation, "odd", channels=slice(1, None, 2))
    assert fig.axes[0].get_title() == "odd: 15x15, 128 channels (64 shown)"
    plt.close("all")
    figures = lh.plot_activations({"a": activation[None], "b": activation[None, ..., :8]})
    assert [f.axes[0].get_title() for f in figures] == [
        "a: 15x15, 128 channels",
        "b: 15x15, 8 channels",
    ]
    plt.close("all")


# --- statistics and tables --------------------------------------------------------------------


def test_statistics_from_known_activations():
    batch = np.ones((2, 4, 4, 4), np.float32)
    batch[..., 0] = 0.0  # dead for every image
    batch[0, ..., 1] = 0.0  # zero for one image only: not dead
    batch[:, 0, 0, 2] = 0.0  # two zeros
    (row,) = A.statistics_from_activations({"layer": batch}, {"layer": "ReLU"})
    assert (row.height, row.width, row.channels, row.kind) == (4, 4, 4, "ReLU")
    assert row.zero_fraction == pytest.approx((32 + 16 + 2) / 128)
    assert row.dead_fraction == 0.25
    assert row.live_zero_fraction == pytest.approx((16 + 2) / 96)
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        A.statistics_from_activations({"dense": np.zeros((2, 5))})


def test_layer_statistics_of_the_cats_model(cats):
    stats = lh.layer_statistics(cats)
    assert [s.layer for s in stats] == lh.feature_map_layers(cats)
    images = [lh.sample_image(n) for n in A.STATISTICS_IMAGES]
    acts = lh.get_activations(cats, images)
    for row in stats:
        a = acts[row.layer]
        assert a.shape[0] == 6
        assert (row.height, row.width, row.channels) == a.shape[1:]
        assert row.zero_fraction == pytest.approx(float(np.mean(a == 0)))
        assert row.dead_fraction * row.channels == pytest.approx(
            np.sum(np.all(a == 0, axis=(0, 1, 2)))
        )
        live = a[..., ~np.all(a == 0, axis=(0, 1, 2))]
        assert row.live_zero_fraction == pytest.approx(float(np.mean(live == 0)))
    sizes = [s.height * s.width for s in stats]
    assert sizes == sorted(sizes, reverse=True)
    convs = [s for s in stats if s.kind == "Conv2D"]
    assert convs[0].zero_fraction < convs[-1].zero_fraction  # deeper is sparser here

    table = lh.format_layer_statistics(stats)
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["layer", "type", "H"]
    assert len(lines) == 2 + len(stats)
    assert lines[2].startswith("conv2d_0") and "254x254" in lines[2]
    assert lines[0].endswith("zeros in live %")
    fig = lh.plot_layer_statistics(stats, title="cats")
    assert len(fig.axes) == 3
    plt.close(fig)


def test_layer_table_matches_the_slide(small):
    table = lh.layer_table(small)
    assert "conv2d_0 (Conv2D)" in table and "(None, 148, 148, 32)" in table
    assert "(None, 7, 7, 128)" in table and "(None, 6272)" in table
    assert "Total params: 3,453,121" in table
    assert "Trainable params: 0" in table
