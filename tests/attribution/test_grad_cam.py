"""Grad-CAM and its relatives (lecture_helpers.cam) and the faithfulness checks
(lecture_helpers.attribution_metrics)."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import lecture_helpers as lh
from lecture_helpers import attribution_metrics as am
from lecture_helpers import cam
from tests.tolerances import SAME_VALUE

SCENE_SIZE = (224, 448)  # the cat|dog scene at its native aspect ratio
CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
DOG_CLASSES = range(151, 269)


@pytest.fixture(scope="module")
def cat():
    return lh.sample_image("cat")


@pytest.fixture(scope="module")
def scene():
    return lh.sample_image("cat_dog")


@pytest.fixture(scope="module")
def scene_classes(effnet, scene):
    """The best cat class and the best dog class for the whole scene, from the model."""
    x = effnet.preprocess(scene, size=SCENE_SIZE)
    scores = effnet.score_model(x).numpy()[0]
    cat_class = max(CAT_CLASSES, key=lambda i: scores[i])
    dog_class = max(DOG_CLASSES, key=lambda i: scores[i])
    return cat_class, dog_class


@pytest.fixture(scope="module")
def tiny():
    """x → 1x1 conv (2 channels, fixed weights) → ReLU → global average → Dense(2) logits
    → softmax: small enough to check gradients by hand."""
    inputs = keras.Input((8, 8, 3), name="image")
    conv = keras.layers.Conv2D(2, 1, use_bias=False, name="conv")
    x = conv(inputs)
    x = keras.layers.ReLU(name="relu")(x)
    features = x
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    dense = keras.layers.Dense(2, name="logits")
    x = dense(x)
    outputs = keras.layers.Activation("softmax", name="probs")(x)
    model = keras.Model(inputs, outputs, name="tiny")
    conv.set_weights([np.array([[[[1.0, -0.5], [0.5, 1.0], [-1.0, 0.5]]]], np.float32)])
    dense.set_weights([np.array([[2.0, -1.0], [-3.0, 1.5]], np.float32), np.zeros(2, np.float32)])
    assert features.shape[1:] == (8, 8, 2)
    return model


# ---------------------------------------------------------------------------
# Grad-CAM: shapes, range, the derivation


def test_heatmap_shape_and_range(effnet, cat):
    heatmap = lh.grad_cam(effnet, cat)
    assert heatmap.shape == (7, 7)
    assert heatmap.dtype == np.float32
    assert heatmap.min() >= 0.0 and heatmap.max() == pytest.approx(1.0)
    big = lh.grad_cam(effnet, cat, upsample=True)
    assert big.shape == (224, 224)
    assert 0.0 <= big.min() and big.max() <= 1.0


def test_batches_and_several_classes(effnet, cat, scene):
    batch = lh.grad_cam(effnet, [cat, scene])
    assert batch.shape == (2, 7, 7)
    np.testing.assert_allclose(batch[0], lh.grad_cam(effnet, cat), atol=1e-5)
    three = lh.grad_cam(effnet, cat, class_index=[285, "tabby", 281])
    assert three.shape == (3, 7, 7)
    np.testing.assert_allclose(three[1], three[2], **SAME_VALUE)  # "tabby" is class 281
    assert np.abs(three[0] - three[1]).max() > 0.05  # different classes, different maps


def test_matches_the_slides_derivation(effnet, cat):
    """The lecture's recipe, written out with a two-output model and a GradientTape."""
    model = effnet.model
    two_outputs = keras.Model(
        model.input, [model.get_layer("top_activation").output, effnet.score_output()]
    )
    x = tf.constant(effnet.preprocess(cat))
    with tf.GradientTape() as tape:
        activations, scores = two_outputs(x)
        class_idx = int(tf.argmax(scores[0]))
        f_c = scores[:, class_idx]
    grads = tape.gradient(f_c, activations).numpy()
    alpha = grads.mean(axis=(0, 1, 2))
    s = np.maximum((activations.numpy()[0] * alpha).sum(axis=-1), 0)
    s /= s.max()
    np.testing.assert_allclose(lh.grad_cam(effnet, cat), s, atol=1e-5)
    assert class_idx == 285  # Chelsea: Egyptian cat


