"""Image gradients: vanilla saliency, SmoothGrad, Integrated Gradients (lh.saliency)."""

from __future__ import annotations

import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import saliency_maps as sal
from lecture_helpers._quiet import tf
from lecture_helpers.attribution import maps
from lecture_helpers.attribution.engine import pixel_gradient_function

CAT = "Egyptian cat"  # Chelsea's class on efficientnet_lite0
DOG = "beagle"


@pytest.fixture(scope="module")
def model():
    return lh.load_model("efficientnet_lite0")


@pytest.fixture(scope="module")
def cat_dog():
    image = lh.sample_image("cat_dog")
    assert image.shape == (224, 448, 3)  # cat on the left half, dog on the right
    return image


@pytest.fixture(scope="module")
def coffee():
    return lh.sample_image("coffee", size=224)


@pytest.fixture(scope="module")
def cat_dog_maps(model, cat_dog):
    """Vanilla and SmoothGrad maps for the cat and the dog class, computed once."""
    return {
        (cls, method): lh.saliency(model, cat_dog, cls, method)
        for cls in (CAT, DOG)
        for method in ("vanilla", "smoothgrad")
    }


def test_vanilla_is_max_over_channels_of_abs_gradient(model, coffee):
    result = lh.saliency(model, coffee, "espresso", "vanilla")
    x = tf.constant(coffee[None].astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = model.score_model(x)[0, 967]
    expected = np.abs(tape.gradient(score, x).numpy()[0]).max(axis=-1)
    assert result.class_index == 967 and result.class_name == "espresso"
    assert result.map.shape == (224, 224) and result.attributions.shape == (1, 224, 224, 3)
    np.testing.assert_allclose(result.map, expected, rtol=1e-4, atol=1e-6 * expected.max())
    assert result.score == pytest.approx(float(score), rel=1e-4)
    assert np.asarray(result).shape == (224, 224)  # a one-row Attribution works as an array


def test_class_by_name_equals_class_by_index(model, coffee):
    by_name = lh.saliency(model, coffee, "espresso")
    by_index = lh.saliency(model, coffee, 967)
    top = lh.saliency(model, coffee)  # None: the top prediction
    np.testing.assert_array_equal(by_name.map, by_index.map)
    assert top.class_index == 967


def test_maps_change_with_the_class(model, cat_dog_maps):
    cat = cat_dog_maps[(CAT, "vanilla")].map
    dog = cat_dog_maps[(DOG, "vanilla")].map
    assert not np.allclose(cat, dog)
    assert np.corrcoef(cat.ravel(), dog.ravel())[0, 1] < 0.9


def test_cat_saliency_concentrates_on_the_cat_half(cat_dog_maps):
    """The cat class's mass lies mostly on the left (cat) half; the dog class's on the right."""
    fractions = {key: result.mass_fraction("left") for key, result in cat_dog_maps.items()}
    # Measured: vanilla cat 0.58, dog 0.39; SmoothGrad cat 0.65, dog 0.23.
    assert fractions[(CAT, "smoothgrad")] > 0.6, fractions
    assert fractions[(CAT, "vanilla")] > 0.55, fractions
    assert fractions[(DOG, "smoothgrad")] < 0.35, fractions
    assert fractions[(DOG, "vanilla")] < 0.45, fractions
    # the map moves with the class: the cat's map is far more on the left than the dog's
    assert fractions[(CAT, "vanilla")] - fractions[(DOG, "vanilla")] > 0.12, fractions
    assert fractions[(CAT, "smoothgrad")] - fractions[(DOG, "smoothgrad")] > 0.3, fractions


def test_smoothgrad_batching_does_not_change_the_result(model, coffee):
    one_batch = lh.saliency(model, coffee, 967, "smoothgrad", samples=6, batch_size=32)
    small = lh.saliency(model, coffee, 967, "smoothgrad", samples=6, batch_size=4)
    np.testing.assert_allclose(one_batch.map, small.map, rtol=2e-3, atol=1e-6 * small.map.max())
    other_seed = lh.saliency(model, coffee, 967, "smoothgrad", samples=6, seed=1)
    assert not np.allclose(one_batch.map, other_seed.map)
    assert one_batch.details["sigma"] == pytest.approx(0.2 * 255)


def test_smoothgrad_signed_variant(model, coffee):
    signed = lh.saliency(model, coffee, 967, "smoothgrad", samples=4, magnitude=False)
    squared = lh.saliency(model, coffee, 967, "smoothgrad", samples=4, magnitude=True)
    assert (signed.attributions < 0).any()  # mean of signed gradients
    assert (squared.attributions >= 0).all()  # mean of squared gradients
    assert np.isfinite(signed.map).all() and np.isfinite(squared.map).all()


def test_integrated_gradients_completeness_with_black_baseline(model, coffee):
    result = lh.saliency(model, coffee, 967, "integrated_gradients")
    details = result.details
    assert np.isfinite(result.map).all() and np.isfinite(result.attributions).all()
    assert details["baseline_score"] < result.score
    assert details["attribution_sum"] == pytest.approx(result.attributions.sum(), rel=1e-3)
    # sum of attributions = f(I) - f(black), up to the path integral's discretization
    assert result.completeness_gap < 0.1, details
    # uniform steps (the paper's plain Riemann sum) need far more points from black
    uniform = lh.saliency(model, coffee, 967, "integrated_gradients", steps=16, path_exponent=1)
    assert uniform.completeness_gap > result.completeness_gap


def test_integrated_gradients_baselines(model, coffee):
    same = lh.saliency(model, coffee, 967, "integrated_gradients", steps=4,
                       baseline=coffee.astype(np.float32))
    assert np.all(same.attributions == 0) and np.all(same.map == 0)
    assert same.completeness_gap == 0.0  # no NaN from 0 / 0
    assert np.all(same.normalized() == 0)
    grey = lh.saliency(model, coffee, 967, "integrated_gradients", steps=8, baseline="grey")
    assert np.isfinite(grey.completeness_gap) and grey.map.max() > 0
    constant = lh.saliency(model, coffee, 967, "integrated_gradients", steps=8, baseline=127.5)
    np.testing.assert_allclose(constant.map, grey.map, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="shape"):
        lh.saliency(model, coffee, 967, "integrated_gradients", baseline=np.zeros((10, 10, 3)))
    with pytest.raises(ValueError, match="unknown baseline"):
        lh.saliency(model, coffee, 967, "integrated_gradients", baseline="purple")


def test_gradient_function_is_compiled_once(model, coffee, cat_dog):
    fn = pixel_gradient_function(model)
    assert pixel_gradient_function(model) is fn
    lh.saliency(model, coffee, 1, "vanilla")
    lh.saliency(model, cat_dog, 2, "smoothgrad", samples=3, batch_size=2)
    lh.saliency(model, coffee, 3, "integrated_gradients", steps=5)
    assert fn.experimental_get_tracing_count() == 1


def test_unknown_class_name_suggests(model, coffee):
    with pytest.raises(KeyError, match="flamingo"):
        lh.saliency(model, coffee, "flamingoo")


def test_class_index_out_of_range(model, coffee):
    with pytest.raises(IndexError, match="0 to 999"):
        lh.saliency(model, coffee, 1000)


def test_unknown_method(model, coffee):
    with pytest.raises(ValueError, match="smoothgrad"):
        lh.saliency(model, coffee, 967, method="gradcam")


def test_bad_counts(model, coffee):
    with pytest.raises(ValueError, match="samples"):
        lh.saliency(model, coffee, 967, "smoothgrad", samples=0)
    with pytest.raises(ValueError, match="noise"):
        lh.saliency(model, coffee, 967, "smoothgrad", noise=15)


def test_wrong_size_is_resized_and_reported(model, capsys):
    cat = lh.sample_image("cat")  # 300 x 451: the view's rule gives the default size
    result = lh.saliency(model, cat, CAT)
    note = capsys.readouterr().out
    assert "resized the 300x451 image to 224x224" in note
    assert result.image.shape == (224, 224, 3) and result.map.shape == (224, 224)
    quiet = lh.saliency(model, cat, CAT, verbose=False)
    assert capsys.readouterr().out == ""
    np.testing.assert_array_equal(quiet.map, result.map)
    forced = lh.saliency(model, cat, CAT, size=(288, 448))
    assert forced.map.shape == (288, 448) and capsys.readouterr().out == ""
    as_is = lh.saliency(model, cat, CAT, size=(300, 451))  # an asked size is used as given
    assert as_is.map.shape == (300, 451) and capsys.readouterr().out == ""


def test_fixed_size_model(capsys):
    small = lh.load_model("cats_vs_dogs_small")
    kitten = lh.sample_image("kitten")
    result = lh.saliency(small, kitten, "cat", "smoothgrad", samples=4)
    assert "to 256x256" in capsys.readouterr().out
    assert result.map.shape == (256, 256) and np.isfinite(result.map).all()
    assert result.class_index == 0 and result.map.max() > 0


def test_a_plain_keras_model_gives_the_zoo_models_map(model, coffee):
    """The bare keras.Model of the zoo model: same logit, same map (one adapter for both)."""
    zoo = lh.saliency(model, coffee, 967)
    plain = lh.saliency(model.model, coffee, 967)
    assert plain.class_index == 967 and plain.class_name == "espresso"
    np.testing.assert_allclose(plain.map, zoo.map, rtol=1e-5, atol=1e-6)
    assert plain.score == pytest.approx(zoo.score, rel=1e-5)
    with pytest.raises(TypeError, match="load_model"):
        lh.saliency("efficientnet_lite0", coffee, 1)


def test_map_helpers():
    flat = np.zeros((4, 6))
    assert maps.mass_fraction(flat, "left") == 0.0
    assert np.all(maps.normalize_map(flat) == 0)
    ramp = np.zeros((4, 6))
    ramp[:, :2] = 1.0
    assert maps.mass_fraction(ramp, "left") == 1.0
    assert maps.mass_fraction(ramp, "right") == 0.0
    assert maps.mass_fraction(ramp, "top") == 0.5
    with pytest.raises(ValueError, match="mask"):
        maps.mass_fraction(ramp, "middle")


def test_compare_and_show(model, coffee):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = lh.compare_saliency(model, coffee, "espresso", samples=4, steps=8)
    assert [r.method for r in results] == list(sal.METHODS)
    assert {r.class_index for r in results} == {967}
    fig = lh.show_saliency([results, results[:2]])
    assert len(fig.axes) == 8  # 2 rows of photo + maps (3, then 2), and the colorbar
    assert "(gap " in fig.axes[3].get_title()
    assert fig.axes[-1].get_ylabel().startswith("|gradient|")
    plt.close(fig)


def test_default_batch_holds_four_photos_of_224_px():
    """The default chunk bounds a backward pass's memory by pixels, not by image count."""
    from lecture_helpers.attribution.engine import default_batch_size

    assert default_batch_size(224 * 224) == 4
    assert default_batch_size(224 * 448) == 2  # the cat|dog scene
    assert default_batch_size(128 * 128) == 12
    assert default_batch_size(1024 * 1024) == 1
