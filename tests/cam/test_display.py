"""The figures of notebook 4 (lecture_helpers/cam/display.py): heat maps, guided pictures, the
randomization check and the colour maps in grey; and mass_fraction. Each returns a legible
Figure whose content follows its input."""

from __future__ import annotations

import re
from dataclasses import dataclass

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import lecture_helpers as lh  # noqa: E402
from lecture_helpers.colormaps import HEAT  # noqa: E402
from lecture_helpers.figures import figure_report, rule_violations  # noqa: E402
from tests.figure_checks import cat_dog_scene as _scene  # noqa: E402
from tests.figure_checks import photo_panels as _photo_panels  # noqa: E402
from tests.figure_checks import problems as _problems  # noqa: E402


def _pixels(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)


@pytest.mark.usefixtures("slide_defaults")
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


@pytest.mark.usefixtures("slide_defaults")
def test_plot_heatmaps_draws_the_map_where_it_is(noise_photo):
    left, right = np.zeros((4, 6)), np.zeros((4, 6))
    left[:, :2], right[:, 4:] = 1.0, 1.0
    fig_left = lh.plot_heatmaps(noise_photo, [left], ["left"])
    fig_right = lh.plot_heatmaps(noise_photo, [right], ["right"])
    report = figure_report(fig_left)
    assert report["panels"][0]["colorbar"] and rule_violations(report) == []
    assert not np.array_equal(_pixels(fig_left), _pixels(fig_right))
    raw = lh.plot_heatmaps(noise_photo, [left, None], ["raw", "photo"], overlay=[False, True])
    assert len(figure_report(raw)["panels"]) == 2
    signed = lh.plot_heatmaps(noise_photo, [left - right], ["signed"], signed=True, label="drop")
    image = signed.axes[0].images[-1]
    assert image.get_cmap().name == "RdBu_r" and image.norm.vmin == -image.norm.vmax == -1.0
    with pytest.raises(ValueError, match="one title each"):
        lh.plot_heatmaps(noise_photo, [left], ["a", "b"])
    with pytest.raises(ValueError, match="alpha"):
        lh.plot_heatmaps(noise_photo, [left], ["a"], alpha=2.0)


@pytest.mark.usefixtures("slide_defaults")
def test_plot_heatmaps_three_maps_in_two_columns_has_no_empty_slot():
    import lecture_helpers as lh

    with matplotlib.rc_context({"axes.titlesize": 12, "figure.titlesize": 13}):
        S = np.random.default_rng(0).random((7, 14))
        titles = ["S at the conv resolution 7x14", "ReLU after the sum: 96% on the cat",
                  "ReLU per channel (slide): 71% on the cat"]
        fig = lh.plot_heatmaps(_scene(), [S, S, S], titles, overlay=[False, True, True],
                               ncols=2, suptitle="Grad-CAM for 'tiger cat'")
        assert _problems(fig) == []
        first, _, last = (ax.get_position() for ax in fig.axes[:3])
        assert last.x0 > first.x0 + 0.1  # the short last row is centred


@pytest.mark.usefixtures("slide_defaults")
def test_plot_heatmaps_long_titles_wrap_clear_of_each_other_and_the_colorbar():
    import lecture_helpers as lh

    with matplotlib.rc_context({"axes.titlesize": 12, "figure.titlesize": 13}):
        kitten, dog = lh.sample_image("kitten"), lh.sample_image("dog")
        maps = [np.random.default_rng(k).random((60, 60)) for k in range(4)]
        fig = lh.plot_heatmaps([kitten, kitten, dog, dog], maps, ncols=2, titles=[
            f"{name} (P(dog) = {p:.2f}): evidence for {label}"
            for name, p in (("kitten", 0.28), ("dog", 0.87)) for label in ("cat", "dog")])
        assert _problems(fig) == []
        drop = np.random.default_rng(1).random((8, 17)) - 0.5
        fig = lh.plot_heatmaps(_scene(), [drop], [
            "tiger cat: the score's drop when a 48-px patch is hidden"], signed=True, alpha=0.6,
            label="drop of the logit f_c")
        assert _problems(fig) == []


