"""The gradient-ascent engine: quality, determinism, compiled-once, errors, pieces."""

from __future__ import annotations

import weakref

import keras
import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import optimize as opt
from lecture_helpers._quiet import tf
from lecture_helpers.optimize.engine import cached_engines
from tests.tolerances import SAME_VALUE

MID_LAYER = "block4c_expand_activation"  # stage 4 of 7, 480 channels at 1/16 resolution


@pytest.fixture(scope="module")
def model():
    return lh.load_model("efficientnet_lite0")


def _channel_means(model, layer: str, images: np.ndarray) -> np.ndarray:
    sub = keras.Model(model.model.input, model.model.get_layer(layer).output)
    return sub(images.astype(np.float32), training=False).numpy().mean(axis=(1, 2))


def test_optimized_images_excite_their_filter_far_more_than_photos(model):
    filters = list(range(0, 16 * 7, 7))  # 16 filters spread over the layer
    result = lh.visualize_filters(model, MID_LAYER, filters, steps=64, size=128, progress=False)
    assert result.images.dtype == np.uint8 and result.images.shape == (16, 128, 128, 3)
    own = _channel_means(model, MID_LAYER, result.images)[np.arange(16), filters]
    photos = model.preprocess([lh.sample_image(name) for name in lh.SAMPLE_IMAGES], (128, 128))
    strongest_photo = _channel_means(model, MID_LAYER, photos)[:, filters].max(axis=0)
    ratio = own / np.maximum(strongest_photo, 1e-6)
    median = float(np.median(ratio))
    assert median >= 4.0, (
        f"median over 16 filters of (activation on its optimized image) / (strongest of "
        f"{len(lh.SAMPLE_IMAGES)} photos) is {median:.2f}, expected >= 4; ratios {ratio.round(2)}"
    )
    # the engine's history tracks the objective it raised
    assert np.all(result.history[:, -1] > result.history[:, 0])


def test_different_filters_differ_and_same_seed_repeats(model):
    kwargs = dict(steps=12, size=64, progress=False)
    first = lh.visualize_filters(model, MID_LAYER, [0, 1, 2], seed=3, **kwargs)
    again = lh.visualize_filters(model, MID_LAYER, [0, 1, 2], seed=3, **kwargs)
    other_seed = lh.visualize_filters(model, MID_LAYER, [0, 1, 2], seed=4, **kwargs)
    np.testing.assert_array_equal(first.images, again.images)
    np.testing.assert_array_equal(first.history, again.history)
    for a in range(3):
        for b in range(a + 1, 3):
            diff = np.abs(first.images[a].astype(int) - first.images[b].astype(int)).mean()
            assert diff > 5, f"filters {a} and {b} gave nearly the same image (mean |diff| {diff})"
    assert np.abs(first.images.astype(int) - other_seed.images.astype(int)).mean() > 1
    assert first.titles == ["filter 0", "filter 1", "filter 2"]
    assert first.history.shape == (3, 12)


def test_compiled_step_is_traced_once_per_configuration(model):
    kwargs = dict(steps=3, size=64, progress=False, transforms=None)
    results = [
        lh.visualize_filters(model, "block3a_expand_activation", filters, **kwargs)
        for filters in ([0, 1], [5, 9], [7, 3])
    ]
    assert [r.tracing_count for r in results] == [1, 1, 1]
    # a new learning rate is a tensor too: still no retrace
    again = lh.visualize_filters(model, "block3a_expand_activation", [2, 4], lr=0.1, **kwargs)
    assert again.tracing_count == 1
    # the batch dimension is open: another batch size reuses the same trace
    three = lh.visualize_filters(model, "block3a_expand_activation", [1, 2, 3], **kwargs)
    assert three.tracing_count == 1
    assert three.images.shape == (3, 64, 64, 3)


