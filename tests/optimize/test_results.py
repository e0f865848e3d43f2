"""Results (lecture_helpers/optimize/results.py): selection and plots, legible grids."""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh
from tests.figure_checks import problems as _problems

MID_LAYER = "block4c_expand_activation"  # stage 4 of 7, 480 channels at 1/16 resolution


@pytest.mark.heavy
def test_result_selection_and_plots(model):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = lh.visualize_filters(model, MID_LAYER, [4, 5, 6], steps=2, size=64, progress=False)
    picked = result.select([2, 0])
    assert picked.titles == ["filter 6", "filter 4"]
    np.testing.assert_array_equal(picked.images[0], result.images[2])
    np.testing.assert_array_equal(picked.history[1], result.history[0])
    with pytest.raises(IndexError, match="this result has 3"):
        result.select([3])
    fig = lh.plot_results({"a": result, "b": picked})
    assert sum(1 for ax in fig.axes if ax.images) == 5
    assert len(result.plot().axes) == 3
    assert len(result.plot_history().axes[0].lines) == 3
    fig = lh.plot_ascent({"x": [1, 2, 3]}, image=np.zeros((8, 8, 3)), image_title="t")
    assert len(fig.axes) == 2
    plt.close("all")


@pytest.mark.usefixtures("slide_defaults")
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
