"""Every control of every lecture widget has a name a screen reader reads.

ipywidgets renders a control's ``description`` as its label (a button's as its text); a
control without one is announced as "slider" or "button", with nothing to say what it sets.
Each widget is built on a small Keras model, its controls collected from its boxes.
"""

from __future__ import annotations

import ipywidgets
import pytest

import lecture_helpers as lh

WIDGETS = ("ActivationBrowser", "GradCAMExplorer", "SaliencyExplorer", "FilterExplorer",
           "ClassVisualizer")
OUTPUTS = (ipywidgets.Image, ipywidgets.HTML, ipywidgets.HTMLMath, ipywidgets.Label,
           ipywidgets.Output)


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
