"""Image parameterizations (lecture_helpers/optimize/param.py): the fast inverse FFT and its
gradient, the periodic blur, and a setting changed where it lives."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from lecture_helpers import optimize as opt
from lecture_helpers.optimize.param import _irfft2d


def test_fast_irfft_gradient_matches_tensorflow():
    rng = np.random.default_rng(0)
    for height, width in ((8, 8), (6, 7)):
        columns = width // 2 + 1
        re = tf.constant(rng.standard_normal((2, height, columns)), tf.float32)
        im = tf.constant(rng.standard_normal((2, height, columns)), tf.float32)
        weights = tf.constant(rng.standard_normal((2, height, width)), tf.float32)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([re, im])
            ours = _irfft2d(re, im, height, width)
            theirs = tf.signal.irfft2d(tf.complex(re, im), fft_length=[height, width])
            loss_ours = tf.reduce_sum(ours * weights)
            loss_theirs = tf.reduce_sum(theirs * weights)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-5)
        for ours_g, theirs_g in zip(
            tape.gradient(loss_ours, [re, im]), tape.gradient(loss_theirs, [re, im]), strict=True
        ):
            np.testing.assert_allclose(ours_g.numpy(), theirs_g.numpy(), atol=1e-4)


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
