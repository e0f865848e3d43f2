"""Channel grids and their plots (lecture_helpers/activations.py). The activation model is
tested in tests/test_layer_outputs.py, the layer statistics in tests/test_layer_stats.py."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers.figures import figure_report, rule_violations

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


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


@pytest.mark.usefixtures("slide_defaults")
def test_plot_channel_grid_has_a_colorbar_and_marked_tiles():
    fig = lh.plot_channel_grid(np.random.default_rng(2).random((30, 30, 16)), "x", cols=8)
    (panel,) = figure_report(fig)["panels"]
    assert panel["tiles"] == 16 and panel["colorbar"]


@pytest.mark.usefixtures("slide_defaults")
def test_strongest_channels_put_constant_channels_last():
    fmap = np.zeros((4, 4, 4), np.float32)
    fmap[..., 0] = 9.0  # saturated everywhere: strongest mean, but no picture
    fmap[0, 0, 1], fmap[1, 1, 2] = 1.0, 3.0
    assert list(lh.strongest_channels(fmap, 4)) == [2, 1, 0, 3]


@pytest.mark.usefixtures("slide_defaults")
def test_plot_layers_one_row_per_layer_with_channel_labels():
    rng = np.random.default_rng(1)
    acts = {"a": rng.random((1, 20, 20, 12)), "b": rng.random((1, 10, 10, 5))}
    acts["b"][..., :2] = 0.0  # two silent channels
    fig = lh.plot_layers(acts, channels=4, title="t")
    report = figure_report(fig)
    assert [p["tiles"] for p in report["panels"]] == [4, 4]
    assert rule_violations(report) == []
    titles = [ax.get_title("left") for ax in fig.axes if ax.get_title("left")]
    assert titles[1].startswith("b: 10x10, 5 channels (2 all zero here)")
    labels = [t.get_text() for t in fig.axes[1].get_xticklabels()]
    assert len(labels) == 4 and all(label.startswith("#") for label in labels)
    assert "#0" not in labels[:3] and "#1" not in labels[:3]  # silent channels come last
    with pytest.raises(lh.UnknownNameError, match="computed"):
        lh.plot_layers(acts, "c")
    with pytest.raises(ValueError, match="positive"):
        lh.plot_layers(acts, channels=0)
