"""Is a heatmap faithful to the model? (lecture_helpers/faithfulness.py)

Deletion and insertion curves, with a grey or a blurred fill (``deletion_insertion(...,
deletion_fill="blur")``) and their figure (``lh.plot_faithfulness``). The curves run on a tiny "red
detector" (1x1 convolution R - G - B, ReLU, global average, two logits) whose class-0
probability rises with the red square in the image, and on EfficientNet-Lite0 and the cat|dog
scene. The claim notebook 4's faithfulness section makes from them is in
tests/product/test_claims.py.
"""

from __future__ import annotations

import keras
import matplotlib
import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import faithfulness as am
from tests.conftest import SCENE_SIZE
from tests.tolerances import SAME_VALUE

matplotlib.use("Agg")


SIZE = 16


@pytest.fixture(scope="module")
def red_detector() -> keras.Model:
    inputs = keras.Input((SIZE, SIZE, 3))
    conv = keras.layers.Conv2D(1, 1, use_bias=False, name="redness")
    x = keras.layers.ReLU()(conv(inputs))
    dense = keras.layers.Dense(2, name="logits")
    x = dense(keras.layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, keras.layers.Activation("softmax")(x))
    conv.set_weights([np.array([1.0, -1.0, -1.0], np.float32).reshape(1, 1, 3, 1)])
    dense.set_weights([np.array([[0.5, -0.5]], np.float32), np.zeros(2, np.float32)])
    return model


@pytest.fixture(scope="module")
def red_square() -> tuple[np.ndarray, np.ndarray]:
    """A grey image with a red 4x4 square at the top left, and the square's mask."""
    image = np.full((SIZE, SIZE, 3), 128.0, np.float32)
    image[:4, :4] = (255.0, 0.0, 0.0)
    mask = np.zeros((SIZE, SIZE), np.float32)
    mask[:4, :4] = 1.0
    return image, mask


def _curves(model, image, heatmap, **options) -> am.CurveResult:
    options = {"steps": 16, "block": 4, **options}
    return lh.deletion_insertion(model, image, 0, heatmap=heatmap, **options)


def _probability(model, image: np.ndarray) -> float:
    return float(model(image[None].astype(np.float32))[0, 0])


# ---------------------------------------------------------------------------
# The deletion_fill option


def test_fill_names_are_the_old_values(red_detector, red_square):
    image, mask = red_square
    sharp = {"blur_radius": 1.0}  # a slight blur keeps the square red: "blur" differs from grey
    default = _curves(red_detector, image, mask, **sharp)
    grey = _curves(red_detector, image, mask, deletion_fill="grey", **sharp)
    level = _curves(red_detector, image, mask, deletion_fill=127.5, **sharp)
    blur = _curves(red_detector, image, mask, deletion_fill="blur", **sharp)
    old_blur = _curves(red_detector, image, mask, deletion_fill=None, **sharp)
    np.testing.assert_array_equal(default.deletion, grey.deletion)
    np.testing.assert_array_equal(grey.deletion, level.deletion)
    np.testing.assert_array_equal(blur.deletion, old_blur.deletion)
    np.testing.assert_allclose(grey.insertion, blur.insertion, **SAME_VALUE)  # fill: deletion only
    assert (default.deletion_fill, level.deletion_fill) == ("grey", 127.5)
    assert blur.deletion_fill == old_blur.deletion_fill == "blur"
    assert grey.deletion[1] == pytest.approx(0.5, abs=1e-5)  # the square gone: 50/50
    assert blur.deletion[1] > 0.9  # its blurred copy is still red


