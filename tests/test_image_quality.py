"""Picture-quality numbers (lecture_helpers.image_quality) on pictures whose values are known."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_helpers import image_quality as iq


def _checkerboard(size: int = 32) -> np.ndarray:
    y, x = np.indices((size, size))
    board = np.where((x + y) % 2 == 0, 255, 0).astype(np.uint8)
    return np.repeat(board[..., None], 3, axis=-1)


def _gradient(size: int = 64) -> np.ndarray:
    ramp = np.linspace(0, 255, size)
    image = np.zeros((size, size, 3))
    image[..., 0] = ramp[None, :]
    image[..., 1] = ramp[:, None]
    image[..., 2] = 128
    return np.round(image).astype(np.uint8)


def test_grey_has_no_colour():
    for level in (0, 90, 255):
        assert iq.colourfulness(np.full((16, 16, 3), level, np.uint8)) == 0.0
    rng = np.random.default_rng(0)
    grey_noise = np.repeat(rng.integers(0, 256, (16, 16, 1)), 3, axis=-1).astype(np.uint8)
    assert iq.colourfulness(grey_noise) == pytest.approx(0.0, abs=1e-9)  # shades of grey


def test_colourfulness_of_a_red_and_green_picture():
    # halves of pure red and pure green: rg = +-255 (mean 0, std 255), yb = 127.5 everywhere
    image = np.zeros((8, 8, 3), np.uint8)
    image[:, :4, 0] = 255
    image[:, 4:, 1] = 255
    assert iq.colourfulness(image) == pytest.approx(255.0 + 0.3 * 127.5)
    # one flat colour: only the mean term, 0.3 * |(rg, yb)| = 0.3 * |(255, 127.5)|
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    assert iq.colourfulness(red) == pytest.approx(0.3 * np.hypot(255.0, 127.5))


def test_uint8_and_float_pictures_and_batches_agree():
    rng = np.random.default_rng(1)
    batch = rng.integers(0, 256, (3, 20, 24, 3)).astype(np.uint8)
    for measure in (iq.colourfulness, iq.period2_energy, iq.clipped_share):
        values = measure(batch)
        assert isinstance(values, np.ndarray) and values.shape == (3,)
        single = measure(batch[1])
        assert isinstance(single, float)
        assert single == pytest.approx(values[1])
        assert measure(batch.astype(np.float32)) == pytest.approx(values)


def test_period2_energy_of_a_checkerboard_and_of_stripes_is_one():
    assert iq.period2_energy(_checkerboard()) == pytest.approx(1.0, abs=1e-4)
    stripes = np.zeros((32, 32, 3), np.uint8)
    stripes[:, ::2] = 255
    assert iq.period2_energy(stripes) == pytest.approx(1.0, abs=1e-4)
    # a mosaic only in colour (red/green, nearly equal luminance) counts as well
    colour = np.zeros((32, 32, 3), np.uint8)
    y, x = np.indices((32, 32))
    colour[(x + y) % 2 == 0, 0] = 255
    colour[(x + y) % 2 == 1, 1] = 255
    assert iq.period2_energy(colour) == pytest.approx(1.0, abs=1e-4)


def test_period2_energy_of_smooth_and_of_white_noise_pictures():
    assert iq.period2_energy(_gradient()) < 1e-4
    y, x = np.indices((64, 64))
    blob = 128 + 100 * np.exp(-((x - 30) ** 2 + (y - 36) ** 2) / 200.0)
    assert iq.period2_energy(np.repeat(blob[..., None], 3, axis=-1)) < 1e-4
    assert iq.period2_energy(np.full((16, 16, 3), 77, np.uint8)) == 0.0  # nothing to share
    # white noise spreads its power evenly: the band's share of the frequencies,
    # 1 - (1 - 2 * 13/64)**2 = 0.36 at 64 px (|f| >= 0.4: 13 of 64 frequencies per axis)
    noise = np.random.default_rng(2).normal(128, 30, (8, 64, 64, 3))
    band = (np.abs(np.fft.fftfreq(64)) >= 0.4).mean()
    assert iq.period2_energy(noise).mean() == pytest.approx(1 - (1 - band) ** 2, abs=0.02)


def test_period2_energy_follows_the_mosaic_added_to_a_smooth_picture():
    smooth = _gradient().astype(np.float64)
    board = _checkerboard(64).astype(np.float64) - 127.5
    shares = [iq.period2_energy(np.clip(smooth + a * board, 0, 255)) for a in (0.0, 0.05, 0.2)]
    assert shares[0] < shares[1] < shares[2]
    assert iq.period2_energy(smooth + 0.2 * board, band=0.5) < shares[2]  # exactly Nyquist only
    with pytest.raises(ValueError, match="band"):
        iq.period2_energy(smooth, band=0.6)


def test_clipped_share():
    image = np.full((10, 10, 3), 128, np.uint8)
    assert iq.clipped_share(image) == 0.0
    image[:2, :, 0] = 255  # 20 pixels with red at 255
    image[5, :5, 2] = 0  # 5 pixels with blue at 0
    assert iq.clipped_share(image) == pytest.approx(0.25)
    assert iq.clipped_share(np.full((4, 4, 3), 254.6)) == 1.0  # floats round first


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="RGB picture"):
        iq.colourfulness(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="NaN"):
        iq.period2_energy(np.full((8, 8, 3), np.nan))
