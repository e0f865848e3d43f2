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
    return [o for o in cell.get("outputs", []) if figures.output_png(o) is not None]


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
            report = figures.output_metadata(output).get(figures.METADATA_KEY)
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


# ---------------------------------------------------------------------------
# Texts that overlap or are cut off, and empty panels, measured on the drawn figure


def _problems(fig) -> list[str]:
    return figures.rule_violations(figures.figure_report(fig))


def _pictures(ax, seed=0, shape=(60, 80)):
    ax.imshow(np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8))
    ax.axis("off")


def test_overlapping_titles_and_a_suptitle_on_them_are_caught():
    fig, axes = plt.subplots(1, 3, figsize=(7, 3.2), layout="constrained")
    for ax in axes:
        _pictures(ax, shape=(60, 60))
    vanilla, smooth = "Egyptian cat (class 285): Vanilla", "Egyptian cat (class 285): SmoothGrad"
    axes[0].set_title(vanilla, fontsize=12)  # wider than its panel, as is the next one
    axes[1].set_title(smooth, fontsize=12)
    axes[2].set_title("IG", fontsize=12)
    fig.suptitle("A suptitle on the titles", x=0.85, y=0.9)
    report = figures.figure_report(fig)
    assert [vanilla, smooth] in report["text_overlaps"]
    problems = figures.rule_violations(report)
    assert f"texts overlap: {vanilla!r} and {smooth!r}" in problems
    assert "texts overlap: 'A suptitle on the titles' and 'IG'" in problems
    assert f"text cut off by the figure's edge: {vanilla!r}" in problems  # over the left edge
    assert len(problems) == 4
    pairs = [tuple(pair) for pair in report["text_overlaps"]]
    assert all(first != second for first, second in pairs)  # no text overlaps itself
    axes[0].set_title("Vanilla", fontsize=12)
    axes[1].set_title("SmoothGrad", fontsize=12)
    fig.suptitle("Egyptian cat (class 285)")
    assert _problems(fig) == []


def test_a_colorbar_tick_label_under_a_panel_title_is_caught():
    fig, axes = plt.subplots(2, 2, figsize=(7, 6), layout="constrained")
    for ax in axes.flat:
        image = ax.imshow(np.random.default_rng(0).random((60, 80)), vmin=0, vmax=1)
        ax.axis("off")
    title = "Integrated Gradients (gap 11%) in 64 steps from black"
    axes[1, 1].set_title(title, fontsize=12)  # wider than its panel: over the colorbar
    bar = fig.colorbar(image, ax=axes, fraction=0.03, pad=0.01, label="value",
                       ticks=np.linspace(0, 1, 21))  # a tick label every ~20 px
    problems = _problems(fig)
    ticks = [label.get_text() for label in bar.ax.get_yticklabels()]
    name = "Integrated Gradients (gap 11%) in 64 st…"  # texts are named by 40 characters
    under = [t for t in ticks if f"texts overlap: {name!r} and {t!r}" in problems]
    assert under, problems  # a tick label of the colorbar under the title
    assert f"texts overlap: {name!r} and 'colorbar: value'" in problems  # and the bar
    assert all(name in p for p in problems)
    axes[1, 1].set_title("IG (gap 11%)", fontsize=12)  # fits its panel: clear of the colorbar
    assert _problems(fig) == []


def test_tick_labels_that_touch_each_other_overlap():
    fig, ax = plt.subplots(figsize=(3, 3), layout="constrained")
    ax.plot(range(10))
    ax.set_xticks(range(10), [f"label{k}" for k in range(10)])
    problems = _problems(fig)
    assert "texts overlap: 'label0' and 'label1'" in problems
    assert len(problems) == 9 and all(p.startswith("texts overlap: 'label") for p in problems)
    ax.set_xticks(range(0, 10, 3), [f"label{k}" for k in range(0, 10, 3)])
    assert _problems(fig) == []


def test_a_text_outside_the_figure_and_a_title_wider_than_it_are_caught():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    fig.text(1.02, 0.5, "outside the figure")
    report = figures.figure_report(fig)
    assert report["clipped_texts"] == ["outside the figure"]
    assert figures.rule_violations(report) == [
        "text cut off by the figure's edge: 'outside the figure'"]
    narrow, ax = plt.subplots(figsize=(3, 3))
    ax.plot([0, 1], [0, 1])
    ax.set_title("A title wider than the figure", fontsize=16)
    assert _problems(narrow) == [
        "text cut off by the figure's edge: 'A title wider than the figure'"]
    ax.set_title("A title that fits", fontsize=16)
    assert _problems(narrow) == []
    clipped, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    ax.text(0.9, 0.5, "cut at the axes", clip_on=True)  # clipped by its own axes
    assert _problems(clipped) == ["text cut off by the figure's edge: 'cut at the axes'"]