def test_values_and_shapes(red_detector, red_square):
    image, mask = red_square
    blur = _curves(red_detector, image, mask, deletion_fill="blur", steps=8)
    black = _curves(red_detector, image, mask, deletion_fill=0, steps=8)
    for result in (blur, black):
        assert result.fractions.shape == result.deletion.shape == result.insertion.shape == (9,)
        assert result.fractions[0] == 0.0 and result.fractions[-1] == 1.0
        assert result.deletion.dtype == result.insertion.dtype == np.float32
        p = _probability(red_detector, image)  # nothing deleted, everything inserted
        np.testing.assert_allclose([result.deletion[0], result.insertion[-1]], p, **SAME_VALUE)
    blurred = am.blurred(image, 8.0)  # "blur": deletion ends where insertion starts
    np.testing.assert_allclose(blur.deletion[-1], _probability(red_detector, blurred), **SAME_VALUE)
    np.testing.assert_allclose(blur.insertion[0], blur.deletion[-1], **SAME_VALUE)
    np.testing.assert_allclose(black.deletion[-1], 0.5, **SAME_VALUE)  # no red left: 50/50
    np.testing.assert_allclose(black.insertion, blur.insertion, **SAME_VALUE)


@pytest.mark.parametrize("fill", ["grey", "blur", 0.0])
def test_object_first_against_object_last_flips_both_curves(red_detector, red_square, fill):
    image, mask = red_square
    first = _curves(red_detector, image, mask, deletion_fill=fill)
    last = _curves(red_detector, image, 1.0 - mask, deletion_fill=fill)
    assert first.deletion_auc < last.deletion_auc - 0.2, (first.deletion_auc, last.deletion_auc)
    assert first.insertion_auc > last.insertion_auc + 0.2, (first.insertion_auc, last.insertion_auc)


def test_blur_insertion_backwards_is_least_relevant_first_deletion(red_detector, red_square):
    """With "blur", deleting in the reversed order (LeRF) gives the insertion curve read
    backwards, so insertion AUC - deletion AUC is the LeRF - MoRF gap."""
    image, _ = red_square
    heatmap = np.random.default_rng(3).permutation(SIZE * SIZE).reshape(SIZE, SIZE) / 255.0
    morf = _curves(red_detector, image, heatmap, deletion_fill="blur", block=1)
    lerf = _curves(red_detector, image, -heatmap, deletion_fill="blur", block=1)
    np.testing.assert_allclose(lerf.deletion, morf.insertion[::-1], **SAME_VALUE)
    assert morf.gap == pytest.approx(lerf.deletion_auc - morf.deletion_auc, abs=1e-5)


@pytest.mark.parametrize(
    ("fill", "error", "message"),
    [
        ("gray", lh.UnknownNameError, r"unknown deletion_fill 'gray'; choose one of: 'grey', "
                                      r"'blur', or a grey level in \[0, 255\]"),
        ("", lh.UnknownNameError, "choose one of: 'grey', 'blur'"),
        (300, ValueError, r"deletion_fill 300 is not a grey level in \[0, 255\]"),
        (-1.0, ValueError, r"not a grey level in \[0, 255\]"),
        (float("nan"), ValueError, r"not a grey level in \[0, 255\]"),
        ([127.5], TypeError, "deletion_fill must be 'grey', 'blur' or a grey level.*got list"),
        (True, TypeError, "got bool"),
    ],
)
def test_bad_fills_are_named(red_detector, red_square, fill, error, message):
    image, mask = red_square
    with pytest.raises(error, match=message):
        _curves(red_detector, image, mask, deletion_fill=fill)


def test_an_unknown_fill_is_both_a_key_and_a_value_error(red_detector, red_square):
    image, mask = red_square
    for kind in (KeyError, ValueError):
        with pytest.raises(kind):
            _curves(red_detector, image, mask, deletion_fill="noise")


def test_curve_results_built_by_hand_still_work():
    result = am.CurveResult(np.linspace(0, 1, 3), np.array([1.0, 0.5, 0.0]),
                            np.array([0.0, 0.5, 1.0]), class_index=0)
    assert result.deletion_fill == "grey"
    assert result.deletion_auc == pytest.approx(0.5) and result.insertion_auc == pytest.approx(0.5)
    assert result.gap == pytest.approx(0.0)