def test_class_by_name_and_errors(effnet, cat):
    np.testing.assert_allclose(
        lh.grad_cam(effnet, cat, "Egyptian cat"), lh.grad_cam(effnet, cat, 285), atol=1e-6
    )
    with pytest.raises(KeyError, match="flamingo|suggest|did you mean|no class"):
        lh.grad_cam(effnet, cat, "flamingoo")
    with pytest.raises(IndexError):
        lh.grad_cam(effnet, cat, 1000)
    with pytest.raises(ValueError, match="3 classes"):
        lh.grad_cam(effnet, [cat, cat], [1, 2, 3])


# ---------------------------------------------------------------------------
# No NaN, no warnings


def _zero_conv_model() -> keras.Model:
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", kernel_initializer="zeros", name="conv")(inputs)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(3, activation="softmax", kernel_initializer="ones")(x)
    return keras.Model(inputs, outputs)


def test_zero_gradients_and_zero_maps_give_zeros_without_warnings():
    rng = np.random.default_rng(0)
    a = rng.random((2, 5, 5, 8)).astype(np.float32)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        zeros = cam.gradcam_from_gradients(a, np.zeros_like(a))
        plus = cam.gradcam_plus_plus_from_gradients(a, np.zeros_like(a))
        negative = cam.gradcam_from_gradients(a, -np.ones_like(a))  # only negative evidence
        empty = cam.normalize_heatmap(np.zeros((3, 4)))
    for result in (zeros, plus, negative, empty):
        assert np.all(result == 0.0) and np.all(np.isfinite(result))


