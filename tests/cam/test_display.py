"""The figure helpers of issue 13: each returns a legible Figure whose content follows its input."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import matplotlib
import numpy as np
import pytest
from keras import layers

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import lecture_helpers as lh  # noqa: E402
from lecture_helpers.figures import figure_report, rule_violations  # noqa: E402


@pytest.fixture(autouse=True)
def _slide_defaults():
    with matplotlib.rc_context({"figure.dpi": 100, "font.size": 11}):
        yield
    plt.close("all")


def _pixels(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)


@pytest.fixture(scope="module")
def gap_model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 32, 3))
    x = layers.Rescaling(1 / 255.0)(inputs)
    x = layers.Conv2D(6, 3, activation="relu", name="conv_a")(x)
    x = layers.Conv2D(8, 3, activation="relu", name="conv_b")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(3, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def photo():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (32, 48, 3), dtype=np.uint8)


# --- activations -----------------------------------------------------------------------


def test_strongest_channels_put_constant_channels_last():
    fmap = np.zeros((4, 4, 4), np.float32)
    fmap[..., 0] = 9.0  # saturated everywhere: strongest mean, but no picture
    fmap[0, 0, 1], fmap[1, 1, 2] = 1.0, 3.0
    assert list(lh.strongest_channels(fmap, 4)) == [2, 1, 0, 3]


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


def test_plot_channel_grid_has_a_colorbar_and_marked_tiles():
    fig = lh.plot_channel_grid(np.random.default_rng(2).random((30, 30, 16)), "x", cols=8)
    (panel,) = figure_report(fig)["panels"]
    assert panel["tiles"] == 16 and panel["colorbar"]


def test_photo_resemblance_is_high_for_a_smooth_photo(gap_model, photo):
    resemblance = lh.photo_resemblance(gap_model, photo, ["conv_a", "conv_b"])
    assert set(resemblance) == {"conv_a", "conv_b"}
    assert all(0.0 <= r <= 1.0 for r in resemblance.values())
    smooth = np.repeat(np.linspace(0, 255, 48, dtype=np.float32)[None, :, None], 32, 0)
    smooth = np.repeat(smooth, 3, axis=2)
    assert lh.photo_resemblance(gap_model, smooth, "conv_a")["conv_a"] > 0.8


# --- heatmaps ---------------------------------------------------------------------------


def test_mass_fraction_by_side_and_bad_input():
    heatmap = np.zeros((4, 6))
    heatmap[:, :3] = 3.0
    heatmap[0, 5] = 1.0
    assert lh.mass_fraction(heatmap, "left") == pytest.approx(36 / 37)
    assert lh.mass_fraction(heatmap, "right") == pytest.approx(1 / 37)
    assert lh.mass_fraction(heatmap, "top") == pytest.approx(19 / 37)
    assert lh.mass_fraction(np.zeros((3, 3))) == 0.0
    with pytest.raises(lh.UnknownNameError, match="left, right, top, bottom"):
        lh.mass_fraction(heatmap, "middle")
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        lh.mass_fraction(np.zeros((2, 3, 3)))


def test_plot_heatmaps_draws_the_map_where_it_is(photo):
    left, right = np.zeros((4, 6)), np.zeros((4, 6))
    left[:, :2], right[:, 4:] = 1.0, 1.0
    fig_left = lh.plot_heatmaps(photo, [left], ["left"])
    fig_right = lh.plot_heatmaps(photo, [right], ["right"])
    report = figure_report(fig_left)
    assert report["panels"][0]["colorbar"] and rule_violations(report) == []
    assert not np.array_equal(_pixels(fig_left), _pixels(fig_right))
    raw = lh.plot_heatmaps(photo, [left, None], ["raw", "photo"], overlay=[False, True])
    assert len(figure_report(raw)["panels"]) == 2
    signed = lh.plot_heatmaps(photo, [left - right], ["signed"], signed=True, label="drop")
    image = signed.axes[0].images[-1]
    assert image.get_cmap().name == "RdBu_r" and image.norm.vmin == -image.norm.vmax == -1.0
    with pytest.raises(ValueError, match="one title each"):
        lh.plot_heatmaps(photo, [left], ["a", "b"])
    with pytest.raises(ValueError, match="alpha"):
        lh.plot_heatmaps(photo, [left], ["a"], alpha=2.0)


def test_plot_guided_shows_pictures_without_a_colorbar():
    pictures = [np.random.default_rng(k).normal(size=(40, 80, 3)) for k in range(4)]
    fig = lh.plot_guided(pictures, list("abcd"), ncols=2)
    report = figure_report(fig)
    assert len(report["panels"]) == 4 and rule_violations(report) == []


@dataclass
class _Check:
    stages: tuple
    maps: dict
    correlations: dict


def test_plot_randomization_one_row_per_method_one_column_per_stage(photo):
    maps = {"Grad-CAM": [np.eye(4), np.ones((4, 4)), np.zeros((4, 4))],
            "Guided backprop": [np.ones((32, 48))] * 3}
    check = _Check(("original", "logits", "top"), maps,
                   {"Grad-CAM": [1.0, 0.2, -0.1], "Guided backprop": [1.0, 0.99, 0.98]})
    fig = lh.plot_randomization(check, photo, stages=["original", "top"])
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["Grad-CAM, trained\nρ = 1.00", "Grad-CAM, random to 'top'\nρ = -0.10",
                      "Guided backprop, trained\nρ = 1.00",
                      "Guided backprop, random to 'top'\nρ = 0.98"]
    assert all(p["colorbar"] for p in figure_report(fig)["panels"])
    with pytest.raises(lh.UnknownNameError, match="block9"):
        lh.plot_randomization(check, photo, stages=["block9"])


def test_channel_weight_check_is_exact_at_a_pooled_top_only(gap_model, photo):
    top = lh.channel_weight_check(gap_model, photo, 1, "conv_b")
    bias = float(gap_model.get_layer("head").bias.numpy()[1])
    assert top.layer == "conv_b" and top.sign_agreement == pytest.approx(1.0)
    assert top.implied_score == pytest.approx(top.score - bias, abs=1e-4)
    lower = lh.channel_weight_check(gap_model, photo, 1, "conv_a")
    assert lower.sign_agreement < 1.0
    assert lower.score == pytest.approx(top.score)


def test_occlusion_on_the_logit_and_a_bad_score_name(gap_model, photo):
    probability = lh.occlusion_sensitivity(gap_model, photo, 1, patch=8, stride=8,
                                           normalize=False)
    logit = lh.occlusion_sensitivity(gap_model, photo, 1, patch=8, stride=8, normalize=False,
                                     score="logit")
    assert logit.shape == probability.shape == (32, 32)  # the model takes 32x32
    assert not np.allclose(logit, probability)
    assert np.corrcoef(logit.ravel(), probability.ravel())[0, 1] > 0.5
    with pytest.raises(lh.UnknownNameError, match="'probability' or 'logit'"):
        lh.occlusion_sensitivity(gap_model, photo, 1, score="softmax")


# --- other figures ------------------------------------------------------------------------


def test_show_saliency_has_a_colorbar_and_always_shows_the_photo(gap_model, photo):
    maps = lh.compare_saliency(gap_model, photo, 0, methods=("vanilla",))
    beside = lh.show_saliency(maps)
    above = lh.show_saliency(maps, photo=False)  # the photo once, above the rows
    for fig in (beside, above):
        panels = figure_report(fig)["panels"]
        assert len(panels) == 2 and panels[1]["colorbar"]
        assert np.array_equal(fig.axes[0].images[0].get_array(), maps[0].image)
    assert beside.axes[0].get_title() == "class 0 (class 0)"
    assert above.axes[0].get_title() == "the photo"


def test_similar_pairs_in_one_figure_one_row_per_mode(effnet):
    fig = lh.plot_similar_pairs(effnet, "stem_conv", k=2, mode=("similar", "opposite"))
    report = figure_report(fig)
    assert len(report["panels"]) == 8 and all(p["tile"] for p in report["panels"])
    assert rule_violations(report) == []


def test_snapshot_draws_the_widget_picture_pixel_for_pixel(effnet):
    import io

    from PIL import Image

    explorer = lh.widgets.GradCAMExplorer(effnet, {"cat": lh.sample_image("cat")})
    fig = lh.widgets.snapshot(explorer, title="now")
    shown = np.asarray(Image.open(io.BytesIO(bytes(explorer.view.value))).convert("RGB"))
    report = figure_report(fig)
    assert report["panels"][0]["image_shape"] == list(shown.shape[:2])
    assert report["panels"][0]["image_scale"] == pytest.approx(1.0, abs=0.02)
    with pytest.raises(TypeError, match="lh.widgets.GradCAMExplorer"):
        lh.widgets.snapshot(object())