def test_unknown_layer_is_a_clear_error(model):
    with pytest.raises(ValueError, match="no layer 'block99_conv'.*Valid layer names"):
        lh.visualize_filters(model, "block99_conv", [0], steps=1, progress=False)


def test_filter_index_out_of_range_is_a_clear_error(model):
    message = "filter index 480 is out of range.*480 channels.*0 to 479"
    with pytest.raises(IndexError, match=message):
        lh.visualize_filters(model, MID_LAYER, [0, 480], steps=1, progress=False)
    with pytest.raises(IndexError, match=">= 0"):
        lh.visualize_filters(model, MID_LAYER, [-1], steps=1, progress=False)
    with pytest.raises(TypeError, match="integer"):
        lh.visualize_filters(model, MID_LAYER, [1.5], steps=1, progress=False)


@pytest.mark.parametrize("layer", ["logits", "avg_pool", "image"])
def test_layer_without_feature_maps_is_a_clear_error(model, layer):
    with pytest.raises(ValueError, match="no filters to visualize.*convolutional layer"):
        lh.visualize_filters(model, layer, [0], steps=1, progress=False)


def test_zero_objective_gives_no_nan(model):
    for param in ("fourier", "pixel"):
        result = lh.maximize(
            model,
            0.0 * lh.objectives.channel(MID_LAYER, 0),
            batch=2,
            steps=4,
            size=64,
            param=param,
            progress=False,
        )
        assert np.all(np.isfinite(result.history)) and np.all(result.history == 0)
        # nothing to climb: the image stays at its (grey) start
        assert abs(float(result.images.mean()) - 127.5) < 3


def test_objectives_compose_linearly(model):
    a = lh.objectives.channel(MID_LAYER, 3)
    b = lh.objectives.neuron(MID_LAYER, 7)
    kwargs = dict(batch=2, steps=1, size=64, progress=False)
    value_a = lh.maximize(model, a, **kwargs).history[:, 0]
    value_b = lh.maximize(model, b, **kwargs).history[:, 0]
    combined = lh.maximize(model, a - 2.0 * b, **kwargs).history[:, 0]
    np.testing.assert_allclose(combined, value_a - 2.0 * value_b, rtol=1e-4, atol=1e-5)
    assert sum([a, b]).name == f"{a.name} + {b.name}"


def test_per_image_objectives_of_different_kinds(model):
    objectives = [lh.objectives.channel(MID_LAYER, 3), lh.objectives.neuron(MID_LAYER, 3)]
    result = lh.maximize(model, objectives, steps=2, size=64, progress=False)
    assert result.images.shape == (2, 64, 64, 3)
    assert result.objectives == [objectives[0].name, objectives[1].name]


def test_visualize_class_by_name_and_index(model):
    result = lh.visualize_class(model, ["flamingo", 967], steps=2, size=64, progress=False)
    assert result.titles == ["flamingo (130)", "espresso (967)"]
    assert result.images.shape == (2, 64, 64, 3) and result.history.shape == (2, 2)
    with pytest.raises(KeyError):
        lh.visualize_class(model, "flamingoo", steps=1, progress=False)


def test_plain_keras_model_with_fixed_input_size():
    small = lh.lecture_small_convnet()
    result = lh.visualize_filters(small, "conv2d_1", [0, 1], steps=2, size=64, progress=False)
    assert result.images.shape == (2, 64, 64, 3)
    with pytest.raises(ValueError, match="class name 'cat' needs a zoo model"):
        lh.maximize(small, lh.objectives.class_logit("cat"), steps=1, progress=False)


