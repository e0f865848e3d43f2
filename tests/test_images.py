"""Image loading and display preparation."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import lecture_helpers as lh


def test_sample_images_are_uint8_rgb():
    for name in lh.SAMPLE_IMAGES:
        image = lh.sample_image(name)
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[-1] == 3, name
    assert lh.sample_image("cat_dog").shape == (224, 448, 3)
    assert lh.sample_image("cat", size=64).shape == (64, 64, 3)
    assert lh.sample_image("cat", size=(32, 48)).shape == (32, 48, 3)


def test_load_image_from_path_pil_and_array(tmp_path):
    rgba = np.zeros((10, 12, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 255
    path = tmp_path / "x.png"
    Image.fromarray(rgba).save(path)
    from_path = lh.load_image(path)
    assert from_path.shape == (10, 12, 3) and from_path[0, 0, 0] == 200
    gray = Image.fromarray(np.full((5, 6), 77, np.uint8))
    assert lh.load_image(gray).shape == (5, 6, 3)
    assert (lh.load_image(np.full((4, 4), 127.6)) == 128).all()  # floats are pixel values
    assert lh.load_image(np.zeros((4, 4, 1), np.uint8)).shape == (4, 4, 3)


def test_transparent_pixels_become_white(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    path = tmp_path / "t.png"
    Image.fromarray(rgba).save(path)
    assert (lh.load_image(path) == 255).all()


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.jpg"
    with pytest.raises(FileNotFoundError, match="nope.jpg"):
        lh.load_image(missing)


def test_file_that_is_not_an_image(tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not an image"):
        lh.load_image(text)


@pytest.mark.parametrize(
    ("array", "error", "match"),
    [
        (np.zeros((2, 3, 4, 3), np.uint8), ValueError, "shape"),
        (np.zeros((5,), np.uint8), ValueError, "shape"),
        (np.zeros((4, 4, 2), np.uint8), ValueError, "channels"),
        (np.zeros((4, 4, 3), np.complex64), TypeError, "dtype"),
        (np.full((4, 4, 3), 300.0), ValueError, r"pixel values in \[0, 255\]"),
        (np.full((4, 4, 3), 0.5), ValueError, r"\[0, 1\].*image \* 255"),
        (np.full((4, 4, 3), np.nan), ValueError, "NaN"),
    ],
)
def test_bad_arrays(array, error, match):
    with pytest.raises(error, match=match):
        lh.load_image(array)


def test_bad_source_type():
    with pytest.raises(TypeError, match="path, a URL"):
        lh.load_image(42)


def test_url_offline_gives_a_clear_error():
    with pytest.raises(ConnectionError, match="sample"):
        lh.load_image("https://example.com/cat.jpg")


def test_unknown_sample_name():
    with pytest.raises(KeyError, match="cat_dog"):
        lh.sample_image("zebra")


@pytest.mark.parametrize("norm", ["max", "minmax", "std"])
def test_prepare_image_for_display_ranges(norm):
    rng = np.random.default_rng(0)
    x = rng.normal(-3, 10, size=(1, 8, 8, 3))
    out = lh.prepare_image_for_display(x, norm=norm)
    assert out.dtype == np.uint8 and out.shape == (8, 8, 3)
    if norm == "minmax":
        assert out.min() == 0 and out.max() == 255
    if norm == "max":
        assert out.max() == 255 and out.min() == 0


def test_prepare_image_for_display_constant_is_zero_not_nan():
    for norm in ("max", "minmax", "std"):
        out = lh.prepare_image_for_display(np.full((3, 3), 5.0), norm=norm)
        assert out.dtype == np.uint8
    assert (lh.prepare_image_for_display(np.zeros((3, 3)), "max") == 0).all()


def test_prepare_image_for_display_rejects_unknown_norm():
    with pytest.raises(ValueError, match="'max', 'minmax' or 'std'"):
        lh.prepare_image_for_display(np.zeros((2, 2)), norm="l2")


def test_sample_photos_are_regenerated_when_data_is_missing(tmp_path, monkeypatch):
    from lecture_helpers import images

    repo_copy = lh.sample_image("cat_dog")
    monkeypatch.setattr(images, "DATA_DIR", tmp_path / "no-data-here")
    monkeypatch.setenv("LECTURE_HELPERS_CACHE", str(tmp_path / "cache"))
    regenerated = lh.sample_image("cat_dog")
    assert images.sample_image_dir() == tmp_path / "cache" / "data"
    np.testing.assert_array_equal(regenerated, repo_copy)
    assert sorted(p.name for p in (tmp_path / "cache" / "data").iterdir()) == sorted(
        lh.SAMPLE_IMAGES.values()
    )
