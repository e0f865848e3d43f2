"""Every committed figure is legible on a projector, and every slide holds one figure at most.

The rules are :data:`lecture_helpers.figures.SLIDE_RULES`; each figure's measurements are the
``lecture_helpers/figure`` metadata that ``lh.setup_notebook`` attaches when the notebook runs
(nbcheck re-runs the notebooks and compares their pictures, so the committed reports stay true).
"""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lecture_helpers import figures  # noqa: E402
from tests.notebook_files import notebook_paths  # noqa: E402

MAX_FIGURES_PER_SLIDE = 1
MAX_CODE_LINES_PER_SLIDE = 15


def _slides(path):
    """[(title, cells)] : a slide or subslide and its fragments / continuation cells."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    slides = []
    for index, cell in enumerate(nb["cells"]):
        kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")
        if kind in ("skip", "notes"):
            continue
        if kind in ("slide", "subslide") or not slides:
            first_line = "".join(cell["source"]).strip().splitlines()[:1]
            slides.append((f"cell {index}: {first_line[0][:50] if first_line else ''}", []))
        slides[-1][1].append(cell)
    return slides


def _pngs(cell):
    return [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]


def _code_lines(cell) -> int:
    if cell["cell_type"] != "code":
        return 0
    lines = "".join(cell["source"]).splitlines()
    return sum(1 for line in lines if line.strip())


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_every_figure_meets_the_slide_rules(path):
    problems, count = [], 0
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        for output in _pngs(cell):
            count += 1
            report = output.get("metadata", {}).get("image/png", {}).get(figures.METADATA_KEY)
            if report is None:
                problems.append(f"cell {index}: a picture without a figure report (not a figure "
                                "shown after lh.setup_notebook)")
                continue
            problems += [f"cell {index}: {p}" for p in figures.rule_violations(report)]
    assert count > 0
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_every_slide_holds_one_figure_and_little_code(path):
    problems = []
    for title, cells in _slides(path):
        pictures = sum(len(_pngs(c)) for c in cells)
        code = sum(_code_lines(c) for c in cells)
        if pictures > MAX_FIGURES_PER_SLIDE:
            problems.append(f"{title}: {pictures} figures")
        if code > MAX_CODE_LINES_PER_SLIDE:
            problems.append(f"{title}: {code} lines of code")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


# ---------------------------------------------------------------------------
# The report and the rules themselves, on figures made here


@pytest.fixture(autouse=True)
def _slide_defaults():
    with matplotlib.rc_context({"figure.dpi": 100, "font.size": 11}):
        yield
    plt.close("all")


def test_a_legible_figure_passes_and_is_measured_in_pixels():
    fig, ax = plt.subplots(figsize=(4, 3))
    image = ax.imshow(np.random.default_rng(0).random((20, 30)), vmin=0, vmax=1)
    fig.colorbar(image, ax=ax)
    ax.set_title("values", fontsize=12)
    ax.axis("off")
    report = figures.figure_report(fig)
    assert report["dpi"] == 100
    (panel,) = report["panels"]  # the colorbar is not a panel
    assert panel["kind"] == "image" and panel["colour_encodes_value"] and panel["colorbar"]
    assert 200 < panel["width_px"] < 400 and panel["image_shape"] == [20, 30]
    assert report["min_font_pt"] >= 10
    assert figures.rule_violations(report) == []


def test_each_rule_can_fail():
    fig, axes = plt.subplots(1, 8, figsize=(12, 1.2), dpi=72)
    for ax in axes:
        ax.imshow(np.zeros((224, 224)))
        ax.set_title("tiny", fontsize=7)
    problems = " | ".join(figures.rule_violations(figures.figure_report(fig)))
    for expected in ("72 dpi", "7 pt", "(< 160)", "no colorbar", "shrinks"):
        assert expected in problems, (expected, problems)
    wide, ax = plt.subplots(figsize=(16, 3))
    ax.plot([0, 1], [0, 1])
    (problem,) = figures.rule_violations(figures.figure_report(wide))
    assert "px wide > 1200" in problem


def test_grids_and_tiles_have_their_own_minimum():
    fig, ax = plt.subplots(figsize=(10, 1.4))
    ax.imshow(np.zeros((50, 50 * 16, 3)))
    figures.mark_grid(ax, 1, 16)  # 16 tiles of ~60 px
    report = figures.figure_report(fig)
    assert report["panels"][0]["tiles"] == 16
    assert any("-px tiles" in p for p in figures.rule_violations(report))
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.imshow(np.zeros((50, 50 * 4, 3)))
    figures.mark_grid(ax, 1, 4)  # 4 tiles of ~200 px
    report = figures.figure_report(fig)
    assert report["panels"][0]["tile_px"] > 150
    assert figures.rule_violations(report) == []


def test_a_shared_colorbar_covers_every_panel_with_the_same_scale():
    fig, axes = plt.subplots(1, 2, figsize=(7, 3))
    shown = [ax.imshow(np.eye(5), cmap="jet", vmin=0, vmax=1) for ax in axes]
    fig.colorbar(shown[-1], ax=list(axes))
    assert all(p["colorbar"] for p in figures.figure_report(fig)["panels"])
    axes[0].images[0].set_clim(0, 2)  # another scale: the colorbar no longer applies
    assert [p["colorbar"] for p in figures.figure_report(fig)["panels"]] == [False, True]


def test_the_notebook_formatter_attaches_the_report():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [1, 0])
    data, metadata = figures.figure_png(fig)
    report = metadata[figures.METADATA_KEY]
    assert isinstance(data, str) and len(data) > 100
    assert report["width_px"] > 200 and report["panels"][0]["kind"] == "plot"
    assert figures.install_figure_reports() is False  # no IPython shell here


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
