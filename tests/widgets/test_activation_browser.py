"""ActivationBrowser: a plain-Python test of the widget (no browser needed)."""

from __future__ import annotations

import datetime
import io

import keras
import numpy as np
import pytest
from PIL import Image

import lecture_helpers as lh
from lecture_helpers.widgets.activation_browser import (
    HIGHLIGHT,
    colorize,
    colormap_lut,
    tile_padding,
    upscale,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def small():
    keras.utils.set_random_seed(0)
    return lh.lecture_small_convnet()


@pytest.fixture
def browser(small):
    photos = {name: lh.sample_image(name) for name in ("cat", "dog")}
    return lh.widgets.ActivationBrowser(small, photos)


def upload_entry(name: str, data: bytes) -> dict:
    return {
        "name": name,
        "type": "image/png",
        "size": len(data),
        "content": memoryview(data),
        "last_modified": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    }


def test_starts_with_the_whole_first_layer(browser):
    assert browser.layer_dropdown.options[0] == "conv2d_0"
    assert browser.layer_dropdown.options == browser.activation_model.layer_names
    assert browser.image_dropdown.value == "cat" and browser.whole_layer.value
    image = browser.current_image
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[-1] == 3
    assert bytes(browser.view.value).startswith(PNG_SIGNATURE)
    decoded = np.asarray(Image.open(io.BytesIO(bytes(browser.view.value))).convert("RGB"))
    np.testing.assert_array_equal(decoded, image)
    assert "conv2d_0: 148x148, 32 channels" in browser.caption.value
    assert browser.channel_input.max == 31 and not browser.channel_input.disabled
    assert bytes(browser.photo.value).startswith(PNG_SIGNATURE)


def test_every_control_changes_the_picture(browser):
    seen = [browser.current_image.copy()]

    def changed() -> bool:
        now = browser.current_image
        different = all(now.shape != old.shape or np.any(now != old) for old in seen)
        seen.append(now.copy())
        return different

    browser.layer_dropdown.value = "conv2d_2"
    assert changed()
    assert browser.channel_input.max == 127
    browser.channel_input.value = 3  # moves the frame in the whole-layer view
    assert changed()
    browser.whole_layer.value = False
    assert changed()
    acts = browser.current_activation
    live = [k for k in range(acts.shape[-1]) if np.ptp(acts[..., k]) > 0]
    browser.channel_input.value = live[0]
    browser.channel_input.value = live[1]
    assert changed()
    browser.image_dropdown.value = "dog"
    assert changed()
    assert "photo: dog" in browser.caption.value and f"channel {live[1]}" in browser.caption.value


def test_single_channel_shows_that_channel(browser):
    browser.layer_dropdown.value = "conv2d_3"
    browser.whole_layer.value = False
    browser.channel_input.value = 5
    expected = lh.channel_image(browser.current_activation, 5)
    lut = colormap_lut("viridis")
    np.testing.assert_array_equal(browser.current_image, upscale(colorize(expected, lut), 512))
    assert browser.current_image.shape == (15 * 34, 15 * 34, 3)


def test_slider_is_clamped_when_the_layer_has_fewer_channels(small):
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(8, 3, activation="relu", name="wide")(inputs)
    x = keras.layers.Conv2D(2, 3, activation="relu", name="narrow")(x)
    browser = lh.widgets.ActivationBrowser(keras.Model(inputs, x), lh.sample_image("cat"))
    browser.whole_layer.value = False
    browser.channel_input.value = 7
    browser.layer_dropdown.value = "narrow"
    assert browser.channel_input.max == 1 and browser.channel_input.value == 1
    assert "channel 1" in browser.caption.value


def test_activations_are_computed_once_per_image(browser):
    assert browser.forward_passes == 1
    for layer in browser.layer_dropdown.options:
        browser.layer_dropdown.value = layer
    browser.image_dropdown.value = "dog"
    browser.image_dropdown.value = "cat"
    browser.image_dropdown.value = "dog"
    assert browser.forward_passes == 2


def test_upload_adds_and_selects_the_photo(browser):
    before = browser.current_image.copy()
    buffer = io.BytesIO()
    Image.fromarray(lh.sample_image("coffee")).save(buffer, format="PNG")
    browser.upload.value = (upload_entry("coffee.png", buffer.getvalue()),)
    assert browser.image_dropdown.options == ("cat", "dog", "coffee.png")
    assert browser.image_dropdown.value == "coffee.png"
    assert np.any(browser.current_image != before)
    assert browser.add_image("coffee.png", lh.sample_image("rocket")) == "coffee.png (2)"


def test_upload_of_a_non_image_reports_instead_of_raising(browser):
    browser.upload.value = (upload_entry("notes.txt", b"just text"),)
    assert "Could not use notes.txt" in browser.caption.value
    assert browser.image_dropdown.options == ("cat", "dog")


def test_bad_arguments(small):
    with pytest.raises(TypeError, match="keras.Model"):
        lh.widgets.ActivationBrowser("model", lh.sample_image("cat"))
    with pytest.raises(ValueError, match="conv2d_0"):
        lh.widgets.ActivationBrowser(small, lh.sample_image("cat"), layers=["nope"])
    with pytest.raises(ValueError, match="empty"):
        lh.widgets.ActivationBrowser(small, {})


def test_zoo_model_and_sample_photos_by_default():
    browser = lh.widgets.ActivationBrowser(lh.load_model("cats_vs_dogs_small"))
    assert browser.image_dropdown.options == tuple(lh.activations.STATISTICS_IMAGES)
    expected = ("cat", "coffee", "rocket", "astronaut", "kitten", "dog")
    assert lh.activations.STATISTICS_IMAGES == expected
    assert "conv2d_0: 254x254, 16 channels" in browser.caption.value
    assert Image.open(io.BytesIO(bytes(browser.photo.value))).size == (256, 256)


def test_whole_layer_frames_the_selected_channel(browser):
    browser.layer_dropdown.value = "conv2d_2"  # 34x34 tiles, 128 channels
    browser.channel_input.value = 17
    pad = tile_padding(34, 34)
    rows, cols = lh.activations.grid_shape(128, None)
    grid = lh.channel_grid(browser.current_activation, cols=None, padding=pad, pad_value=-1.0)
    factor = max(1, 512 // max(grid.shape))
    assert browser.current_image.shape == (grid.shape[0] * factor, grid.shape[1] * factor, 3)
    row, col = divmod(17, cols)
    top, left = row * (34 + pad) * factor, col * (34 + pad) * factor
    red = np.all(browser.current_image == HIGHLIGHT, axis=-1)
    assert red[top, left : left + 34 * factor].all()  # the frame's top edge
    assert red.sum() == red[top : top + 34 * factor, left : left + 34 * factor].sum()
    assert "channel 17 framed" in browser.caption.value
