"""The teaching claims the notebooks make from measurements, on this CPU's code path.

Each test names the notebook section whose text or printed claim it backs (the bound the
notebook states lives in that cell's nbcheck metadata).
Claims that depend on a random seed must hold for seeds 0, 1 and 2 (for the long gradient
ascents, seeds 0 and 1 are the notebook's own runs, see OTHER_SEEDS). Every bound here is
stricter than the one the notebook states, by the margin noted beside it, so that a claim
that holds here still holds on a CPU whose rounding differs more. ``make test`` runs them all
on the default code path; ``make test-cpu`` runs the fast ones (not marked ``slow``) again
as another CPU would (another oneDNN ISA, perturbed and shifted ascents);
``ONEDNN_MAX_CPU_ISA=SSE41 make test`` runs them all on that ISA.
"""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh
from tests.conftest import RECIPE_CLASSES

pytestmark = pytest.mark.claim

SEEDS = (0, 1, 2)
# The long gradient-ascent claims hold for three seeds too, each run once: seed 0 is the
# notebook's own run and seed 1 the notebook as `make test-cpu` runs it (seed shift 1, perturbed
# start, another ISA), both checked by nbcheck against the bounds the notebook states; seed 2
# runs here, against the stricter bounds below.
OTHER_SEEDS = (2,)
# (The class pictures' claims use the class recipe's seed-2 run that tests/conftest.py shares.
# The regularization presets of Going further 2 §2 are checked at seeds 0 and 1 only, by the
# bounds the notebook states: their margins are wide, 0.00 and 1.00 against 0.2 and 0.8.)
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
def test_random_copies_of_the_trained_model_are_sparse_too(seed):
    """01 §4 "Is sparsity learned?": the same model with every layer re-drawn at random (each
    tensor's own mean and std) keeps conv2d_2 at 75-85 % zeros (notebook: >= 65 % for the
    lowest of draws 0-2), and the trained model leaves more channels of conv2d_2 dead (10 of
    16) than a random draw (4-6). Margin: >= 70 % zeros, and 3 dead channels more."""
    cats = lh.load_model("cats_vs_dogs_small")
    convs = ["conv2d_0", "conv2d_1", "conv2d_2"]
    trained = lh.layer_statistics(cats, layer=convs)
    drawn = lh.layer_statistics(lh.randomized_copy(cats, ["conv2d", "dense"], seed=seed),
                                layer=convs)
    assert drawn[2].zero_fraction >= 0.70, drawn[2]
    dead = [round(row.dead_fraction * row.channels) for row in (trained[2], drawn[2])]
    assert dead[0] >= dead[1] + 3, dead


@pytest.mark.parametrize("name", ["cat", "dog", "coffee"])
def test_deep_layers_no_longer_resemble_the_photo(effnet, name):
    """01 "information distillation pipeline": the stem's channels resemble the photo
    (cat 0.45; notebook >= 0.35), every later layer's do not (cat <= 0.16; notebook <= 0.3).
    Measured on two more photos: stem 0.52 and 0.61, later at most 0.23.
    Margin: >= 0.40 and <= 0.26."""
    layers = ["stem_activation", "block2b_activation", "block3b_activation",
              "block4c_activation", "block6d_activation", "top_activation"]
    resemblance = lh.photo_resemblance(effnet, lh.sample_image(name), layers)
    assert resemblance["stem_activation"] >= 0.40, resemblance
    assert max(resemblance[layer] for layer in layers[1:]) <= 0.26, resemblance


def test_efficientnet_is_sparser_at_the_top_than_at_the_stem(effnet):
    """01 §5: 27.7 % zeros at the stem, 91.4 % at the top. Margin: 50 points."""
    stats = {row.layer: row for row in lh.layer_statistics(effnet)}
    stem, top = stats["stem_activation"], stats["top_activation"]
    assert top.zero_fraction > stem.zero_fraction + 0.5, (stem, top)


# -- notebook 2: filters -------------------------------------------------------------------


def test_every_layer_is_more_crowded_than_random_filters_of_its_shape(effnet):
    """Going further 1 §4: median |cos| to the nearest other filter, trained against Gaussian
    filters of the same shape: 0.74 / 0.40 (stem_conv), 0.87 / 0.54 (block3a_expand_conv, 144
    filters of 24 weights), 0.68 / 0.35 (block5a_expand_conv, 480 of 80). block3a and block5a
    have the same six filters per input channel, yet differ in crowding. Margin: trained above
    random by >= 0.2 for three random draws; block3a above block5a by >= 0.1."""
    medians = {}
    for layer in ("stem_conv", "block3a_expand_conv", "block5a_expand_conv"):
        kernels = lh.layer_kernels(effnet, layer)
        medians[layer] = lh.nearest_filter_similarity(kernels)
        for seed in SEEDS:
            random = np.random.default_rng(seed).normal(size=kernels.shape)
            assert medians[layer] >= lh.nearest_filter_similarity(random) + 0.2, layer
    assert medians["block3a_expand_conv"] >= medians["block5a_expand_conv"] + 0.1, medians


