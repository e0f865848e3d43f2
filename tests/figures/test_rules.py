"""The report of a drawn figure and the slide rules (lecture_helpers/figures/rules.py): each rule
can fail, grids have their own minimum, a shared colorbar; texts that overlap or are cut off
(measured by lecture_helpers/figures/texts.py) and empty panels."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lecture_helpers import figures  # noqa: E402
from tests.figure_checks import problems as _problems  # noqa: E402

pytestmark = pytest.mark.usefixtures("slide_defaults")


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


# ---------------------------------------------------------------------------
# Texts that overlap or are cut off, and empty panels, measured on the drawn figure


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
