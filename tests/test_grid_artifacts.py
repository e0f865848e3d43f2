"""Grid artefacts (lecture_helpers/grid_artifacts.py): blocks on a grid of cells and a 2-px
checkerboard, measured on maps made to order, and what a shrunken display makes of them.
tests/attribution/test_guided_backprop.py measures guided backprop's maps with them."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import grid_artifacts as ga

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SIZE = (224, 448)  # notebook 4's scene, as it is
PANEL_WIDTH = 222  # px: notebook 4's guided-backprop panels (figsize 19 in / 6 columns, 72 dpi)


def _synthetic(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(*SIZE, 3))
    blocks = np.kron(rng.normal(size=(7, 14, 3)), np.ones((32, 32, 1)))  # one level per cell
    parity = (np.arange(SIZE[0])[:, None] + np.arange(SIZE[1])[None]) % 2
    checker = parity[..., None] * np.array([1.0, -1.0, 0.5])
    return {"noise": noise, "blocks": blocks, "checker": checker}


@pytest.mark.parametrize("seed", range(4))
def test_grid_artifact_score_sees_blocks_but_not_noise_or_a_checkerboard(seed):
    maps = _synthetic(seed)
    noise, blocks = maps["noise"], maps["blocks"]
    assert 1.0 <= ga.grid_artifact_score(noise) < 1.5  # measured 1.0-1.4 over 200 seeds
    # Faint blocks (a fifth of the noise) on the grid or half a cell away: ~4.
    assert ga.grid_artifact_score(noise + 0.2 * blocks) > 2.5
    assert ga.grid_artifact_score(noise + 0.2 * np.roll(blocks, (16, 16), (0, 1))) > 2.5
    assert ga.grid_artifact_score(noise + maps["checker"]) < 1.5  # averages out in a cell
    assert ga.grid_artifact_score(noise[..., 0] + 0.2 * blocks[..., 0]) > 2.5  # a 2-D map


@pytest.mark.parametrize("seed", range(4))
def test_checkerboard_score_sees_a_checkerboard_but_not_noise_or_blocks(seed):
    maps = _synthetic(seed)
    noise = maps["noise"]
    assert 0.7 < ga.checkerboard_score(noise) < 1.4
    assert ga.checkerboard_score(noise + 0.3 * maps["checker"]) > 4.0  # measured ~6
    assert ga.checkerboard_score(noise + 0.5 * maps["blocks"]) < 1.5


def test_the_photo_itself_has_neither():
    photo = lh.sample_image("cat_dog").astype(np.float64)
    assert ga.grid_artifact_score(photo) < 1.5
    assert ga.checkerboard_score(photo) < 1.5


def test_the_measures_refuse_what_they_cannot_measure():
    with pytest.raises(ValueError, match="3 cells"):
        ga.grid_artifact_score(np.zeros((64, 448)), period=32)
    with pytest.raises(ValueError, match="period"):
        ga.grid_artifact_score(np.zeros((224, 448)), period=1)
    with pytest.raises(ValueError, match="NaN"):
        ga.checkerboard_score(np.full((32, 32), np.nan))
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        ga.checkerboard_score(np.zeros((2, 32, 32, 3)))
    assert ga.grid_artifact_score(np.ones((96, 96))) == 1.0  # a constant map: nothing to see


# ---------------------------------------------------------------------------
# The display: picking the nearest pixel aliases a 2-px checkerboard into blocks


def test_display_nearest_picks_the_pixels_matplotlib_picks():
    """An index image drawn by Agg at 222 x 111 px, as notebook 4's panels are: the
    columns and rows shown are ``display_nearest``'s (odd ones, then even ones after ~111
    px, and so on: the phase flips that make the blocks)."""
    height, width = SIZE
    index = np.zeros((height, width, 3), np.uint8)
    index[..., 0] = np.arange(width)[None] % 256
    index[..., 1] = np.arange(width)[None] // 256
    index[..., 2] = np.arange(height)[:, None]
    fig = plt.figure(figsize=(PANEL_WIDTH / 72, PANEL_WIDTH / 2 / 72), dpi=72)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(index, interpolation="nearest")
    ax.axis("off")
    fig.canvas.draw()
    shown = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    plt.close(fig)
    expected = ga.display_nearest(index, PANEL_WIDTH).astype(int)
    assert shown.shape == expected.shape == (111, 222, 3)
    columns = shown[..., 0] + 256 * shown[..., 1]
    assert np.mean(columns == expected[..., 0] + 256 * expected[..., 1]) > 0.95
    assert np.mean(shown[..., 2] == expected[..., 2]) > 0.95
    picked = expected[0, :, 0] + 256 * expected[0, :, 1]
    flips = np.flatnonzero(np.diff(picked % 2)) + 1
    assert list(flips) == [55, 111, 166], picked  # odd columns, even from 112, odd, even


# ---------------------------------------------------------------------------
# The figure


@pytest.mark.parametrize("dpi", [72, 100])
def test_plot_checkerboard_aliasing_is_legible(dpi):
    maps = _synthetic(0)
    attribution = maps["noise"] + 0.5 * maps["checker"]
    with matplotlib.rc_context({"figure.dpi": dpi}):
        fig = lh.plot_checkerboard_aliasing(attribution, maps["noise"])
        fig.canvas.draw()
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        assert fig.dpi == dpi and fig.get_size_inches()[0] <= 11.5
        colorbars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
        panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert len(colorbars) == 1 and len(panels) == 4
        titles = [ax.get_title() for ax in panels]
        assert "nearest pixel" in titles[0] and "averaged" in titles[1]
        assert "full size" in titles[2] and "phase" in titles[3]
        assert colorbars[0] in fig.axes and panels[2].images  # the close-up's colour scale
        for ax in panels:
            box = ax.get_window_extent()
            assert box.width >= 160 and box.height >= 160, (ax.get_title(), box)
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
        assert texts and min(t.get_fontsize() for t in texts) >= 10
        legend = panels[3].get_legend()
        assert legend is not None and len(legend.get_texts()) == 4  # R, G, B, reference
    finally:
        plt.close(fig)


def test_plot_checkerboard_aliasing_wants_a_colour_map():
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        lh.plot_checkerboard_aliasing(np.zeros((224, 448)))