@pytest.mark.heavy
def test_deletion_insertion_rewards_the_right_order(effnet, scene, scene_classes):
    cat_class, _ = scene_classes
    heatmap = lh.grad_cam(effnet, scene, cat_class, size=SCENE_SIZE)
    good = lh.deletion_insertion(effnet, scene, cat_class, heatmap=heatmap, size=SCENE_SIZE,
                                 steps=8)
    bad = lh.deletion_insertion(effnet, scene, cat_class, heatmap=1.0 - heatmap, size=SCENE_SIZE,
                                steps=8)
    assert good.fractions.shape == good.deletion.shape == good.insertion.shape == (9,)
    assert good.fractions[0] == 0.0 and good.fractions[-1] == 1.0
    p = float(effnet.model(effnet.preprocess(scene, size=SCENE_SIZE))[0, cat_class])
    assert good.deletion[0] == pytest.approx(p, rel=0.05)
    assert good.insertion[-1] == pytest.approx(p, rel=0.05)
    assert good.deletion_auc < bad.deletion_auc
    assert good.insertion_auc > bad.insertion_auc


# ---------------------------------------------------------------------------
# The figure


def _fake(auc_shift: float, fill: str = "blur") -> am.CurveResult:
    f = np.linspace(0, 1, 9)
    return am.CurveResult(f, np.clip(1 - 3 * f + auc_shift, 0, 1).astype(np.float32),
                          np.clip(3 * f - 1 - auc_shift, 0, 1).astype(np.float32), 0, fill)


def _font_sizes(fig: matplotlib.figure.Figure) -> list[float]:
    texts = fig.findobj(matplotlib.text.Text)
    return [t.get_fontsize() for t in texts if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("dpi", [100, 72])
def test_the_figure_is_readable(dpi):
    curves = {"Grad-CAM": _fake(0.0), "Score-CAM": _fake(0.05), "random order": _fake(0.3)}
    grey = {"Grad-CAM": _fake(-0.1, "grey"), "random order": _fake(-0.1, "grey")}
    with matplotlib.rc_context({"figure.dpi": dpi}):
        two = lh.plot_faithfulness(curves)
        three = lh.plot_faithfulness(curves, other_fill=grey)
    try:
        for fig, panels in ((two, 2), (three, 3)):
            assert isinstance(fig, matplotlib.figure.Figure) and fig.dpi == dpi
            assert len(fig.axes) == panels
            assert fig.get_size_inches()[0] <= 11.5
            fig.canvas.draw()
            for ax in fig.axes:
                box = ax.get_window_extent()
                assert box.width >= 160 and box.height >= 160, (dpi, box)
            assert min(_font_sizes(fig)) >= 10
            deletion, insertion = fig.axes[:2]
            assert len(deletion.get_lines()) == len(insertion.get_lines()) == len(curves)
            labels = [t.get_text() for t in deletion.get_legend().get_texts()]
            g = curves["Grad-CAM"]
            assert labels[0] == f"Grad-CAM ({g.deletion_auc:.3f} / {g.insertion_auc:.3f})"
            assert "blurred blocks" in deletion.get_title()
            assert deletion.get_lines()[-1].get_linestyle() == "--"  # the random baseline
        comparison = three.axes[2]
        assert len(comparison.get_lines()) == 2 * len(grey)
        labels = [t.get_text() for t in comparison.get_legend().get_texts()]
        assert labels[0].startswith("Grad-CAM, blurred (")
        assert labels[1].startswith("Grad-CAM, grey (")
        assert comparison.get_lines()[1].get_linestyle() == ":"
    finally:
        plt.close("all")


def test_the_figure_names_an_order_it_does_not_have():
    with pytest.raises(lh.UnknownNameError, match="other_fill has 'Occlusion', which curves lacks; "
                                                  "curves has: Grad-CAM"):
        lh.plot_faithfulness({"Grad-CAM": _fake(0.0)}, other_fill={"Occlusion": _fake(0.0)})