def test_the_slide_loop_leaves_the_pixel_range(effnet):
    """02 §2: after the slide's 30 normalized steps (eta 10) from zeros, pixels have left
    [0, 255] (measured -311 to 297; notebook: lowest <= -1). Margin: below -100, and above 255."""
    layer = effnet.model.get_layer("block3a_expand_activation")
    import keras

    sub = keras.Model(effnet.model.input, layer.output)
    image, _ = lh.lecture_gradient_ascent(sub, 0, size=64, steps=30, lr=10.0)
    assert image.min() < -100 and image.max() > 255, (image.min(), image.max())



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
    """03 §1: P ≥ 0.9 at every step from step 30 on (not at step 20: there it swings from
    0.43 to 1.00 by oneDNN code path) and ≥ 0.99 after 100; grayscale std ≤ 20.
    Margin: 0.93, 0.995 and 15. (No seed: the loop starts from grey.)"""
    assert slide_loop.probabilities[0] < 0.01
    assert slide_loop.probabilities[30:].min() >= 0.93, slide_loop.probabilities[30:].min()
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
def test_class_visualizations_survive_random_views(effnet, recipe_pictures):
    """Going further 2 §4 and notebook 3 §2: each class picture keeps its class in the top 5 in
    ≥ 7 of 8 random views and has a grayscale std ≥ 25 (the grid at 224 px: 66-88). Here the
    class recipe at seed 2 on four classes (tests/conftest.py), the notebooks' runs being
    seeds 0 and 1. Margin: 15 of 16 views over two view seeds, and a std of at least 35."""
    hits = np.concatenate(
        [lh.transform_robustness(effnet, recipe_pictures.images, RECIPE_CLASSES, trials=8, seed=s)
         for s in (1, 2)],
        axis=1,
    )
    assert (hits.sum(axis=1) >= 15).all(), hits.sum(axis=1)
    assert (lh.grayscale_std(recipe_pictures.images) >= 35).all(), \
        lh.grayscale_std(recipe_pictures.images)


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


# -- notebook 4, issue 13: the readings of its figures ------------------------------------

SIZE = (224, 448)
CAT, DOG = 282, 162


def test_the_two_animal_scene_spreads_the_softmax(effnet, scene):
    """04 §1: in the scene, most probability goes to neither cats nor dogs (measured 0.76;
    notebook wording "most"), while each half alone puts most on its own kind (cat classes
    0.88 on the cat half, dog classes 0.79 on the dog half). Margin: 0.6 and 0.7."""
    p = effnet.predict(effnet.preprocess(scene, size=SIZE))[0]
    assert 1 - p[281:286].sum() - p[151:269].sum() >= 0.6, p
    cat_half, dog_half = effnet.predict([scene[:, :224], scene[:, 224:]])
    assert cat_half[281:286].sum() >= 0.7 and dog_half[151:269].sum() >= 0.7


def test_grad_cam_plus_plus_is_grad_cam_without_negative_gradients(effnet, scene):
    """07 §2: Grad-CAM++'s shares on the right halves (70 %, 66 %) match Grad-CAM with only
    positive gradients (71 %, 66 %) and fall well below Grad-CAM's (96 %, 83 %).
    Margin: within 3 points of each other, and 12 points below Grad-CAM."""
    pieces = lh.cam.grad_cam_gradients(effnet, scene, [CAT, DOG], size=SIZE)
    positive = lh.cam.gradcam_from_gradients(pieces["activations"],
                                             np.maximum(pieces["gradients"], 0))
    plus = lh.grad_cam_plus_plus(effnet, scene, [CAT, DOG], size=SIZE)
    plain = lh.grad_cam(effnet, scene, [CAT, DOG], size=SIZE)
    for k, side in enumerate(("left", "right")):
        shares = [lh.mass_fraction(maps[k], side) for maps in (plain, plus, positive)]
        assert abs(shares[1] - shares[2]) <= 0.03, shares
        assert shares[0] >= shares[1] + 0.12, shares


