"""The teaching claims the notebooks make from measurements, on this CPU's code path.

Each test names the notebook section whose text or printed claim (``lh.claim``) it backs.
Claims that depend on a random seed must hold for seeds 0, 1 and 2 (for the long gradient
ascents, seed 0 is the notebook's own run). Every bound here is
stricter than the one the notebook states, by the margin noted beside it, so that a claim
that holds here still holds on a CPU whose rounding differs more. ``make test`` runs them all
on the default code path; ``make test-isa`` runs the fast ones (not marked ``slow``) again
under another oneDNN ISA; ``ONEDNN_MAX_CPU_ISA=SSE41 make test`` runs them all there.
"""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh

pytestmark = pytest.mark.claim

SEEDS = (0, 1, 2)
# For the long gradient-ascent claims, seed 0 is the notebook's own run, whose printed claims
# nbcheck compares (on this code path in make test, on another in make test-isa); the other two
# seeds run here.
OTHER_SEEDS = (1, 2)
FLAMINGO = 130


@pytest.fixture(scope="module")
def effnet():
    return lh.load_model("efficientnet_lite0")


# -- notebook 1: channels ------------------------------------------------------------------


def test_sparsity_rises_with_depth_in_the_trained_convolutions():
    """01 §4: 48.8 % → 68.5 % → 87.7 % zeros, 31.7 → 59.7 → 67.3 % in live channels; pooling
    lowers it. Margin: each step is asserted to be at least 5 points."""
    stats = {row.layer: row for row in lh.layer_statistics(lh.load_model("cats_vs_dogs_small"))}
    convs = [stats[f"conv2d_{i}"] for i in range(3)]
    for shallow, deep in zip(convs, convs[1:], strict=False):
        assert deep.zero_fraction > shallow.zero_fraction + 0.05, (shallow, deep)
        assert deep.live_zero_fraction > shallow.live_zero_fraction + 0.05, (shallow, deep)
    for i in range(3):
        assert stats[f"max_pooling2d_{i}"].zero_fraction < stats[f"conv2d_{i}"].zero_fraction


@pytest.mark.parametrize("seed", SEEDS)
def test_an_untrained_net_is_not_sparser_with_depth(seed):
    """01 §4: with random weights 35–70 % of each layer is zero and the share does not grow
    with depth (the notebook's seed 0: 69.0 % in the first convolution, 44.3 % in the last;
    the trained model rises by 39 points). Margin: every layer within 30–75 %, and the last
    convolution at most 5 points above the first."""
    lh.seed_everything(seed)
    stats = lh.layer_statistics(lh.lecture_small_convnet())
    zeros = [row.zero_fraction for row in stats]
    convs = [row.zero_fraction for row in stats if row.kind == "Conv2D"]
    assert all(0.30 <= z <= 0.75 for z in zeros), zeros
    assert convs[-1] < convs[0] + 0.05, convs


def test_efficientnet_is_sparser_at_the_top_than_at_the_stem(effnet):
    """01 §5: 27.7 % zeros at the stem, 91.4 % at the top. Margin: 50 points."""
    stats = {row.layer: row for row in lh.layer_statistics(effnet)}
    stem, top = stats["stem_activation"], stats["top_activation"]
    assert top.zero_fraction > stem.zero_fraction + 0.5, (stem, top)


# -- notebook 2: filters -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_filter_pictures_rise_and_fourier_beats_plain_pixels(effnet, seed):
    """02 §3: every early filter's activation rose; most deep filters end above 5 (the notebook
    claims ≥ 6 of 10); plain pixels reach a mean activation > 3 but their pictures keep a
    high-frequency share ≥ 0.4, the Fourier pictures ≤ 0.3 (measured 0.58-0.67 and 0.12-0.23).
    Margin: a gain of at least 0.5, ≥ 7 of 10 filters, 4, 0.5 and 0.27."""
    early = lh.visualize_filters(
        effnet, "block3a_expand_activation", range(10), steps=128, seed=seed, progress=False
    )
    assert (early.history[:, -1] > early.history[:, 0] + 0.5).all(), early.history[:, [0, -1]]
    deep = lh.visualize_filters(
        effnet, "block5a_expand_activation", range(10), steps=128, seed=seed, progress=False
    )
    assert (deep.history[:, -1] > 5.0).sum() >= 7, deep.history[:, -1]
    plain = lh.visualize_filters(
        effnet, "block5a_expand_activation", [1, 3, 9], steps=128, param="pixel",
        transforms=None, seed=seed, progress=False,
    )
    assert (plain.history[:, -1] > 4.0).all(), plain.history[:, -1]
    assert lh.high_frequency_share(plain.images).min() >= 0.5
    assert lh.high_frequency_share(deep.select([1, 3, 9]).images).max() <= 0.27


# -- notebook 3: class neurons -------------------------------------------------------------


@pytest.fixture(scope="module")
def slide_loop(effnet):
    return lh.slide_class_ascent(effnet, "flamingo", steps=100, lr=1.0, start="grey")


def test_the_slide_loop_fools_the_network_with_a_grey_picture(effnet, slide_loop):
    """03 §1: P ≥ 0.9 after 20 steps and ≥ 0.99 after 100; grayscale std ≤ 20.
    Margin: 0.93, 0.995 and 15. (No seed: the loop starts from grey.)"""
    assert slide_loop.probabilities[0] < 0.01
    assert slide_loop.probabilities[20] >= 0.93, slide_loop.probabilities[20]
    assert slide_loop.probabilities[-1] >= 0.995, slide_loop.probabilities[-1]
    assert lh.grayscale_std(slide_loop.image)[0] <= 15