def test_fast_irfft_gradient_matches_tensorflow():
    rng = np.random.default_rng(0)
    for height, width in ((8, 8), (6, 7)):
        columns = width // 2 + 1
        re = tf.constant(rng.standard_normal((2, height, columns)), tf.float32)
        im = tf.constant(rng.standard_normal((2, height, columns)), tf.float32)
        weights = tf.constant(rng.standard_normal((2, height, width)), tf.float32)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([re, im])
            ours = opt._irfft2d(re, im, height, width)
            theirs = tf.signal.irfft2d(tf.complex(re, im), fft_length=[height, width])
            loss_ours = tf.reduce_sum(ours * weights)
            loss_theirs = tf.reduce_sum(theirs * weights)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-5)
        for ours_g, theirs_g in zip(
            tape.gradient(loss_ours, [re, im]), tape.gradient(loss_theirs, [re, im]), strict=True
        ):
            np.testing.assert_allclose(ours_g.numpy(), theirs_g.numpy(), atol=1e-4)


def test_fused_transforms_equal_applying_them_one_by_one():
    images = tf.constant(np.random.default_rng(1).uniform(size=(3, 40, 40, 3)), tf.float32)
    seed = tf.constant([5, 6], tf.int32)
    chain = [lh.transforms.pad(4), lh.transforms.jitter(8)]
    fused = opt._apply_transforms(images, chain, seed)
    one_by_one = images
    for i, transform in enumerate(chain):
        one_by_one = transform(one_by_one, tf.random.experimental.stateless_fold_in(seed, i))
    assert fused.shape == (3, 40, 40, 3)
    np.testing.assert_allclose(fused.numpy(), one_by_one.numpy(), atol=1e-5)
    # the standard set keeps the size (so fixed-size models work) and changes the picture
    standard = opt._apply_transforms(images, lh.transforms.standard(), seed)
    assert standard.shape == images.shape
    assert float(tf.reduce_mean(tf.abs(standard - images))) > 0.01


def test_rotation_and_scale_move_pixels_as_expected():
    image = np.zeros((1, 21, 21, 1), np.float32)
    image[0, 10, 14] = 1.0  # a dot 4 px right of the centre (10, 10)
    seed = tf.constant([0, 0], tf.int32)
    matrix, _, _ = opt.RandomRotate(90.0).sample(tf.constant(1), 21, 21, seed)
    # a rotation about the centre keeps the centre fixed
    centre = matrix.numpy()[0] @ np.array([10.0, 10.0, 1.0])
    np.testing.assert_allclose(centre[:2], [10.0, 10.0], atol=1e-4)

    def zoom(factor):
        m = opt._about_centre(tf.constant([factor]), tf.constant([0.0]), 21, 21)
        return opt._resample(tf.constant(image), m, 21, 21, 0.0).numpy()[0, :, :, 0]

    assert zoom(0.5)[10, 12] == pytest.approx(1.0)  # zoom out: 2 px right of the centre
    big = zoom(2.0)  # zoom in: 8 px right, spread by bilinear interpolation
    assert big[10, 18] == pytest.approx(1.0) and big[10, 17] == pytest.approx(0.5)
    quarter = opt._resample(
        tf.constant(image), opt._about_centre(tf.constant([1.0]), tf.constant([np.pi / 2]), 21, 21),
        21, 21, 0.0,
    ).numpy()[0, :, :, 0]
    assert quarter[6, 10] == pytest.approx(1.0, abs=1e-4)  # 90 degrees: right -> above


def test_redirected_relu_lets_a_dead_filter_learn():
    x = tf.constant(-np.ones((2, 3, 3, 1)), tf.float32)
    x = tf.concat([x[:1], x[1:] + 2.0], axis=0)  # image 0: all off; image 1: all on
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = opt._redirected_relu(x, 0.0, 6.0)
        loss = tf.reduce_sum(y)
    grad = tape.gradient(loss, x).numpy()
    np.testing.assert_array_equal(y.numpy()[0], 0.0)
    assert np.all(grad[0] == 1.0), "an all-off image must still get an upward gradient"
    assert np.all(grad[1] == 1.0)