def test_an_empty_fourth_panel_is_caught_shown_or_hidden():
    fig, axes = plt.subplots(2, 2, figsize=(7, 6), layout="constrained")
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < 3:
            _pictures(ax, k)
            ax.set_title(f"picture {k + 1}")
    report = figures.figure_report(fig)
    assert report["empty_panels"] == ["row 2, column 2"]
    assert figures.rule_violations(report) == ["empty panel: 'row 2, column 2'"]
    axes[1, 1].set_title("nothing here")  # a title alone is not a picture
    assert _problems(fig) == ["empty panel: 'nothing here'"]
    axes[1, 1].set_visible(False)  # hidden, its slot is still empty
    assert _problems(fig) == ["empty panel: 'nothing here (a hidden axes)'"]
    axes[1, 1].remove()  # no axes, no slot kept for one
    assert _problems(fig) == []


def test_a_clean_2x2_figure_passes():
    fig, axes = plt.subplots(2, 2, figsize=(7.5, 6.4), layout="constrained")
    for k, ax in enumerate(axes.flat):
        image = ax.imshow(np.random.default_rng(k).random((60, 80)), vmin=0, vmax=1)
        ax.set_title(f"panel {k + 1}: a map")
        ax.set_xlabel("x (px)")
    bar = fig.colorbar(image, ax=axes, fraction=0.03, pad=0.01)
    bar.set_label("value (1 = its maximum)")
    fig.suptitle("Four maps and one scale")
    report = figures.figure_report(fig)
    assert report["text_overlaps"] == report["clipped_texts"] == report["empty_panels"] == []
    assert figures.rule_violations(report) == []


def test_texts_are_measured_on_the_draw_that_made_the_picture():
    """Axis labels and legends are placed while drawing, in the cropped picture's coordinates
    (bbox_inches="tight"): measured on another draw they would seem to overlap their ticks."""
    fig, (ax_image, ax) = plt.subplots(1, 2, figsize=(8.5, 3.4), width_ratios=[1, 1.5])
    _pictures(ax_image, shape=(60, 60))  # no axis on the left: the crop moves everything
    ax_image.set_title("a picture")
    ax.plot([0, 1], [0, 40], label="logit")
    ax.set_ylabel("logit")
    twin = ax.twinx()
    twin.plot([0, 1], [0, 1], color="tab:red", label="probability")
    twin.set_ylabel("softmax probability")  # placed at draw time, beside the tick labels
    twin.legend(loc="upper left")
    fig.suptitle("A figure whose tight crop moves everything")
    fig.tight_layout()
    _, metadata = figures.figure_png(fig)
    assert figures.rule_violations(metadata[figures.METADATA_KEY]) == []
    assert _problems(fig) == []
    import io

    buffer = io.BytesIO()  # a picture made elsewhere: the texts measured on a draw of their own
    fig.savefig(buffer, format="png", bbox_inches="tight")
    assert figures.rule_violations(figures.figure_report(fig, buffer.getvalue())) == []


def test_a_report_without_the_text_measurements_still_checks():
    """Reports made before these checks (the committed notebooks' until they run again)."""
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [1, 0])
    report = figures.figure_report(fig)
    for key in ("text_overlaps", "clipped_texts", "empty_panels"):
        del report[key]
    assert figures.rule_violations(report) == []


def test_wrap_text_breaks_at_a_colon_or_a_bracket_first():
    assert figures.wrap_text("short", 1.0, 12) == "short"
    title = "kitten (P(dog) = 0.28): evidence for cat"
    assert figures.wrap_text(title, 2.3, 12) == "kitten (P(dog) = 0.28):\nevidence for cat"
    assert figures.wrap_text("Integrated Gradients (gap 11%)", 1.9, 12) == (
        "Integrated Gradients\n(gap 11%)")
    wrapped = figures.wrap_text("tiger cat: the score's drop when a 48-px patch is hidden", 3.8,
                                12)
    assert wrapped.count("\n") == 1  # two lines, not three
    for line in wrapped.split("\n"):
        assert figures.text_width(line, 12) <= 3.8 * 100
    assert figures.wrap_text("a\nb", 1.0, 12) == "a\nb"  # its own breaks stay
    # a word wider than the panel keeps a line of its own, whole
    assert figures.wrap_text("x: a verylongwordthatdoesnotfit", 0.5, 12).split("\n")[-1] == (
        "verylongwordthatdoesnotfit")


