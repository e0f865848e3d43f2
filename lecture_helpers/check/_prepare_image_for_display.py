"""The checks of ``prepare_image_for_display(img)``: cases, comparison and hints.

The cases: small seeded float images (above 255, in [0, 255], in [0, 1], a tf.Tensor, with
negatives, all black).  A wrong image is named by what happened to its values: wrapped around,
not scaled, stretched min-max, scaled per colour channel.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from ._channels_common import _describe, _num
from ._core import Case, call


@functools.lru_cache(maxsize=4)
def _display_cases() -> tuple[Case, ...]:
    import tensorflow as tf

    rng = np.random.default_rng(7)
    bright = rng.uniform(20.0, 300.0, (1, 8, 8, 3))
    bright.flat[5] = 300.0
    photo = rng.uniform(0.0, 255.0, (1, 8, 8, 3))
    photo *= 230.0 / photo.max()
    unit = rng.uniform(0.0, 1.0, (8, 8, 3))
    unit *= 0.98 / unit.max()
    tensor = rng.uniform(0.0, 180.0, (1, 8, 8, 3)).astype("float32")
    signed = rng.normal(3.0, 8.0, (6, 6, 3))
    signed.flat[:2] = (37.2, -5.0)
    signed = np.clip(signed, -5.0, 37.2)
    return (
        Case("a (1, 8, 8, 3) float image with values from 20 to 300", (bright,)),
        Case("a (1, 8, 8, 3) float image in [0, 255]", (photo,)),
        Case("an (8, 8, 3) image in [0, 1]", (unit,)),
        Case("a (1, 8, 8, 3) tf.Tensor", (tf.constant(tensor),), info={"tensor": True}),
        Case("an activation-like array with negatives, max 37.2", (signed,)),
        Case("an all-zero (black) image", (np.zeros((1, 8, 8, 3)),), info={"black": True}),
    )


def _observe_display(function: Any, case: Case) -> dict[str, Any]:
    """The result and the RuntimeWarnings (0/0, invalid cast) the function raised."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(
        divide="warn", invalid="warn"
    ):
        warnings.simplefilter("always")
        result = call(function, case)
    found = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    return {"result": result, "warnings": found}


def _as_uint8(values: np.ndarray) -> np.ndarray:
    """astype('uint8') as the student's code does it (wrapping), without the warning."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return values.astype("uint8")


def _within_one(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and int(np.abs(a.astype(int) - b.astype(int)).max(initial=0)) <= 1


def _compare_display(case: Case, got: dict, expected: dict) -> str | None:
    image = np.asarray(case.args[0], dtype="float64")
    image = image[0] if image.ndim == 4 else image
    result, reference = got["result"], expected["result"]
    try:
        pixels = np.asarray(result)
    except (TypeError, ValueError):
        pixels = np.asarray(None)
    if pixels.dtype == object or pixels.ndim == 0:
        return f"returns {_describe(result)}, expected an (H, W, 3) array of uint8"
    if pixels.shape == (1, *reference.shape):
        return f"shape {pixels.shape}: drop the batch axis"
    if pixels.shape != reference.shape:
        return f"shape {pixels.shape}, expected (H, W, 3) = {reference.shape}"
    if case.info.get("black") and (got["warnings"] or pixels.any()):
        return "a black image must stay black: divide only when the max is > 0"
    if pixels.dtype != np.uint8:
        return f"returns {pixels.dtype}: return new_img.astype('uint8')"
    if _within_one(pixels, reference):
        return None

    top = np.unravel_index(np.argmax(image), image.shape)
    if _within_one(pixels, _as_uint8(image)) or _within_one(
        pixels, _as_uint8(np.clip(image, 0, None))
    ):
        if image[top] > 255:
            return (
                f"pixel values wrapped around: {_num(image[top])} became {pixels[top]}; "
                "scale to [0, 255] before astype('uint8')"
            )
        return (
            f"pixel values not scaled: the largest value {_num(image[top])} became "
            f"{pixels[top]}, not 255; divide by the max and multiply by 255"
        )
    if pixels.max() <= 1:
        return f"the largest value became {pixels.max()}, not 255: multiply by 255"
    low, high = image.min(), image.max()
    if high > low and low != 0:
        stretched = (image - low) / (high - low) * 255.0
        if _within_one(pixels, _as_uint8(stretched)) or _within_one(
            pixels, _as_uint8(stretched + 0.5)
        ):
            return (
                f"you stretched [min, max] = [{_num(low)}, {_num(high)}] to [0, 255] (min-max); "
                "norm 'max' divides by the max only, so 0 stays 0"
            )
    peaks = np.clip(image, 0, None).max(axis=(0, 1))
    if np.all(peaks > 0) and np.ptp(peaks) > 0:
        each = np.clip(image, 0, None) / peaks * 255.0
        if _within_one(pixels, _as_uint8(each)) or _within_one(pixels, _as_uint8(each + 0.5)):
            return (
                "each colour channel scaled on its own: colours change; divide by the max of "
                "the whole image"
            )
    wrapped = (image < 0) & (pixels > 1)
    if wrapped.any():
        where = np.unravel_index(np.argmin(np.where(wrapped, image, np.inf)), image.shape)
        return (
            f"negative values wrapped around: {_num(image[where])} became {pixels[where]}; "
            "clip negatives to 0 first"
        )
    worst = np.unravel_index(
        np.argmax(np.abs(pixels.astype(int) - reference.astype(int))), pixels.shape
    )
    return (
        f"pixel {tuple(map(int, worst))} is {pixels[worst]}, expected {reference[worst]} "
        f"(input value {_num(image[worst])})"
    )


def _explain_display(error: BaseException, case: Case) -> str | None:
    if case.info.get("tensor") and isinstance(error, (AttributeError, TypeError)):
        return (
            "img is a tf.Tensor here, which has no .max() or .astype(): convert it with "
            "np.asarray(img) first"
        )
    return None