def test_regularizers_and_pixel_parameterization_run(model):
    result = lh.visualize_filters(
        model,
        MID_LAYER,
        [0, 1],
        steps=4,
        size=64,
        param="pixel",
        regularizers=[
            lh.regularizers.l2(1.0),
            lh.regularizers.total_variation(1.0),
            lh.regularizers.blur(0.5, every=2),
        ],
        progress=False,
    )
    assert np.all(np.isfinite(result.history))
    assert result.images.min() >= 0 and result.images.max() <= 255


def test_blur_smooths_the_picture():
    param = opt.FourierParam()
    p = tf.constant(param.init(np.random.default_rng(0), 1, 32, 32) * 100)
    sharp = param.to_image(p, 32, 32).numpy()
    soft = param.to_image(param.blur(p, 2.0, 32, 32), 32, 32).numpy()
    assert np.abs(np.diff(soft, axis=1)).mean() < 0.5 * np.abs(np.diff(sharp, axis=1)).mean()
    pixel = opt.PixelParam()
    q = tf.constant(pixel.init(np.random.default_rng(0), 1, 32, 32) * 100)
    blurred = pixel.blur(q, 1.0, 32, 32).numpy()
    assert blurred.shape == q.shape
    assert np.abs(np.diff(blurred, axis=1)).mean() < 0.5 * np.abs(np.diff(q.numpy(), axis=1)).mean()


def test_bad_options_are_clear_errors(model):
    channel = lh.objectives.channel(MID_LAYER, 0)
    with pytest.raises(ValueError, match="unknown parameterization 'fft'"):
        lh.maximize(model, channel, steps=1, param="fft", progress=False)
    with pytest.raises(ValueError, match="transforms='lucid'"):
        lh.maximize(model, channel, steps=1, transforms="lucid", progress=False)
    with pytest.raises(TypeError, match="unknown regularizer"):
        lh.maximize(model, channel, steps=1, regularizers=["tv"], progress=False)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        lh.maximize(model, channel, steps=0, progress=False)


@pytest.mark.parametrize(
    ("lr", "error", "match"),
    [
        (-0.05, ValueError, "positive finite number, got -0.05: gradient ascent climbs"),
        (0, ValueError, "positive finite number, got 0"),
        (float("nan"), ValueError, "positive finite number, got nan"),
        (float("inf"), ValueError, "positive finite number, got inf"),
        ("fast", TypeError, "must be a number, got 'fast'"),
    ],
)
def test_a_learning_rate_that_would_not_climb_is_refused(model, lr, error, match):
    sub = keras.Model(model.model.input, model.model.get_layer(MID_LAYER).output)
    calls = [
        lambda: lh.maximize(model, lh.objectives.channel(MID_LAYER, 0), steps=1, lr=lr,
                            progress=False),
        lambda: lh.visualize_class(model, "flamingo", steps=1, size=32, lr=lr, progress=False),
        lambda: lh.slide_class_ascent(model, "flamingo", steps=1, lr=lr),
        lambda: lh.lecture_gradient_ascent(sub, 0, size=32, steps=1, lr=lr),
    ]
    for call in calls:  # refused before any compiling or stepping
        with pytest.raises(error, match=match):
            call()


def test_lecture_loop_climbs_with_the_normalization_trick(model):
    sub = keras.Model(model.model.input, model.model.get_layer("block3a_expand_activation").output)
    image, curve = lh.lecture_gradient_ascent(sub, 5, size=32, steps=5, lr=10.0)
    _, flat = lh.lecture_gradient_ascent(sub, 5, size=32, steps=5, lr=10.0, normalize=False)
    assert image.shape == (32, 32, 3) and curve.shape == (5,)
    assert curve[-1] > curve[0]
    assert curve[-1] - curve[0] > 10 * abs(flat[-1] - flat[0])


