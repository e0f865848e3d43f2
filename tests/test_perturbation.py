"""lecture_helpers.perturbation: the maintainers' stand-in for another CPU, off by default."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import lecture_helpers as lh
from lecture_helpers import perturbation


@pytest.fixture
def hook_off(monkeypatch):
    monkeypatch.delenv(perturbation.PERTURB_VARIABLE, raising=False)
    monkeypatch.delenv(perturbation.SEED_SHIFT_VARIABLE, raising=False)
    return monkeypatch


@pytest.fixture(scope="module")
def tiny_classifier():
    """A seeded Sequential classifier on pixels in [0, 255], three classes."""
    keras.utils.set_random_seed(3)
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        keras.layers.Rescaling(1 / 127.5, offset=-1),
        keras.layers.Conv2D(8, 3, activation="relu", name="conv"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(3, activation="softmax"),
    ])


def test_off_by_default_nothing_changes(hook_off):
    start = np.full((4, 4, 3), 127.0, np.float32)
    assert perturbation.perturb_start(start) is start
    assert perturbation.ascent_seed(5) == 5
    assert perturbation.perturbation_scale() == 0.0


def test_the_start_moves_by_the_relative_scale_the_same_way_every_time(hook_off):
    hook_off.setenv(perturbation.PERTURB_VARIABLE, "1e-5")
    grey = lh.start_image("grey", (32, 32))
    assert grey.dtype == np.float32
    relative = np.abs(grey / 127.0 - 1.0)
    assert 1e-7 < relative.max() < 1e-4 and relative.mean() > 1e-6
    assert np.array_equal(grey, lh.start_image("grey", (32, 32)))  # a student's = the helper's
    assert np.array_equal(lh.start_image("zeros", (8, 8)), np.zeros((8, 8, 3), np.float32))


def test_the_seed_shift_is_added_to_every_ascent_seed(hook_off, tiny_classifier):
    hook_off.setenv(perturbation.SEED_SHIFT_VARIABLE, "2")
    assert perturbation.ascent_seed(0) == 2
    shifted = lh.visualize_class(tiny_classifier, 1, steps=3, size=32, seed=0, progress=False)
    hook_off.delenv(perturbation.SEED_SHIFT_VARIABLE)
    seed_two = lh.visualize_class(tiny_classifier, 1, steps=3, size=32, seed=2, progress=False)
    seed_zero = lh.visualize_class(tiny_classifier, 1, steps=3, size=32, seed=0, progress=False)
    assert np.array_equal(shifted.images, seed_two.images)
    assert not np.array_equal(shifted.images, seed_zero.images)


def test_a_perturbed_ascent_starts_almost_where_the_plain_one_does(hook_off, tiny_classifier):
    plain = lh.slide_class_ascent(tiny_classifier, 2, steps=2, size=32)
    hook_off.setenv(perturbation.PERTURB_VARIABLE, "1e-5")
    perturbed = lh.slide_class_ascent(tiny_classifier, 2, steps=2, size=32)
    assert not np.array_equal(plain.raw, perturbed.raw)
    np.testing.assert_allclose(perturbed.logits[0], plain.logits[0], rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (perturbation.PERTURB_VARIABLE, "tiny", "is not a number"),
        (perturbation.PERTURB_VARIABLE, "0.5", r"relative size in \[0, 0.01\)"),
        (perturbation.PERTURB_VARIABLE, "nan", r"relative size in \[0, 0.01\)"),
        (perturbation.SEED_SHIFT_VARIABLE, "1.5", "is not a whole number"),
    ],
)
def test_a_bad_setting_names_the_variable_and_the_fix(hook_off, variable, value, message):
    hook_off.setenv(variable, value)
    with pytest.raises(ValueError, match=message) as error:
        if "PERTURB" in variable:
            perturbation.perturb_start(np.ones(3))
        else:
            perturbation.ascent_seed(0)
    assert variable in str(error.value)
