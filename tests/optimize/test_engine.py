"""The compiled engine (lecture_helpers/optimize/engine.py): traced once per configuration, no
NaN, a redirected ReLU, and a bounded cache of engines per model."""

from __future__ import annotations

import weakref

import numpy as np
import tensorflow as tf

import lecture_helpers as lh
from lecture_helpers import optimize as opt
from lecture_helpers.optimize.engine import _redirected_relu, cached_engines

MID_LAYER = "block4c_expand_activation"  # stage 4 of 7, 480 channels at 1/16 resolution


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


def test_redirected_relu_lets_a_dead_filter_learn():
    x = tf.constant(-np.ones((2, 3, 3, 1)), tf.float32)
    x = tf.concat([x[:1], x[1:] + 2.0], axis=0)  # image 0: all off; image 1: all on
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _redirected_relu(x, 0.0, 6.0)
        loss = tf.reduce_sum(y)
    grad = tape.gradient(loss, x).numpy()
    np.testing.assert_array_equal(y.numpy()[0], 0.0)
    assert np.all(grad[0] == 1.0), "an all-off image must still get an upward gradient"
    assert np.all(grad[1] == 1.0)


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
