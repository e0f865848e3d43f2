"""Every control of every lecture widget has a name a screen reader reads, and every picture
says what it shows.

ipywidgets renders a control's ``description`` as its label (a button's as its text); a
control without one is announced as "button", with nothing to say what it sets. A slider's
handle has no name at all, whatever its description (ipywidgets 8 gives noUiSlider no label
for it; axe-core: aria-input-field-name), so the widgets use number boxes and menus instead.
An ``Image`` shows its ``tooltip`` as the <img>'s title, which is its accessible name: each
picture's is generated from what it draws. Each widget is built on a small Keras model, its
controls collected from its boxes. tests/product/test_accessibility.py audits them drawn in a
browser.
"""

from __future__ import annotations

import re

import ipywidgets
import pytest

import lecture_helpers as lh

WIDGETS = ("ActivationBrowser", "GradCAMExplorer", "SaliencyExplorer", "FilterExplorer",
           "ClassVisualizer")
OUTPUTS = (ipywidgets.Image, ipywidgets.HTML, ipywidgets.HTMLMath, ipywidgets.Label,
           ipywidgets.Output)


SLIDERS = (ipywidgets.IntSlider, ipywidgets.FloatSlider, ipywidgets.FloatLogSlider,
           ipywidgets.IntRangeSlider, ipywidgets.FloatRangeSlider, ipywidgets.SelectionSlider,
           ipywidgets.SelectionRangeSlider)


def _pictures(widget) -> list:
    if isinstance(widget, ipywidgets.Box):
        return [image for child in widget.children for image in _pictures(child)]
    return [widget] if isinstance(widget, ipywidgets.Image) else []


def _controls(widget) -> list:
    if isinstance(widget, ipywidgets.Box):
        return [control for child in widget.children for control in _controls(child)]
    return [] if isinstance(widget, OUTPUTS) else [widget]


@pytest.fixture(scope="module")
def small():
    return lh.load_model("cats_vs_dogs_small")


@pytest.mark.parametrize("name", WIDGETS)
def test_every_control_has_a_name(small, name):
    widget = getattr(lh.widgets, name)(small)
    controls = _controls(widget)
    assert len(controls) >= 3, name  # the walk reached the controls
    unnamed = [type(control).__name__ for control in controls
               if not str(getattr(control, "description", "")).strip()]
    assert not unnamed, f"{name}: controls without a description: {unnamed}"
    names = [control.description for control in controls]
    repeated = {n for n in names if names.count(n) > 1}
    assert not repeated, f"{name}: two controls named alike: {repeated}"


@pytest.mark.parametrize("name", WIDGETS)
def test_no_control_is_a_slider_whose_handle_has_no_name(small, name):
    widget = getattr(lh.widgets, name)(small)
    sliders = [control.description for control in _controls(widget)
               if isinstance(control, SLIDERS)]
    assert not sliders, f"{name}: sliders (a handle with no accessible name): {sliders}"


@pytest.mark.parametrize("name", ["ActivationBrowser", "GradCAMExplorer", "SaliencyExplorer"])
def test_every_picture_says_what_it_shows_and_follows_the_controls(small, name):
    widget = getattr(lh.widgets, name)(small)
    pictures = _pictures(widget)
    assert pictures and all(bytes(p.value) for p in pictures)
    before = [p.tooltip for p in pictures]
    assert all(before), f"{name}: a picture without a description: {before}"
    main = before[-1]
    if name == "ActivationBrowser":
        assert main.startswith("All 16 channels of layer conv2d_0 for the photo "), main
        assert re.search(r"; \d+ of them all zero here$", main), main
        widget.whole_layer.value = False
        widget.channel_input.value = 3
        after = pictures[-1].tooltip
        assert after.startswith("Channel 3 of layer conv2d_0"), after
        assert re.search(r"(\d+% of its units active; peak in the .*% on the top half"
                         r"|all zero here)$", after), after
    else:
        assert re.search(r" for .+ on the photo .+[:;] peak in the (top|middle|bottom|centre)",
                         main), main
        heat = float(re.search(r"(\d+)% of the heat on the left half", main).group(1))
        assert 0 <= heat <= 100
        widget.image_dropdown.value = widget.image_dropdown.options[1]
        assert pictures[-1].tooltip != main
        assert f"on the photo {widget.image_dropdown.value}" in pictures[-1].tooltip


def test_the_class_picture_is_described_from_its_figure(small):
    visualizer = lh.widgets.ClassVisualizer(small, query="dog", steps=8, size=128)
    visualizer.run()
    alt = visualizer.view.tooltip
    assert alt.startswith("Figure. 2 panels. Panel 1 (dog"), alt
    assert "logit (objective) against step" in alt and "from " in alt, alt


@pytest.mark.parametrize(("name", "options", "message"), [
    ("ClassVisualizer", {"steps": 4}, "steps must be between 8 and 512"),
    ("ClassVisualizer", {"size": 64}, r"size must be one of \(128, 224\), got 64"),
    ("FilterExplorer", {"steps": 1000}, "steps must be between 8 and 512"),
    ("FilterExplorer", {"lr": 0}, r"lr must be in \(0, 1\]"),
    ("GradCAMExplorer", {"alpha": 1.5}, r"alpha \(the overlay's opacity\) must be in"),
])
def test_a_value_out_of_a_box_s_range_is_refused_not_clamped(small, name, options, message):
    with pytest.raises(ValueError, match=message):
        getattr(lh.widgets, name)(small, **options)
