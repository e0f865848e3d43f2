"""lecture_helpers/alt_text.py: every figure's alt text, generated from what it draws."""

from __future__ import annotations

import matplotlib
import numpy as np

import lecture_helpers as lh
from lecture_helpers import figures
from lecture_helpers.alt_text import add_description, describe, where_heat

matplotlib.use("Agg")
plt = matplotlib.pyplot


def _heat(column: int) -> np.ndarray:
    heat = np.zeros((7, 14))
    heat[1:3, column : column + 3] = 1.0
    return heat


def test_a_heat_map_figure_says_where_the_heat_is_from_the_map_itself():
    scene = lh.sample_image("cat_dog")
    fig = lh.plot_heatmaps(scene, [_heat(1), _heat(10) * 0.5], ["cat", "dog"], ncols=2,
                           suptitle="Two maps")
    text = describe(fig)
    assert text.startswith("Figure: Two maps. 2 panels. Panel 1 (cat): a photo (224x448 px)")
    assert "coloured by heatmap (1 = its maximum) from 0 to 1 (inferno)" in text
    assert "from 0 to 0.5 (inferno)" in text  # the second map's own range
    assert "Heat map 1: peak in the top left; 100% of the heat on the left half" in text
    assert "Heat map 2: peak in the top right; 0% of the heat on the left half" in text
    moved = describe(lh.plot_heatmaps(scene, [_heat(10), _heat(10)], ["cat", "dog"], ncols=2))
    assert "Heat map 1: peak in the top right" in moved  # another map, another text
    plt.close("all")


def test_grids_pictures_and_curves_are_described_with_their_numbers():
    fig, (grid, curve) = plt.subplots(1, 2)
    grid.imshow(np.random.default_rng(0).random((20, 40)), cmap="gray")
    figures.mark_grid(grid, 2, 4)
    grid.set_title("8 channels")
    curve.plot([1.0, 4.0, 2.0, 9.0], label="objective")
    curve.set_xlabel("step")
    curve.set_ylabel("f_c")
    text = describe(fig)
    assert "Panel 1 (8 channels): a grid of 8 tiles (2 rows of 4)" in text
    lone, axes = plt.subplots()
    axes.plot([0.5, 0.25])
    assert describe(lone) == (
        "Figure. The curve: from 0.5 to 0.25 (lowest 0.25, highest 0.5).")
    plt.close(lone)
    assert "Panel 2: f_c against step; objective: from 1 to 9 (lowest 1, highest 9)" in text
    add_description(fig, "  3 of the 8   channels are dead. ")
    assert describe(fig).endswith("3 of the 8 channels are dead.")
    plt.close(fig)


def test_one_panel_takes_the_figure_title_and_a_picture_says_its_size():
    fig, ax = plt.subplots()
    ax.imshow(np.zeros((30, 50, 3)))
    ax.set_title("the photo")
    assert describe(fig) == "Figure: the photo. A picture (30x50 px)."
    plt.close(fig)


def test_a_run_of_alike_panels_is_described_once_with_its_titles():
    fig, axes = plt.subplots(2, 8)
    for k, ax in enumerate(axes.flat):
        ax.imshow(np.zeros((3, 3, 3)))
        ax.set_title(str(k))
    axes[1, 7].clear()
    axes[1, 7].plot([1.0, 2.0])
    assert describe(fig) == (
        "Figure. 16 panels. Panels 1 to 15 (0, 1, 2, ..., 14): each a picture (3x3 px). "
        "Panel 16: the curve: from 1 to 2 (lowest 1, highest 2).")
    for ax in axes.flat[3:]:
        fig.delaxes(ax)
    assert describe(fig) == ("Figure. 3 panels. Panels 1 to 3 (0, 1, 2): each a picture "
                             "(3x3 px).")
    fig.delaxes(axes.flat[2])
    assert describe(fig) == ("Figure. 2 panels. Panel 1 (0): a picture (3x3 px). "
                             "Panel 2 (1): a picture (3x3 px).")
    plt.close(fig)


def test_where_heat_measures_the_halves_and_names_an_empty_map():
    heat = np.zeros((4, 4))
    heat[3, 0] = 3.0
    heat[0, 3] = 1.0
    assert where_heat(heat) == ("peak in the bottom left; 75% of the heat on the left half, "
                                "25% on the top half")
    assert where_heat(np.zeros((3, 3))) == "no heat (the map is zero everywhere)"


def test_the_figure_formatter_puts_the_alt_text_beside_the_report():
    fig = lh.plot_heatmaps(lh.sample_image("cat"), [_heat(1)[:, :7]], ["cat"])
    png, metadata = figures.figure_png(fig)
    assert png and metadata["alt"] == describe(fig)
    assert figures.METADATA_KEY in metadata
    plt.close(fig)
