"""Kernels as pictures and the cosine similarity of filters."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lecture_helpers as lh  # noqa: E402
from lecture_helpers.figures import figure_report, rule_violations  # noqa: E402


def test_first_layer_kernels_fold_the_batchnorm_scale(model):
    raw = lh.layer_kernels(model, "stem_conv", fold_batchnorm=False)
    folded = lh.layer_kernels(model, "stem_conv")
    assert raw.shape == folded.shape == (3, 3, 3, 32)
    bn = model.model.get_layer("stem_bn")
    scale = bn.gamma.numpy() / np.sqrt(bn.moving_variance.numpy() + bn.epsilon)
    np.testing.assert_allclose(folded, raw * scale, rtol=1e-5)
    assert (scale < 0).any(), "stem_bn flips some filters: folding must keep that sign"
    # the folded kernels reproduce the layer: conv + BN of a patch == folded kernel . patch + b
    patch = np.random.default_rng(0).uniform(0, 255, (1, 3, 3, 3)).astype(np.float32)
    import keras

    sub = keras.Model(model.model.input, model.model.get_layer("stem_bn").output)
    padded = np.zeros((1, 4, 4, 3), np.float32)  # stride 2 "same": (0, 1) padding
    padded[:, :3, :3] = patch
    response = sub(padded).numpy()[0, 0, 0]
    x = patch[0] / 128.0 - 127.0 / 128.0  # the model's rescaling layer
    offset = bn.beta.numpy() - bn.moving_mean.numpy() * scale
    np.testing.assert_allclose(np.einsum("hwc,hwco->o", x, folded) + offset, response, atol=1e-3)


def test_depthwise_kernels_are_one_filter_per_channel(model):
    kernels = lh.layer_kernels(model, "block2a_dwconv")
    assert kernels.shape == (3, 3, 1, 96)


def test_kernel_patches_normalize(model):
    kernels = lh.layer_kernels(model, "stem_conv")
    per_kernel = lh.kernel_patches(kernels)
    assert per_kernel.shape == (32, 3, 3, 3)
    np.testing.assert_allclose(per_kernel.min(axis=(1, 2, 3)), 0.0, atol=1e-6)
    np.testing.assert_allclose(per_kernel.max(axis=(1, 2, 3)), 1.0, atol=1e-6)
    shared = lh.kernel_patches(kernels, norm="layer")
    assert shared.min() >= 0 and shared.max() <= 1
    assert np.isclose(np.abs(shared - 0.5).max(), 0.5)
    with pytest.raises(ValueError, match="only a first layer's filters are RGB"):
        lh.kernel_patches(lh.layer_kernels(model, "block2a_expand_conv"))
    with pytest.raises(ValueError, match="norm must be"):
        lh.kernel_patches(kernels, norm="max")


def test_cosine_similarity_matrix(model):
    sim = lh.kernel_similarity(model, "stem_conv")
    assert sim.shape == (32, 32)
    np.testing.assert_allclose(np.diag(sim), 1.0, atol=1e-5)
    np.testing.assert_allclose(sim, sim.T, atol=1e-6)
    assert sim.min() >= -1 and sim.max() <= 1
    kernels = lh.layer_kernels(model, "stem_conv")
    a, b = kernels[..., 4].ravel(), kernels[..., 9].ravel()
    expected = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    assert sim[4, 9] == pytest.approx(expected, abs=1e-5)


def test_most_similar_pairs_orders_and_modes():
    sim = np.array(
        [[1.0, 0.9, -0.8, 0.1], [0.9, 1.0, 0.2, -0.95], [-0.8, 0.2, 1.0, 0.3], [0.1, -0.95, 0.3, 1]]
    )
    assert lh.most_similar_pairs(sim, 2) == [(0, 1, 0.9), (2, 3, 0.3)]
    assert lh.most_similar_pairs(sim, 2, "opposite") == [(1, 3, -0.95), (0, 2, -0.8)]
    assert [p[:2] for p in lh.most_similar_pairs(sim, 3, "absolute")] == [(1, 3), (0, 1), (0, 2)]
    with pytest.raises(ValueError, match="square"):
        lh.most_similar_pairs(np.ones((2, 3)))


def test_nearest_filter_similarity_of_duplicates_orthogonal_and_random_filters():
    duplicates = np.random.default_rng(0).standard_normal((3, 3, 3, 4))
    duplicates[..., 2:] = -3.0 * duplicates[..., :2]  # each filter has its inverse
    assert lh.nearest_filter_similarity(duplicates) == pytest.approx(1.0, abs=1e-6)
    orthogonal = np.eye(4).reshape(1, 1, 4, 4)  # four filters of 4 weights, pairwise at 90°
    assert lh.nearest_filter_similarity(orthogonal) == pytest.approx(0.0, abs=1e-6)
    few = lh.nearest_filter_similarity(np.random.default_rng(1).standard_normal((1, 1, 8, 64)))
    many = lh.nearest_filter_similarity(np.random.default_rng(1).standard_normal((3, 3, 64, 64)))
    assert 0.0 < many < few < 1.0  # in more dimensions random filters are farther apart
    with pytest.raises(ValueError, match="two filters"):
        lh.nearest_filter_similarity(np.ones((3, 3, 3, 1)))


def test_a_kernel_and_its_negative_are_opposite():
    kernels = np.random.default_rng(0).standard_normal((3, 3, 3, 2)).astype(np.float32)
    kernels[..., 1] = -2.0 * kernels[..., 0]
    sim = lh.kernel_similarity(kernels)
    assert sim[0, 1] == pytest.approx(-1.0, abs=1e-6)


def test_not_a_convolution_is_a_clear_error(model):
    with pytest.raises(ValueError, match="not a convolution.*stem_conv"):
        lh.layer_kernels(model, "stem_bn")


def test_plots_draw(model):
    fig = lh.plot_kernels(model, "stem_conv")
    assert len([ax for ax in fig.axes if ax.images]) == 32
    fig2 = lh.plot_similar_pairs(model, "stem_conv", k=3)
    assert len([ax for ax in fig2.axes if ax.images]) == 6
    fig3 = lh.plot_similarity(lh.kernel_similarity(model, "stem_conv"))
    assert fig3.axes[0].images[0].get_array().shape == (32, 32)
    plt.close("all")


@pytest.mark.usefixtures("slide_defaults")
def test_similar_pairs_in_one_figure_one_row_per_mode(effnet):
    fig = lh.plot_similar_pairs(effnet, "stem_conv", k=2, mode=("similar", "opposite"))
    report = figure_report(fig)
    assert len(report["panels"]) == 8 and all(p["tile"] for p in report["panels"])
    assert rule_violations(report) == []