def test_the_slide_loops_pattern_survives_a_shift_but_not_half_resolution(effnet, slide_loop):
    """03 §1: shifted by 8 px, P(flamingo) ≥ 0.9; at half resolution ≤ 0.1.
    Margin: 0.95 and 0.05, and the same for shifts of 1 to 16 px."""
    for shift in (1, 4, 8, 16):
        shifted = np.roll(slide_loop.image, shift, axis=1)
        assert effnet.predict(shifted)[0, FLAMINGO] >= 0.95, shift
    halved = lh.half_resolution(slide_loop.image)
    assert effnet.predict(halved)[0, FLAMINGO] <= 0.05


@pytest.mark.slow
@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_only_a_prior_makes_the_picture_survive_random_views(effnet, seed):
    """03 §2: in 8 random views, plain pixels and L2 decay keep a mean P(flamingo) ≤ 0.2,
    jitter and Fourier + transforms ≥ 0.8; every picture itself has P ≥ 0.99.
    Margin: 0.1 and 0.9. (Blur lies in between and the notebook claims nothing for it.)"""
    presets = lh.compare_class_presets(
        effnet, "flamingo", ["none", "L2 decay", "jitter", "Fourier + transforms"],
        steps=128, seed=seed,
    )
    for name, result in presets.items():
        assert effnet.predict(result.images[0])[0, FLAMINGO] >= 0.99, name
        views = lh.view_probabilities(effnet, result.images, ["flamingo"], seed=1).mean()
        if name in ("none", "L2 decay"):
            assert views <= 0.1, (name, views)
        else:
            assert views >= 0.9, (name, views)
        if name == "Fourier + transforms":
            halved = lh.half_resolution(result.images[0])
            assert effnet.predict(halved)[0, FLAMINGO] >= 0.5, "Fourier picture at half res"


GRID = ["peacock", "goldfish", "monarch", "pineapple", "zebra", "daisy", "ladybug", "jellyfish"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_class_visualizations_survive_random_views(effnet, seed):
    """03 §3: each of the 8 pictures keeps its class in the top 5 in ≥ 7 of 8 random views
    and has a grayscale std ≥ 25 (measured 50-56). Margin: 15 of 16 views over two view
    seeds, and a std of at least 35."""
    grid = lh.visualize_class(effnet, GRID, steps=256, size=224, seed=seed, progress=False)
    hits = np.concatenate(
        [lh.transform_robustness(effnet, grid.images, GRID, trials=8, seed=s) for s in (1, 2)],
        axis=1,
    )
    assert (hits.sum(axis=1) >= 15).all(), dict(zip(GRID, hits.sum(axis=1), strict=True))
    assert (lh.grayscale_std(grid.images) >= 35).all(), lh.grayscale_std(grid.images)


@pytest.fixture(scope="module")
def scene():
    return lh.sample_image("cat_dog")


@pytest.mark.parametrize("method", ["vanilla", "integrated_gradients"])
def test_saliency_follows_the_class_on_the_cat_dog_scene(effnet, scene, method):
    """03 §4: for 'Egyptian cat' most of the map's mass lies on the cat (left) half, for
    'beagle' on the dog (right) half. Measured: cat 0.58 and 0.54, beagle 0.39 and 0.37 on
    the left. Margin: 0.52 and 0.45. (No seed: neither method is random.)"""
    cat = lh.saliency(effnet, scene, "Egyptian cat", method=method)
    dog = lh.saliency(effnet, scene, "beagle", method=method)
    assert cat.mass_fraction("left") > 0.52, cat.mass_fraction("left")
    assert dog.mass_fraction("left") < 0.45, dog.mass_fraction("left")


@pytest.mark.parametrize("seed", SEEDS)
def test_smoothgrad_follows_the_class_for_any_noise_seed(effnet, scene, seed):
    """03 §4, SmoothGrad (its noise is seeded): cat 0.65, beagle 0.23 on the left.
    Margin: 0.55 and 0.35."""
    cat = lh.saliency(effnet, scene, "Egyptian cat", method="smoothgrad", seed=seed)
    dog = lh.saliency(effnet, scene, "beagle", method="smoothgrad", seed=seed)
    assert cat.mass_fraction("left") > 0.55, cat.mass_fraction("left")
    assert dog.mass_fraction("left") < 0.35, dog.mass_fraction("left")


# -- notebook 4: Grad-CAM ------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_randomizing_the_top_layers_changes_grad_cam_not_guided_backprop(effnet, seed):
    """04 §3: with the classifier and the top block random, Grad-CAM's Spearman correlation
    with the trained map is ≤ 0.5 (seed 0: 0.27); guided backprop's stays ≥ 0.9 (1.00).
    (The classifier alone is not enough: its ρ ranged from -0.42 to 0.80 over five seeds.)
    Margin: 0.4 and 0.92."""
    check = lh.cascading_randomization(
        effnet, lh.sample_image("cat"), stages=("logits", "top"), seed=seed,
        methods=("Grad-CAM", "Guided backprop"),
    )
    assert check.correlations["Grad-CAM"][2] <= 0.4, check.correlations
    assert min(check.correlations["Guided backprop"]) >= 0.92, check.correlations
