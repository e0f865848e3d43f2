"""lecture_helpers/widgets/_snapshot.py: a widget's picture as a figure, pixel for pixel."""

from __future__ import annotations

import io

import ipywidgets
import matplotlib
import numpy as np
import pytest
from PIL import Image

import lecture_helpers as lh
from lecture_helpers.figures import figure_report

matplotlib.use("Agg")


class _Shows:
    """The one thing snapshot reads of a lecture widget: an ipywidgets.Image named ``view``."""

    def __init__(self, width: int, height: int):
        pixels = np.zeros((height, width, 3), np.uint8)
        pixels[:, : width // 2] = 255
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG")
        self.view = ipywidgets.Image(value=buffer.getvalue(), format="png")


def _title_and_axes(fig):
    renderer = fig.canvas.get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    return title, fig.axes[0].get_window_extent(renderer)


def test_a_short_title_keeps_the_picture_s_own_width():
    fig = lh.widgets.snapshot(_Shows(500, 300), title="A short title")
    assert fig.get_figwidth() * fig.dpi == pytest.approx(500)
    title, axes = _title_and_axes(fig)
    assert axes.width == pytest.approx(500, abs=1)
    matplotlib.pyplot.close(fig)


def test_a_title_wider_than_a_narrow_picture_widens_the_figure_not_the_picture():
    fig = lh.widgets.snapshot(_Shows(120, 120), title="The explorer now: a long title here")
    title, axes = _title_and_axes(fig)
    width_px = fig.get_figwidth() * fig.dpi
    assert width_px == int(width_px) and width_px > 120  # whole pixels
    assert title.x0 >= 0 and title.x1 <= width_px  # the whole title on the figure
    assert axes.width == pytest.approx(120, abs=1)  # the picture pixel for pixel
    assert (axes.x0 + axes.x1) / 2 == pytest.approx(width_px / 2, abs=1)  # centred
    matplotlib.pyplot.close(fig)


def test_a_widget_without_a_picture_is_named():
    with pytest.raises(TypeError, match="object has no picture"):
        lh.widgets.snapshot(object())


@pytest.mark.usefixtures("slide_defaults")
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
