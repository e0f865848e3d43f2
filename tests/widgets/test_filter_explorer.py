"""FilterExplorer, driven from plain Python: the controls reach the engine."""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh


def test_filter_explorer_runs_and_shows_a_new_picture_when_controls_change(model):
    explorer = lh.widgets.FilterExplorer(
        model, layer="block3a_expand_activation", channel=1, steps=8, size=64
    )
    assert explorer.image.value == b""
    first = explorer.run()
    assert explorer.progress.value == 8 and not explorer.run_button.disabled
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert first.images.shape == (1, 64, 64, 3) and first.history.shape == (1, 8)
    shown = explorer.image.value
    explorer.filter_input.value = 2
    explorer.run()
    assert explorer.image.value != shown
    assert np.abs(explorer.picture.astype(int) - first.images[0].astype(int)).mean() > 5
    # the toggles reach the engine
    explorer.param_toggle.value = "pixel"
    explorer.l2_box.value = explorer.tv_box.value = explorer.blur_box.value = True
    explorer.transforms_box.value = False
    explorer.steps_input.value = 16
    result = explorer.run()
    assert result.history.shape == (1, 16)
    assert result.config["param"] == lh.optimize.PixelParam()
    assert result.config["transforms"] == ()
    assert len(result.config["regularizers"]) == 3
    assert "objective" in explorer.status.value


def test_filter_explorer_limits_the_filter_index_to_the_layer(model):
    explorer = lh.widgets.FilterExplorer(model, layer="stem_activation", channel=5)
    assert explorer.filter_input.max == 31
    explorer.layer_dropdown.value = "block5a_expand_activation"
    assert explorer.filter_input.max == 479
    explorer.filter_input.value = 400
    explorer.layer_dropdown.value = "block2a_expand_activation"  # 96 channels
    assert explorer.filter_input.value == 95
    with pytest.raises(ValueError, match="no filters to visualize"):
        lh.widgets.FilterExplorer(model, layer="logits")
