"""How a notebook shows a figure (lecture_helpers/figures/output.py): the report and the alt text
as metadata, an <img> with its alt, a 256-colour palette, and the picture read back."""

from __future__ import annotations

import html

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lecture_helpers import figures  # noqa: E402
from lecture_helpers.alt_text import describe  # noqa: E402


@pytest.mark.usefixtures("slide_defaults")
def test_the_notebook_formatter_attaches_the_report():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [1, 0])
    data, metadata = figures.figure_png(fig)
    report = metadata[figures.METADATA_KEY]
    assert isinstance(data, str) and len(data) > 100
    assert report["width_px"] > 200 and report["panels"][0]["kind"] == "plot"
    assert figures.install_figure_reports() is False  # no IPython shell here


@pytest.mark.usefixtures("slide_defaults")
def test_a_palette_figure_is_stored_with_256_colours_and_says_so():
    import base64
    import io

    from PIL import Image

    fig, ax = plt.subplots(figsize=(3, 3))
    ax.imshow(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    full, _ = figures.figure_png(fig)
    data, metadata = figures.figure_png(figures.mark_palette(fig))
    picture = Image.open(io.BytesIO(base64.b64decode(data)))
    assert picture.mode == "P" and metadata[figures.METADATA_KEY]["palette"]
    assert len(data) < 0.7 * len(full)
    original = np.asarray(Image.open(io.BytesIO(base64.b64decode(full))).convert("RGB"), int)
    assert np.abs(np.asarray(picture.convert("RGB"), int) - original).mean() < 12


def test_a_figure_is_shown_as_an_img_with_its_alt_and_read_back_from_it():
    fig, ax = plt.subplots()
    ax.imshow(np.zeros((4, 4, 3)))
    ax.set_title('a "quoted" <title> & more')
    markup, metadata = figures.figure_html(fig)
    output = {"data": {"text/html": markup, "text/plain": "<Figure>"},
              "metadata": {"text/html": metadata}}
    assert figures.output_png(output) == figures.figure_png(fig)[0]
    assert figures.output_metadata(output)["alt"] == describe(fig)
    shown = figures.FIGURE_HTML.fullmatch(markup)
    assert html.unescape(shown.group("alt")) == 'Figure: a "quoted" <title> & more. ' \
        "A picture (4x4 px)."
    assert figures.output_png({"data": {"text/html": "<b>not a figure</b>"}}) is None
    from hub.simulate import shows_picture  # the hub's load test times the first picture

    assert shows_picture(output) and not shows_picture({"data": {"text/html": "<b>x</b>"}})
    plt.close(fig)