def test_model_with_all_zero_activations(cat):
    model = _zero_conv_model()
    image = lh.resize_image(cat, (16, 16))
    with warnings.catch_warnings(), np.errstate(divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        for fn in (lh.grad_cam, lh.grad_cam_plus_plus, lh.score_cam):
            heatmap = fn(model, image, class_index=1)
            assert heatmap.shape == (16, 16)
            assert np.all(heatmap == 0.0), fn.__name__


def test_constant_image_is_finite(effnet):
    grey = np.full((224, 224, 3), 128, np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        heatmaps = lh.grad_cam(effnet, grey, class_index=[0, 130, 999])
    assert np.all(np.isfinite(heatmaps)) and heatmaps.min() >= 0 and heatmaps.max() <= 1


# ---------------------------------------------------------------------------
# Class discrimination on the cat|dog scene


def _left_fraction(heatmap: np.ndarray) -> float:
    half = heatmap.shape[1] // 2
    return float(heatmap[:, :half].sum() / heatmap.sum())


def test_cat_and_dog_heatmaps_lie_on_their_halves(effnet, scene, scene_classes):
    cat_class, dog_class = scene_classes
    cat_map, dog_map = lh.grad_cam(effnet, scene, [cat_class, dog_class], size=SCENE_SIZE)
    assert cat_map.shape == (7, 14)
    on_cat, on_dog = _left_fraction(cat_map), 1.0 - _left_fraction(dog_map)
    names = effnet.class_names
    assert on_cat >= 0.8 and on_dog >= 0.8, (
        f"{names[cat_class]!r} heatmap: {on_cat:.0%} of its mass on the cat (left) half; "
        f"{names[dog_class]!r} heatmap: {on_dog:.0%} on the dog (right) half; need 80% each"
    )


def test_score_cam_is_class_discriminative_too(effnet, scene, scene_classes):
    cat_map, dog_map = lh.score_cam(
        effnet, scene, list(scene_classes), size=SCENE_SIZE, channels=64
    )
    on_cat, on_dog = _left_fraction(cat_map), 1.0 - _left_fraction(dog_map)
    assert on_cat >= 0.7 and on_dog >= 0.7, f"Score-CAM: cat {on_cat:.0%}, dog {on_dog:.0%}"


# ---------------------------------------------------------------------------
# Layers and nested models


def test_layer_errors(effnet, cat):
    for name in ("avg_pool", "logits"):
        with pytest.raises(ValueError, match=f"layer '{name}' outputs shape .* not a 4-D"):
            lh.grad_cam(effnet, cat, layer=name)
    with pytest.raises(ValueError, match="no layer 'nope'.*top_activation"):
        lh.grad_cam(effnet, cat, layer="nope")


def test_earlier_layer_gives_finer_map(effnet, cat):
    assert lh.grad_cam(effnet, cat, layer="block5c_add").shape == (14, 14)
    choices = lh.cam_layers(effnet)
    assert choices[-1] == "top_activation" and "avg_pool" not in choices
    menu = cam.cam_layer_choices(effnet)
    assert menu[0] == "top_activation" and "block5c_add" in menu


def test_nested_models_equal_the_flat_model(effnet, cat):
    flat = lh.grad_cam(effnet, cat)
    wrapped = keras.Sequential([keras.Input((None, None, 3)), effnet.model], name="wrapper")
    assert cam.resolve_cam_layer(wrapped) == "efficientnet_lite0/top_activation"
    for layer in (None, "efficientnet_lite0/top_activation", "top_activation"):
        np.testing.assert_allclose(
            lh.grad_cam(wrapped, cat, layer=layer, size=(224, 224)), flat, rtol=1e-5, atol=1e-6
        )
    # The transfer-learning pattern: inputs → base(inputs) → pooling → Dense(softmax).
    model = effnet.model
    base = keras.Model(model.input, model.get_layer("top_activation").output, name="base")
    inputs = keras.Input((None, None, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(base(inputs))
    head = keras.layers.Dense(1000, activation="softmax")
    transfer = keras.Model(inputs, head(pooled))
    head.set_weights(model.get_layer("logits").get_weights())
    assert lh.view(transfer).score.kind == "dense_logits"
    np.testing.assert_allclose(
        lh.grad_cam(transfer, cat, size=(224, 224)), flat, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        lh.grad_cam(transfer, cat, 285, "base/block5c_add", size=(224, 224)),
        lh.grad_cam(effnet, cat, 285, "block5c_add"),
        rtol=1e-5,
        atol=1e-6,
    )


def test_unbuilt_sequential_gets_a_clear_error(effnet, cat):
    unbuilt = keras.Sequential([effnet.model])
    with pytest.raises(ValueError, match="never built|keras.Input"):
        lh.grad_cam(unbuilt, cat, size=(224, 224))


def test_binary_model_cat_and_dog_evidence_are_complementary(catsdogs):
    kitten = lh.sample_image("kitten")
    cat_map, dog_map = lh.grad_cam(catsdogs, kitten, ["cat", "dog"])
    assert cat_map.shape == (60, 60)  # conv2d_2 at 256 px
    # score_output is [-z, z]: the dog gradient is minus the cat gradient, so after the
    # ReLU the two maps never overlap.
    assert np.all((cat_map == 0) | (dog_map == 0))
    assert cat_map.max() == pytest.approx(1.0) and dog_map.max() == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# Grad-CAM++, Score-CAM, guided backprop, occlusion


def test_grad_cam_plus_plus_single_channel_is_the_activation():
    a = np.random.default_rng(1).random((1, 4, 4, 1)).astype(np.float32)
    g = np.full_like(a, 0.3)
    np.testing.assert_allclose(
        cam.gradcam_plus_plus_from_gradients(a, g)[0], a[0, ..., 0] / a.max(), rtol=1e-5
    )


def _grad_cam_plus_plus_by_hand(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The paper's closed form, one channel and one position at a time, in plain floats."""
    n, h, w, k = a.shape
    maps = np.zeros((n, h, w))
    for image in range(n):
        for channel in range(k):
            total = float(a[image, :, :, channel].sum())
            weight = 0.0
            for i in range(h):
                for j in range(w):
                    grad = float(g[image, i, j, channel])
                    if grad > 0:  # ReLU(g); the a_ij of g <= 0 multiply zero
                        weight += grad**2 / (2 * grad**2 + total * grad**3) * grad
            maps[image] += weight * a[image, :, :, channel]
    maps = np.maximum(maps, 0)
    return maps / maps.max(axis=(1, 2), keepdims=True)


def test_grad_cam_plus_plus_keeps_the_weight_of_small_gradients():
    """Gradients of 1e-5 (g^2 = 1e-10): every channel keeps the weight the formula gives it."""
    rng = np.random.default_rng(3)
    a = rng.random((2, 5, 6, 9))
    g = rng.normal(size=(2, 5, 6, 9)) * 1e-5
    np.testing.assert_allclose(cam.gradcam_plus_plus_from_gradients(a, g),
                               _grad_cam_plus_plus_by_hand(a, g), rtol=1e-5, atol=1e-6)


def test_grad_cam_plus_plus_on_a_small_model_with_small_gradients(tiny):
    """The tiny model with its logits scaled down 1e5 times: lh.grad_cam_plus_plus equals the
    closed form computed from the activations and gradients taken here with a GradientTape."""
    import tensorflow as tf

    scaled = keras.Model(tiny.input, tiny.get_layer("logits").output)
    dense = scaled.get_layer("logits")
    kernel, bias = dense.get_weights()
    small = keras.models.clone_model(scaled)
    small.get_layer("logits").set_weights([kernel * 1e-5, bias])
    small.get_layer("conv").set_weights(scaled.get_layer("conv").get_weights())
    image = np.random.default_rng(4).integers(0, 256, (8, 8, 3)).astype(np.float32)
    features = keras.Model(small.input, [small.get_layer("relu").output, small.output])
    with tf.GradientTape() as tape:
        x = tf.constant(image[None])
        tape.watch(x)
        a, logits = features(x)
        score = logits[:, 0]
    g = tape.gradient(score, a).numpy()
    assert 0 < np.abs(g[g != 0]).max() < 1e-4  # small: g^2 < 1e-8
    expected = _grad_cam_plus_plus_by_hand(a.numpy().astype(np.float64), g.astype(np.float64))
    heatmap = lh.grad_cam_plus_plus(small, image, 0, "relu")
    np.testing.assert_allclose(heatmap, expected[0], rtol=1e-4, atol=1e-5)


def test_grad_cam_plus_plus_on_model(effnet, cat):
    heatmap = lh.grad_cam_plus_plus(effnet, cat)
    assert heatmap.shape == (7, 7) and heatmap.min() >= 0 and heatmap.max() == pytest.approx(1)


def test_score_cam_chunks_do_not_change_the_result(tiny):
    image = np.random.default_rng(2).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    one = lh.score_cam(tiny, image, 0, channels=None, batch_size=1)
    all_at_once = lh.score_cam(tiny, image, 0, channels=None, batch_size=64)
    np.testing.assert_allclose(one, all_at_once, **SAME_VALUE)
    # By hand: weight of channel k = p_0(x * minmax(A_k)); S = ReLU(sum_k w_k A_k) / max.
    x = image.astype(np.float32)[None]
    a = tiny.get_layer("relu").output
    activations = keras.Model(tiny.input, a)(x).numpy()[0]
    weights = []
    for k in range(2):
        m = activations[..., k]
        mask = (m - m.min()) / (m.max() - m.min()) if m.max() > m.min() else np.zeros_like(m)
        weights.append(tiny(x * mask[None, ..., None]).numpy()[0, 0])
    expected = cam.normalize_heatmap((activations * np.array(weights)).sum(-1))
    np.testing.assert_allclose(one, expected, atol=1e-5)


def test_guided_backprop_by_hand(tiny):
    """d logit_0 / dx through guided ReLUs: only paths with an active unit AND a positive
    gradient arriving at it pass."""
    image = np.random.default_rng(3).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    x = image.astype(np.float32)
    w1 = tiny.get_layer("conv").get_weights()[0][0, 0]  # (3, 2)
    w2 = tiny.get_layer("logits").get_weights()[0][:, 0]  # (2,)
    pre = x @ w1  # (8, 8, 2)
    upstream = np.broadcast_to(w2 / 64.0, pre.shape)  # gradient at the ReLU output
    gate = (pre > 0) & (upstream > 0)
    expected = (upstream * gate) @ w1.T
    guided = lh.guided_backprop(tiny, image, 0)
    np.testing.assert_allclose(guided, expected, rtol=1e-4, atol=1e-7)
    # The original model keeps its ordinary gradient (nothing was mutated).
    xt = tf.constant(x[None])
    with tf.GradientTape() as tape:
        tape.watch(xt)
        logit = keras.Model(tiny.input, tiny.get_layer("logits").output)(xt)[:, 0]
    plain = tape.gradient(logit, xt).numpy()[0]
    np.testing.assert_allclose(plain, (upstream * (pre > 0)) @ w1.T, rtol=1e-4, atol=1e-7)
    assert isinstance(tiny.get_layer("relu"), keras.layers.ReLU)


def test_guided_backprop_handles_relu6_and_builtin_relu(effnet, catsdogs, cat):
    clone = cam.guided_model(effnet)
    assert clone is not effnet.model
    kinds = {type(layer).__name__ for layer in clone.layers}
    assert "GuidedReLU" in kinds and "ReLU" not in kinds
    assert all(type(layer).__name__ == "ReLU" for layer in effnet.model.layers if "activation"
               in layer.name and not layer.name.startswith("top") and layer.name != "image")
    g = lh.guided_backprop(effnet, cat)
    assert g.shape == (224, 224, 3) and np.all(np.isfinite(g)) and np.abs(g).max() > 0
    # Conv2D(activation="relu") layers of the cats model are guided too.
    g2 = lh.guided_backprop(catsdogs, lh.sample_image("kitten"), "cat")
    assert g2.shape == (256, 256, 3) and np.abs(g2).max() > 0
    ggc = lh.guided_grad_cam(effnet, cat)
    assert ggc.shape == (224, 224, 3)
    assert np.all(np.abs(ggc) <= np.abs(g) + 1e-9)


def test_occlusion_finds_the_region_that_matters():
    """A model whose class-0 score is the mean brightness of the top-left quarter."""
    inputs = keras.Input((32, 32, 3))
    corner = keras.layers.Cropping2D(((0, 16), (0, 16)))(inputs)
    z = keras.layers.GlobalAveragePooling2D()(corner)
    z = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")(z)
    logits = keras.layers.Concatenate()([z / 255.0, 0.0 * z])
    model = keras.Model(inputs, keras.layers.Activation("softmax")(logits))
    white = np.full((32, 32, 3), 255, np.uint8)
    occ = lh.occlusion_sensitivity(model, white, 0, patch=8, stride=4, fill=0.0)
    assert occ.shape == (32, 32) and occ.max() == pytest.approx(1.0)
    assert np.all(occ[:12, :12] == pytest.approx(1.0, abs=SAME_VALUE["atol"]))  # all hide it
    assert np.all(occ[24:] == 0) and np.all(occ[:, 24:] == 0)  # no patch here touches it
    chunked = lh.occlusion_sensitivity(model, white, 0, patch=8, stride=4, fill=0.0, batch_size=3)
    np.testing.assert_allclose(occ, chunked, **SAME_VALUE)


# ---------------------------------------------------------------------------
# Display


def test_overlay_and_upsample(cat):
    heatmap = np.zeros((7, 7), np.float32)
    heatmap[3, 3] = 1.0
    shown = lh.overlay(cat, heatmap, alpha=0.4)
    assert shown.dtype == np.uint8 and shown.shape == cat.shape
    np.testing.assert_array_equal(lh.overlay(cat, heatmap, alpha=0.0), cat)
    only = lh.overlay(cat, heatmap, alpha=1.0, cmap="inferno")
    assert only[150, 225].mean() > only[5, 5].mean()  # the hot centre is bright in inferno
    up = lh.upsample_heatmap(heatmap, (70, 90))
    assert up.shape == (70, 90) and 0.0 <= up.min() and up.max() <= 1.0
    assert np.unique(up).size > 10  # smooth, not nearest-neighbour blocks
    with pytest.raises(ValueError, match="alpha"):
        lh.overlay(cat, heatmap, alpha=1.5)
    with pytest.raises(ValueError, match="one heatmap"):
        lh.overlay(cat, np.zeros((2, 7, 7)))


def test_compute_heatmap_dispatch(tiny):
    image = np.random.default_rng(4).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    for method in lh.CAM_METHODS:
        heatmap = lh.compute_heatmap(tiny, image, 0, method=method)
        assert heatmap.ndim == 2 and 0 <= heatmap.min() and heatmap.max() <= 1, method
    with pytest.raises(ValueError, match="unknown method"):
        lh.compute_heatmap(tiny, image, 0, method="LIME")


# ---------------------------------------------------------------------------
# Faithfulness: deletion / insertion, sanity check


def test_spearman_correlation():
    a = np.arange(10.0)
    assert am.spearman_correlation(a, a**3) == pytest.approx(1.0)
    assert am.spearman_correlation(a, -a) == pytest.approx(-1.0)
    assert np.isnan(am.spearman_correlation(a, np.zeros(10)))


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


def test_sanity_check_grad_cam_changes_guided_backprop_does_not(effnet, cat):
    before = [w.copy() for w in effnet.model.get_layer("logits").get_weights()]
    result = lh.cascading_randomization(effnet, cat, stages=("logits", "top"))
    assert result.stages == ["original", "logits", "top"]
    grad_cam_rho = result.correlations["Grad-CAM"]
    guided_rho = result.correlations["Guided backprop"]
    assert grad_cam_rho[0] == pytest.approx(1.0) and guided_rho[0] == pytest.approx(1.0)
    assert max(grad_cam_rho[1:]) < 0.5, f"Grad-CAM barely changed: {grad_cam_rho}"
    assert min(guided_rho[1:]) > 0.8, f"guided backprop: {guided_rho}"
    # The shared zoo model was not touched.
    after = effnet.model.get_layer("logits").get_weights()
    for b, a in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="refusing to randomize a cached zoo model"):
        am.randomize_layers(effnet, ["logits"])
    assert "original" in result.table()
