"""lh.saliency and its figures (lecture_helpers/saliency_maps.py): classes by name or index,
maps that follow the class, sizes, any model, compare_saliency and show_saliency. The methods
themselves are tested in tests/attribution/ (test_vanilla.py, test_smoothgrad.py,
test_integrated_gradients.py)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import saliency_maps as sal
from lecture_helpers.figures import figure_report
from tests.figure_checks import cat_dog_scene as _scene
from tests.figure_checks import photo_panels as _photo_panels
from tests.figure_checks import problems as _problems

CAT = "Egyptian cat"  # Chelsea's class on efficientnet_lite0
DOG = "beagle"


@pytest.fixture(scope="module")
def cat_dog_maps(model, scene):
    """Vanilla and SmoothGrad maps for the cat and the dog class, computed once."""
    return {
        (cls, method): lh.saliency(model, scene, cls, method)
        for cls in (CAT, DOG)
        for method in ("vanilla", "smoothgrad")
    }


@pytest.mark.heavy
def test_class_by_name_equals_class_by_index(model, coffee):
    by_name = lh.saliency(model, coffee, "espresso")
    by_index = lh.saliency(model, coffee, 967)
    top = lh.saliency(model, coffee)  # None: the top prediction
    np.testing.assert_array_equal(by_name.map, by_index.map)
    assert top.class_index == 967


@pytest.mark.heavy
def test_maps_change_with_the_class(model, cat_dog_maps):
    cat = cat_dog_maps[(CAT, "vanilla")].map
    dog = cat_dog_maps[(DOG, "vanilla")].map
    assert not np.allclose(cat, dog)
    assert np.corrcoef(cat.ravel(), dog.ravel())[0, 1] < 0.9


@pytest.mark.heavy
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


@pytest.mark.heavy
def test_unknown_class_name_suggests(model, coffee):
    with pytest.raises(KeyError, match="flamingo"):
        lh.saliency(model, coffee, "flamingoo")


@pytest.mark.heavy
def test_class_index_out_of_range(model, coffee):
    with pytest.raises(IndexError, match="0 to 999"):
        lh.saliency(model, coffee, 1000)


@pytest.mark.heavy
def test_unknown_method(model, coffee):
    with pytest.raises(ValueError, match="smoothgrad"):
        lh.saliency(model, coffee, 967, method="gradcam")


@pytest.mark.heavy
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


@pytest.mark.heavy
def test_fixed_size_model(capsys):
    small = lh.load_model("cats_vs_dogs_small")
    kitten = lh.sample_image("kitten")
    result = lh.saliency(small, kitten, "cat", "smoothgrad", samples=4)
    assert "to 256x256" in capsys.readouterr().out
    assert result.map.shape == (256, 256) and np.isfinite(result.map).all()
    assert result.class_index == 0 and result.map.max() > 0


@pytest.mark.heavy
def test_a_plain_keras_model_gives_the_zoo_models_map(model, coffee):
    """The bare keras.Model of the zoo model: same logit, same map (one adapter for both)."""
    zoo = lh.saliency(model, coffee, 967)
    plain = lh.saliency(model.model, coffee, 967)
    assert plain.class_index == 967 and plain.class_name == "espresso"
    np.testing.assert_allclose(plain.map, zoo.map, rtol=1e-5, atol=1e-6)
    assert plain.score == pytest.approx(zoo.score, rel=1e-5)
    with pytest.raises(TypeError, match="load_model"):
        lh.saliency("efficientnet_lite0", coffee, 1)


# ---------------------------------------------------------------------------
# The figures


@pytest.mark.heavy
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


@pytest.mark.usefixtures("slide_defaults")
def test_show_saliency_has_a_colorbar_and_always_shows_the_photo(gap_model, noise_photo):
    maps = lh.compare_saliency(gap_model, noise_photo, 0, methods=("vanilla",))
    beside = lh.show_saliency(maps)
    above = lh.show_saliency(maps, photo=False)  # the photo once, above the rows
    for fig in (beside, above):
        panels = figure_report(fig)["panels"]
        assert len(panels) == 2 and panels[1]["colorbar"]
        assert np.array_equal(fig.axes[0].images[0].get_array(), maps[0].image)
    assert beside.axes[0].get_title() == "class 0 (class 0)"
    assert above.axes[0].get_title() == "the photo"


def _saliency_row(image, name, index, gap, seed=0):
    from lecture_helpers.attribution import Attribution, get_method

    rng = np.random.default_rng(seed)
    return [Attribution(method, get_method(method).title,
                        rng.random((1, *image.shape[:2])).astype(np.float32),
                        image[None].astype(np.float32), np.array([index]), (name,),
                        np.array([1.0]), attributions=np.zeros((1, *image.shape), np.float32),
                        details={} if gap is None
                        else {"relative_completeness_gap": np.array([gap])})
            for method, gap in (("vanilla", None), ("smoothgrad", None),
                                ("integrated_gradients", gap))]


@pytest.mark.usefixtures("slide_defaults")
@pytest.mark.parametrize("photo", [True, False])
def test_show_saliency_two_classes_one_scene_passes_and_shows_the_photo(photo):
    import lecture_helpers as lh

    with matplotlib.rc_context({"axes.titlesize": 12, "figure.titlesize": 13}):
        scene = _scene()
        rows = [_saliency_row(scene, "Egyptian cat", 285, 0.07),
                _saliency_row(scene, "beagle", 162, 0.11)]
        fig = lh.show_saliency(rows, photo=photo, panel_size=1.62,
                               suptitle="One scene, two classes, three methods")
        assert _problems(fig) == []
        assert len(_photo_panels(fig, scene)) == 1  # once, above: a column would be too wide
        single = lh.show_saliency(rows[0][:1], panel_size=1.9)  # notebook 3: the photo beside
        assert _problems(single) == [] and len(_photo_panels(single, scene)) == 1
        assert len(single.axes) == 3  # the photo, the map, the colorbar


@pytest.mark.usefixtures("slide_defaults")
def test_show_saliency_espresso_row_passes_with_the_gap_under_its_method():
    import lecture_helpers as lh

    with matplotlib.rc_context({"axes.titlesize": 12, "figure.titlesize": 13}):
        coffee = lh.sample_image("coffee", size=224)
        row = _saliency_row(coffee, "espresso", 967, 0.01)
        fig = lh.show_saliency(row, panel_size=2.0, suptitle="Image gradients for 'espresso'")
        assert _problems(fig) == []
        titles = [ax.get_title() for ax in fig.axes]
        assert "Integrated Gradients\n(gap 1%)" in titles and "espresso (class 967)" in titles
        ragged = lh.show_saliency([row, row[:2]], panel_size=2.0)  # no hidden placeholder
        assert _problems(ragged) == []
