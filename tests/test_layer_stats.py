"""Layer statistics and tables (lecture_helpers/layer_stats.py, names of lh.activations): zeros,
dead channels, how much a layer still looks like the photo, the model's table."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import activations as A

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def test_statistics_from_known_activations():
    batch = np.ones((2, 4, 4, 4), np.float32)
    batch[..., 0] = 0.0  # dead for every image
    batch[0, ..., 1] = 0.0  # zero for one image only: not dead
    batch[:, 0, 0, 2] = 0.0  # two zeros
    (row,) = A.statistics_from_activations({"layer": batch}, {"layer": "ReLU"})
    assert (row.height, row.width, row.channels, row.kind) == (4, 4, 4, "ReLU")
    assert row.zero_fraction == pytest.approx((32 + 16 + 2) / 128)
    assert row.dead_fraction == 0.25
    assert row.live_zero_fraction == pytest.approx((16 + 2) / 96)
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        A.statistics_from_activations({"dense": np.zeros((2, 5))})


def test_layer_statistics_of_the_cats_model(cats):
    stats = lh.layer_statistics(cats)
    assert [s.layer for s in stats] == lh.feature_map_layers(cats)
    images = [lh.sample_image(n) for n in A.STATISTICS_IMAGES]
    acts = lh.get_activations(cats, images)
    for row in stats:
        a = acts[row.layer]
        assert a.shape[0] == 6
        assert (row.height, row.width, row.channels) == a.shape[1:]
        assert row.zero_fraction == pytest.approx(float(np.mean(a == 0)))
        assert row.dead_fraction * row.channels == pytest.approx(
            np.sum(np.all(a == 0, axis=(0, 1, 2)))
        )
        live = a[..., ~np.all(a == 0, axis=(0, 1, 2))]
        assert row.live_zero_fraction == pytest.approx(float(np.mean(live == 0)))
    sizes = [s.height * s.width for s in stats]
    assert sizes == sorted(sizes, reverse=True)
    convs = [s for s in stats if s.kind == "Conv2D"]
    assert convs[0].zero_fraction < convs[-1].zero_fraction  # deeper is sparser here

    table = lh.format_layer_statistics(stats)
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["layer", "type", "H"]
    assert len(lines) == 2 + len(stats)
    assert lines[2].startswith("conv2d_0") and "254x254" in lines[2]
    assert lines[0].endswith("zeros in live %")
    fig = lh.plot_layer_statistics(stats, title="cats")
    assert len(fig.axes) == 3
    plt.close(fig)


def test_layer_table_matches_the_slide(small):
    table = lh.layer_table(small)
    assert "conv2d_0 (Conv2D)" in table and "(None, 148, 148, 32)" in table
    assert "(None, 7, 7, 128)" in table and "(None, 6272)" in table
    assert "Total params: 3,453,121" in table
    assert "Trainable params: 0" in table


@pytest.mark.usefixtures("slide_defaults")
def test_photo_resemblance_is_high_for_a_smooth_photo(gap_model, noise_photo):
    resemblance = lh.photo_resemblance(gap_model, noise_photo, ["conv_a", "conv_b"])
    assert set(resemblance) == {"conv_a", "conv_b"}
    assert all(0.0 <= r <= 1.0 for r in resemblance.values())
    smooth = np.repeat(np.linspace(0, 255, 48, dtype=np.float32)[None, :, None], 32, 0)
    smooth = np.repeat(smooth, 3, axis=2)
    assert lh.photo_resemblance(gap_model, smooth, "conv_a")["conv_a"] > 0.8