@pytest.mark.parametrize("fill", [0.5, None])
def test_resampling_matches_tensorflows_projective_transform(fill):
    images = tf.constant(np.random.default_rng(2).uniform(size=(2, 24, 20, 3)), tf.float32)
    matrix = opt._about_centre(tf.constant([0.9, 1.1]), tf.constant([0.2, -0.1]), 24, 20)
    matrix = tf.matmul(matrix, opt._translation(tf.constant([1.5, -2.0]), tf.constant([0.0, 3.0])))
    ours = opt._resample(images, matrix, 24, 20, fill)
    theirs = tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=tf.reshape(matrix, (-1, 9))[:, :8],
        output_shape=tf.constant([24, 20]),
        fill_value=0.0 if fill is None else fill,
        interpolation="BILINEAR",
        fill_mode="REFLECT" if fill is None else "CONSTANT",
    )
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-4)


def test_resampling_gradient_is_exact_for_whole_pixel_shifts():
    images = tf.constant(np.random.default_rng(3).uniform(size=(2, 16, 16, 3)), tf.float32)
    weights = tf.constant(np.random.default_rng(4).uniform(size=(2, 12, 12, 3)), tf.float32)
    matrix = opt._translation(tf.constant([2.0, 4.0]), tf.constant([3.0, 1.0]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(images)
        fast = tf.reduce_sum(opt._resample(images, matrix, 12, 12, 0.5) * weights)
        exact = tf.reduce_sum(opt._bilinear(images, matrix, 12, 12, 0.5) * weights)
    np.testing.assert_allclose(
        tape.gradient(fast, images).numpy(), tape.gradient(exact, images).numpy(), **SAME_VALUE
    )


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


def test_engine_cache_keeps_only_the_most_recently_used_configurations():
    small = lh.lecture_small_convnet()
    kwargs = dict(steps=1, progress=False, transforms=None)
    sizes = [32, 48, 64]
    assert len(sizes) == opt.ENGINES_PER_MODEL + 1
    for size in sizes[:2]:
        lh.visualize_filters(small, "conv2d_0", [0], size=size, **kwargs)
    lh.visualize_filters(small, "conv2d_0", [0], size=32, **kwargs)  # 32 used again
    evicted = weakref.ref(next(e for c, e in cached_engines(small).items() if c.size[0] == 48))
    lh.visualize_filters(small, "conv2d_0", [0], size=64, **kwargs)  # evicts 48, not 32
    kept = sorted(config.size[0] for config in cached_engines(small))
    assert kept == [32, 64]
    # The evicted engine is collected at once (its compiled step sits in reference cycles),
    # so its memory is reused by the next build rather than added to the kernel's peak.
    assert evicted() is None


# ---------------------------------------------------------------------------
# Any Keras classifier, through its model view


def _softmax_model() -> keras.Model:
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(5, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="softmax_model")
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0.0, 0.05, w.shape).astype(np.float32)
                       for w in model.get_weights()])
    return model


def test_visualize_class_climbs_the_logit_not_the_softmax_probability():
    model = _softmax_model()
    model_view = lh.modelview.view(model)
    kwargs = dict(size=32, seed=1, progress=False, transforms=None)
    first = lh.visualize_class(model, [1, 3], steps=1, **kwargs)
    # step 1's objective is the score of the starting picture: the logit, not its softmax
    param = opt.CLASS_PARAM  # visualize_class's default parameterization
    start = param.init(np.random.default_rng(1), 2, 32, 32)
    pixels = param.to_image(tf.constant(start), 32, 32) * 255.0
    logits = model_view.score_model()(pixels, training=False).numpy()[[0, 1], [1, 3]]
    probabilities = model(pixels, training=False).numpy()[[0, 1], [1, 3]]
    np.testing.assert_allclose(first.history[:, 0], logits, rtol=1e-4, atol=1e-4)
    assert np.abs(first.history[:, 0] - probabilities).max() > 0.1
    climbed = lh.visualize_class(model, [1, 3], steps=5, **kwargs)
    assert np.all(climbed.history[:, -1] > climbed.history[:, 0])
    outside = (climbed.history < 0.0) | (climbed.history > 1.0)
    assert np.all(outside)  # every probability lies in [0, 1]
    assert climbed.titles == ["class 1 (1)", "class 3 (3)"]
    # a plain model's classes have names too ("class 3"); unknown ones are clear errors
    assert lh.visualize_class(model, "class 3", steps=1, **kwargs).titles == ["class 3 (3)"]
    with pytest.raises(KeyError, match="class name 'cat' needs a zoo model"):
        lh.visualize_class(model, "cat", steps=1, **kwargs)
    with pytest.raises(IndexError, match="out of range"):
        lh.visualize_class(model, 5, steps=1, **kwargs)