# ---------------------------------------------------------------------------
# The library's figures with their notebooks' inputs (fake maps of the right shapes)


def _scene():
    import lecture_helpers as lh

    return lh.sample_image("cat_dog")  # 224 x 448: a cat (left) and a dog (right)


def _saliency_row(image, name, index, gap, seed=0):
    from lecture_helpers.attribution import Attribution, get_method

    rng = np.random.default_rng(seed)
    return [Attribution(method, get_method(method).title,
                        rng.random((1, *image.shape[:2])).astype(np.float32),
                        image[None].astype(np.float32), np.array([index]), (name,),
                        np.array([1.0]), attributions=np.zeros((1, *image.shape), np.float32),
                        details={} if gap is None
                        else {"relative_completeness_gap": np.array([gap])})
            for method, gap in (("vanilla", None), ("smoothgrad", None),
                                ("integrated_gradients", gap))]


def _photo_panels(fig, photo):
    return [ax for ax in fig.axes if ax.images and np.array_equal(ax.images[0].get_array(), photo)]


@pytest.mark.parametrize("photo", [True, False])
def test_show_saliency_two_classes_one_scene_passes_and_shows_the_photo(photo):
    import lecture_helpers as lh

    with matplotlib.rc_context({"axes.titlesize": 12, "figure.titlesize": 13}):
        scene = _scene()
        rows = [_saliency_row(scene, "Egyptian cat", 285, 0.07),
                _saliency_row(scene, "beagle", 162, 0.11)]
        fig = lh.show_saliency(rows, photo=photo, panel_size=1.62,
                               suptitle="One scene, two classes, three methods")
        assert _problems(fig) == []
        assert len(_photo_panels(fig, scene)) == 1  # once, above: a column would be too wide
        single = lh.show_saliency(rows[0][:1], panel_size=1.9)  # notebook 3: the photo beside
        assert _problems(single) == [] and len(_photo_panels(single, scene)) == 1
        assert len(single.axes) == 3  # the photo, the map, the colorbar


def test_show_saliency_espresso_row_passes_with_the_gap_under_its_method():
    import lecture_helpers as lh

    with matplotlib.rc_context({"axes.titlesize": 12, "figure.titlesize": 13}):
        coffee = lh.sample_image("coffee", size=224)
        row = _saliency_row(coffee, "espresso", 967, 0.01)
        fig = lh.show_saliency(row, panel_size=2.0, suptitle="Image gradients for 'espresso'")
        assert _problems(fig) == []
        titles = [ax.get_title() for ax in fig.axes]
        assert "Integrated Gradients\n(gap 1%)" in titles and "espresso (class 967)" in titles
        ragged = lh.show_saliency([row, row[:2]], panel_size=2.0)  # no hidden placeholder
        assert _problems(ragged) == []


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


def test_plot_guided_passes_and_shows_its_photo():
    import lecture_helpers as lh

    with matplotlib.rc_context({"axes.titlesize": 12, "figure.titlesize": 13}):
        scene = _scene()
        pictures = [np.random.default_rng(k).normal(size=(224, 448, 3)) for k in range(3)]
        titles = ["Guided backprop: tiger cat", "Guided Grad-CAM: tiger cat",
                  "Guided backprop: beagle"]
        fig = lh.plot_guided(pictures, titles, photo=scene, ncols=2)
        assert _problems(fig) == [] and len(_photo_panels(fig, scene)) == 1


def test_picture_grids_with_a_short_last_row_have_no_empty_panels():
    import keras

    import lecture_helpers as lh
    from lecture_helpers.optimize.results import OptimizationResult

    rng = np.random.default_rng(0)
    result = OptimizationResult(
        images=rng.integers(0, 256, (3, 128, 128, 3), dtype=np.uint8),
        history=rng.random((3, 8)).astype(np.float32), objectives=["a", "b", "c"],
        titles=["filter 0", "filter 1", "filter 2"])
    assert _problems(result.plot(ncols=2)) == []
    assert _problems(lh.plot_results({"three": result, "one": result.select([0])})) == []
    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 32, 3))
    outputs = keras.layers.Conv2D(6, 3, name="conv")(inputs)  # 6 filters in rows of 8
    fig = lh.plot_kernels(keras.Model(inputs, outputs), "conv")
    assert _problems(fig) == [] and len(fig.axes) == 6
