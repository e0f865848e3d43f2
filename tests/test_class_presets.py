"""Named regularization presets for class pictures and their comparison figure
(lecture_helpers/class_presets.py, re-exported by lh.class_neurons)."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_helpers import class_neurons as cn


def test_unknown_preset(model):
    with pytest.raises(ValueError, match="Fourier"):
        cn.visualize_class_preset(model, [130], preset="sharpen", steps=1)


def test_presets_and_comparison_plot(model):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assert set(cn.CLASS_PRESETS) >= {"none", "L2 decay", "blur", "jitter", cn.DEFAULT_PRESET}
    results = cn.compare_class_presets(model, "flamingo", ["none", "jitter"], steps=4, size=64)
    assert list(results) == ["none", "jitter"]
    assert results["none"].images.shape == (1, 64, 64, 3)
    probs = {"none": np.array([[0.2, 0.4]]), "jitter": np.array([[1.0, 0.9]])}
    fig = cn.plot_preset_comparison(results, probs)
    curves, *pictures = fig.axes  # one picture per preset, their curves in one plot
    assert len(pictures) == 2 and len(curves.get_lines()) == 2
    assert [t.get_text() for t in curves.get_legend().get_texts()] == ["none", "jitter"]
    assert "p = 0.30 in 2 random views" in pictures[0].get_title()
    assert "p = 0.95" in pictures[1].get_title()
    plt.close(fig)