def _nested_model() -> keras.Model:
    image = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(6, 3, name="conv_a")(image)
    x = keras.layers.Conv2D(6, 3, activation="relu", name="conv_b")(x)
    base = keras.Model(image, x, name="base")
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.GlobalAveragePooling2D(name="pool")(base(inputs))
    outputs = keras.layers.Dense(2, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs, name="transfer")


def test_visualize_filters_on_nested_and_sequential_models():
    kwargs = dict(steps=3, size=32, progress=False, transforms=None)
    nested = _nested_model()
    result = lh.visualize_filters(nested, "base/conv_a", [0, 5], **kwargs)
    assert result.images.shape == (2, 32, 32, 3)
    assert np.all(result.history[:, -1] > result.history[:, 0])
    assert result.objectives == ["base/conv_a[0]", "base/conv_a[5]"]
    bare = lh.visualize_filters(nested, "conv_b", [1], **kwargs)  # a unique bare name works
    assert bare.images.shape == (1, 32, 32, 3)
    with pytest.raises(IndexError, match="6 channels"):
        lh.visualize_filters(nested, "base/conv_b", [6], **kwargs)
    with pytest.raises(ValueError, match="no filters to visualize"):
        lh.visualize_filters(nested, "pool", [0], **kwargs)
    with pytest.raises(lh.modelview.UnknownNameError, match="base/conv_a"):
        lh.visualize_filters(nested, "base/conv_c", [0], **kwargs)

    sequential = keras.Sequential([
        keras.Input((32, 32, 3)),
        keras.layers.Conv2D(4, 3, name="seq_conv"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(3, name="scores"),
    ])  # never called
    result = lh.visualize_filters(sequential, "seq_conv", [0, 3], **kwargs)
    assert result.images.shape == (2, 32, 32, 3)
    assert np.all(result.history[:, -1] > result.history[:, 0])


def test_no_global_cache_keeps_a_model_alive():
    import gc
    import weakref

    model = _nested_model()
    result = lh.visualize_filters(model, "base/conv_b", [0], steps=2, size=32, progress=False)
    assert result.images.shape == (1, 32, 32, 3)
    assert len(cached_engines(model)) == 1  # the engine lives in the model's view
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None


def test_patching_the_module_that_owns_a_setting_changes_the_picture(monkeypatch):
    """A setting is changed where it lives (``optimize.param._COLOR_MIX``, as the notebook
    check's ``lh.optimize.param._COLOR_MIX = ...`` does): the picture changes, and undoing
    the patch gives the same picture back.  The package is a plain module that re-exports
    no private setting."""
    import types

    from lecture_helpers.optimize import param

    fourier = opt.FourierParam()
    start = tf.constant(fourier.init(np.random.default_rng(0), 1, 16, 16))
    before = fourier.to_image(start, 16, 16).numpy()
    monkeypatch.setattr(param, "_COLOR_MIX", param._COLOR_MIX.T.copy())
    assert not np.allclose(fourier.to_image(start, 16, 16).numpy(), before, atol=1e-3)
    monkeypatch.undo()
    np.testing.assert_array_equal(fourier.to_image(start, 16, 16).numpy(), before)
    assert type(opt) is types.ModuleType and not hasattr(opt, "_COLOR_MIX")