@pytest.mark.usefixtures("slide_defaults")
def test_plot_guided_shows_pictures_without_a_colorbar():
    pictures = [np.random.default_rng(k).normal(size=(40, 80, 3)) for k in range(4)]
    fig = lh.plot_guided(pictures, list("abcd"), ncols=2)
    report = figure_report(fig)
    assert len(report["panels"]) == 4 and rule_violations(report) == []


@pytest.mark.usefixtures("slide_defaults")
def test_plot_guided_passes_and_shows_its_photo():
    import lecture_helpers as lh

    with matplotlib.rc_context({"axes.titlesize": 12, "figure.titlesize": 13}):
        scene = _scene()
        pictures = [np.random.default_rng(k).normal(size=(224, 448, 3)) for k in range(3)]
        titles = ["Guided backprop: tiger cat", "Guided Grad-CAM: tiger cat",
                  "Guided backprop: beagle"]
        fig = lh.plot_guided(pictures, titles, photo=scene, ncols=2)
        assert _problems(fig) == [] and len(_photo_panels(fig, scene)) == 1


@dataclass
class _Check:
    stages: tuple
    maps: dict
    correlations: dict


@pytest.mark.usefixtures("slide_defaults")
def test_plot_randomization_one_row_per_method_one_column_per_stage(noise_photo):
    maps = {"Grad-CAM": [np.eye(4), np.ones((4, 4)), np.zeros((4, 4))],
            "Guided backprop": [np.ones((32, 48))] * 3}
    check = _Check(("original", "logits", "top"), maps,
                   {"Grad-CAM": [1.0, 0.2, -0.1], "Guided backprop": [1.0, 0.99, 0.98]})
    fig = lh.plot_randomization(check, noise_photo, stages=["original", "top"])
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["Grad-CAM, trained\nρ = 1.00", "Grad-CAM, random to 'top'\nρ = -0.10",
                      "Guided backprop, trained\nρ = 1.00",
                      "Guided backprop, random to 'top'\nρ = 0.98"]
    assert all(p["colorbar"] for p in figure_report(fig)["panels"])
    with pytest.raises(lh.UnknownNameError, match="block9"):
        lh.plot_randomization(check, noise_photo, stages=["block9"])


# -- the colour maps in grey ---------------------------------------------------------------


def _blob(shape=(7, 14), centre=(3, 3)) -> np.ndarray:
    rows, cols = np.mgrid[: shape[0], : shape[1]]
    return np.exp(-((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2) / 8.0)


def _grey_titles(fig) -> dict[str, tuple[int, int]]:
    found = {}
    for ax in fig.axes:
        match = re.fullmatch(r"(\w+) in grey: L\* (\d+) hottest, (\d+) around", ax.get_title())
        if match:
            found[match[1]] = (int(match[2]), int(match[3]))
    return found


def test_in_grey_jets_hottest_cells_are_darker_than_around_them_and_infernos_lighter():
    scene = lh.sample_image("cat_dog")
    fig = lh.plot_colormaps(scene, _blob())
    measured = _grey_titles(fig)
    assert set(measured) == {HEAT, "jet"}
    hottest, around = measured[HEAT]
    assert hottest > around + 8, measured
    hottest, around = measured["jet"]
    assert hottest < around - 8, measured
    grey = [np.asarray(ax.images[0].get_array()) for ax in fig.axes if "grey" in ax.get_title()]
    assert not np.allclose(grey[0], grey[1], atol=1.0)  # the two maps draw different pictures
    matplotlib.pyplot.close(fig)
    with pytest.raises(ValueError, match="normalize it to"):
        lh.plot_colormaps(scene, _blob() * 0.3)
    with pytest.raises(ValueError, match="at least one colour map"):
        lh.plot_colormaps(scene, _blob(), [])


@pytest.mark.heavy
def test_the_notebooks_grad_cam_map_reads_the_same_way(effnet):
    """Notebook 4's comparison: the lecture's map of the scene, for the cat class."""
    scene = lh.sample_image("cat_dog")
    cat = max(range(281, 286), key=lambda i: effnet.class_scores(
        effnet.preprocess([scene]))[0, i])
    fig = lh.plot_colormaps(scene, lh.grad_cam(effnet, scene, cat))
    measured = _grey_titles(fig)
    assert measured[HEAT][0] > measured[HEAT][1] + 8, measured
    assert measured["jet"][0] < measured["jet"][1] - 8, measured
    matplotlib.pyplot.close(fig)