def test_layer_cam_stays_on_the_cat_at_an_early_layer_and_eigen_cam_ignores_the_class(
        effnet, scene):
    """07 §2, Layer-CAM and Eigen-CAM: at block3b_add Grad-CAM's tiger-cat map has less than
    half on the cat half (47 %), Layer-CAM's more (59 %); Eigen-CAM draws the same map for both
    classes, on the dog (0 % of the tiger-cat map on the cat half).
    Margin: Grad-CAM < 0.5, Layer-CAM 7 points above it; Eigen-CAM <= 10 %."""
    shares = {method: lh.mass_fraction(
        lh.explain(effnet, scene, CAT, "block3b_add", method=method, size=SIZE).maps[0], "left")
        for method in ("grad_cam", "layer_cam")}
    assert shares["grad_cam"] < 0.5 and shares["layer_cam"] >= shares["grad_cam"] + 0.07, shares
    eigen = lh.explain(effnet, scene, [CAT, DOG], method="eigen_cam", size=SIZE)
    np.testing.assert_array_equal(eigen.maps[0], eigen.maps[1])
    assert lh.mass_fraction(eigen.maps[0], "left") <= 0.10


def test_one_weight_per_channel_is_exact_at_the_top_only(effnet, scene):
    """04 §2: at top_activation every gradient has its channel's sign and the weighted maps
    add up to the score minus the bias; at block6d_add 61 % agree (notebook: "four in ten
    against") and they add up to -0.46 against a score of 2.46 ("the wrong sign").
    Margin: <= 0.70 and <= 0."""
    top = lh.channel_weight_check(effnet, scene, DOG, "top_activation", size=SIZE)
    bias = float(effnet.model.get_layer("logits").bias.numpy()[DOG])
    assert top.sign_agreement == pytest.approx(1.0)
    assert top.implied_score == pytest.approx(top.score - bias, abs=1e-3)
    inner = lh.channel_weight_check(effnet, scene, DOG, "block6d_add", size=SIZE)
    assert 0.3 <= inner.sign_agreement <= 0.70, inner
    assert inner.implied_score <= 0.0 < inner.score, inner


def test_occluding_the_dog_raises_the_cat_score(effnet, scene):
    """04 §3, occlusion: hiding a 48-px patch of the dog raises the tiger-cat logit by up to
    0.41 (notebook >= 0.2); no patch of the cat lowers it by more than 0.18 (notebook <= 0.3).
    Margin: >= 0.3 and <= 0.25."""
    drop = lh.occlusion_sensitivity(effnet, scene, CAT, size=SIZE, patch=48, stride=24,
                                    score="logit", normalize=False)
    assert -drop[:, 224:].min() >= 0.3, drop[:, 224:].min()
    assert drop[:, :224].max() <= 0.25, drop[:, :224].max()


# -- notebook 4: faithfulness ------------------------------------------------------------


COFFEE_STEPS = 16  # the notebook's setting


@pytest.mark.claim
def test_blurred_deletion_ranks_every_map_above_a_random_order(effnet):
    """04 §3, faithfulness: with blurred blocks the random order's deletion AUC is above every
    method's by >= 0.02 (seed 0, the notebook's: 0.049 over all six methods); with grey blocks
    the random order's AUC is <= 0.75 of its blurred one (seed 0: 0.56) and below Grad-CAM's
    (0.082 vs 0.116). Seeds 1 and 2 here, for Grad-CAM, Grad-CAM++ and Score-CAM: margins
    0.076 and 0.065, ratios 0.49 and 0.45, grey AUCs 0.032 and 0.044 below Grad-CAM's
    (the same to 1e-6 on AVX2 and SSE41). Margin: 0.04, 0.65 and 0.01."""
    coffee = lh.sample_image("coffee")
    espresso = effnet.class_index("espresso")

    def curves(heatmap, fill):
        return lh.deletion_insertion(effnet, coffee, espresso, heatmap=heatmap,
                                     steps=COFFEE_STEPS, deletion_fill=fill)

    maps = {m: lh.compute_heatmap(effnet, coffee, espresso, method=m)
            for m in ("Grad-CAM", "Grad-CAM++", "Score-CAM")}
    highest = max(curves(S, "blur").deletion_auc for S in maps.values())
    grad_cam_grey = curves(maps["Grad-CAM"], "grey").deletion_auc
    for seed in (1, 2):
        order = np.random.default_rng(seed).random((224, 224))
        blur, grey = curves(order, "blur").deletion_auc, curves(order, "grey").deletion_auc
        assert blur - highest >= 0.04, (seed, blur, highest)
        assert grey / blur <= 0.65, (seed, grey, blur)
        assert grey <= grad_cam_grey - 0.01, (seed, grey, grad_cam_grey)
