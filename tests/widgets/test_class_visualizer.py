"""ClassVisualizer, driven from plain Python: search a class, run, reuse the compiled step."""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers.widgets.class_visualizer import class_choices


def test_class_choices(model):
    assert class_choices(model, "flamin") == [("flamingo (130)", 130)]
    assert class_choices(model, "130") == [("flamingo (130)", 130)]
    assert class_choices(model, "1000") == []
    assert class_choices(model, "   ") == []
    assert len(class_choices(model, "cat")) > 5


def test_class_visualizer_search_and_run(model):
    visualizer = lh.widgets.ClassVisualizer(model, query="flamin", steps=8, size=128)
    assert visualizer.class_dropdown.value == 130
    assert not visualizer.run_button.disabled
    visualizer.search.value = "zzzz"
    assert visualizer.run_button.disabled
    assert "no class matches" in visualizer.status.value
    visualizer.search.value = "goldfish"
    assert visualizer.class_dropdown.value == 1
    visualizer.run_button.click()  # the button's handler, as a click in the notebook
    assert visualizer.runs == 1
    assert visualizer.progress.value == 8 == visualizer.progress.max
    assert visualizer.picture.shape == (128, 128, 3)
    assert visualizer.result.history.shape == (1, 8)
    assert visualizer.result.history[0, -1] > visualizer.result.history[0, 0]
    assert "goldfish (1)" in visualizer.status.value
    first_shown, first_picture = visualizer.shown.copy(), visualizer.picture.copy()
    visualizer.search.value = "flamingo"
    visualizer.run()
    assert not np.array_equal(first_picture, visualizer.picture)
    assert first_shown.shape == visualizer.shown.shape
    assert not np.array_equal(first_shown, visualizer.shown)
    assert "flamingo (130)" in visualizer.status.value


def test_the_visualizer_draws_visualize_class_and_reuses_its_compiled_step(model):
    from lecture_helpers.optimize.engine import cached_engines

    expected = lh.visualize_class(model, ["goldfish"], steps=8, size=128, progress=False)
    engines = cached_engines(model)
    visualizer = lh.widgets.ClassVisualizer(model, query="goldfish", steps=8, size=128)
    assert visualizer.preset_dropdown.value == "class recipe"
    visualizer.run()
    np.testing.assert_array_equal(visualizer.picture, expected.images[0])
    assert cached_engines(model) == engines  # nothing compiled for the widget


def test_class_visualizer_bad_input(model):
    with pytest.raises(ValueError, match="preset"):
        lh.widgets.ClassVisualizer(model, preset="sharpen")
    with pytest.raises(TypeError, match="keras.Model"):
        lh.widgets.ClassVisualizer(object())
    visualizer = lh.widgets.ClassVisualizer(model, query="qqqq")
    with pytest.raises(ValueError, match="no class"):
        visualizer.run()
