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


def _sixteen_bit_ramp() -> np.ndarray:
    return np.linspace(0, 65535, 32 * 64).reshape(32, 64).astype(np.uint16)


def test_sixteen_bit_png_is_scaled_to_eight_bits(tmp_path):
    from PIL import Image

    ramp = _sixteen_bit_ramp()
    path = tmp_path / "ramp16.png"
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode == "I;16"  # what PIL reads: 16 bits, not 8
    image = lh.load_image(path)
    assert image.shape == (32, 64, 3) and image.dtype == np.uint8
    expected = np.round(ramp / 257.0).astype(np.uint8)  # 65535 -> 255, 0 -> 0
    np.testing.assert_array_equal(image[..., 0], expected)
    assert image.min() == 0 and image.max() == 255
    assert 120 < image.mean() < 135  # a ramp, not the all-white picture of a clipped load


def test_sixteen_bit_array_is_scaled_like_the_file():
    ramp = _sixteen_bit_ramp()
    np.testing.assert_array_equal(lh.load_image(ramp)[..., 1], np.round(ramp / 257.0))
    rgb = np.stack([ramp, ramp // 2, np.zeros_like(ramp)], axis=-1)
    image = lh.load_image(rgb)
    assert image[..., 0].max() == 255 and image[..., 1].max() == 127 and image[..., 2].max() == 0


def test_wide_integer_and_float_files_follow_the_conventions(tmp_path):
    from PIL import Image

    wide = Image.fromarray(np.full((8, 8), 70000, np.int32), mode="I")
    with pytest.raises(ValueError, match=r"32-bit integer image with values in \[70000, 70000\]"):
        lh.load_image(wide)
    small = Image.fromarray(np.full((8, 8), 200, np.int32), mode="I")
    assert (lh.load_image(small) == 200).all()
    floats = Image.fromarray(np.full((8, 8), 100.0, np.float32), mode="F")
    assert (lh.load_image(floats) == 100).all()
    with pytest.raises(ValueError, match=r"pixel values in \[0, 255\]"):
        lh.load_image(Image.fromarray(np.full((8, 8), 1000.0, np.float32), mode="F"))
