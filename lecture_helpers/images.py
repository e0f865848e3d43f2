"""Loading images (path, URL, PIL image or array) and preparing arrays for display."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import UnknownNameError, existing_file

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# The sample photos in data/ (written by scripts/make_sample_images.py).
SAMPLE_IMAGES = {
    "cat": "chelsea.png",
    "coffee": "coffee.png",
    "rocket": "rocket.png",
    "astronaut": "astronaut.png",
    "kitten": "kitten.png",
    "dog": "dog.png",
    "cat_dog": "cat_dog.png",
}


def float_pixels(array: np.ndarray, what: str = "image") -> np.ndarray:
    """A float image as float32 pixel values, checked against the one convention for floats.

    Floats are pixel values in [0, 255], exactly what every model here takes; they are
    never rescaled.  Values outside [0, 255], NaN, and a float image whose values all lie
    in (0, 1] (it would show nearly black: it is almost surely a [0, 1] image) raise a
    ``ValueError`` that names the fix.
    """
    pixels = np.asarray(array, dtype=np.float32)
    if not np.all(np.isfinite(pixels)):
        raise ValueError(f"{what} contains NaN or infinite values")
    lo, hi = (float(pixels.min()), float(pixels.max())) if pixels.size else (0.0, 0.0)
    if lo < 0.0 or hi > 255.0:
        raise ValueError(
            f"{what} is a float array with values in [{lo:.3g}, {hi:.3g}]; float images hold "
            "pixel values in [0, 255]. Use lh.prepare_image_for_display(x) to rescale "
            "arbitrary values."
        )
    if 0.0 < hi <= 1.0:
        raise ValueError(
            f"{what} is a float array with values in [{lo:.3g}, {hi:.3g}]: float images hold "
            "pixel values in [0, 255], so this one would be nearly black. If it is in [0, 1], "
            "pass image * 255 (or a uint8 image)."
        )
    return pixels


def rgb_batch(images: Any, expected: str) -> tuple[np.ndarray, bool]:
    """``images`` as a batch (N, H, W, 3), and whether one picture (H, W, 3) was given.

    Any other shape raises ``ValueError(f"{expected}, got shape {shape}")``: ``expected``
    says what the caller takes.  The values are neither converted nor checked.
    """
    batch = np.asarray(images)
    single = batch.ndim == 3
    if single:
        batch = batch[None]
    if batch.ndim != 4 or batch.shape[-1] != 3:
        raise ValueError(f"{expected}, got shape {batch.shape}")
    return batch, single


def _to_uint8_rgb(array: np.ndarray, what: str) -> np.ndarray:
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{what} must be a numpy array, got {type(array).__name__}")
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3:
        raise ValueError(
            f"{what} has shape {array.shape}: an image is HxW (grayscale) or HxWxC with "
            "C in 1, 3, 4. For a batch, pass one image at a time (e.g. images[0])."
        )
    if array.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"{what} has {array.shape[-1]} channels (shape {array.shape}); expected 1, 3 or 4 "
            "(channels last)."
        )
    if array.dtype == np.uint8:
        out = array
    elif array.dtype == np.uint16:  # a 16-bit image: 0-65535 onto 0-255
        out = _sixteen_to_eight_bits(array)
    elif np.issubdtype(array.dtype, np.floating):
        out = np.clip(np.round(float_pixels(array, what)), 0, 255).astype(np.uint8)
    else:
        raise TypeError(
            f"{what} has dtype {array.dtype}; expected uint8 (0-255), uint16 (a 16-bit image, "
            "0-65535) or float (pixel values in 0-255)"
        )
    if out.shape[-1] == 1:
        out = np.repeat(out, 3, axis=-1)
    elif out.shape[-1] == 4:
        out = out[..., :3]
    return np.ascontiguousarray(out)


def _sixteen_to_eight_bits(array: np.ndarray) -> np.ndarray:
    """A 16-bit image (0-65535) as 8 bits: 65535 / 257 = 255."""
    return np.round(array.astype(np.float64) / 257.0).astype(np.uint8)


def _pil_to_uint8_rgb(pil: Image.Image, what: str) -> np.ndarray:
    """A PIL image of any mode as uint8 RGB: 16-bit images scaled to 8 bits, transparency
    composed over white, integer and float images held to the pixel conventions."""
    if pil.mode.startswith("I;16"):  # 16-bit greyscale (PNG, TIFF): PIL would clip at 255
        return _to_uint8_rgb(np.asarray(pil, dtype=np.uint16), what)
    if pil.mode == "F":  # 32-bit float pixels: the float convention, values in [0, 255]
        return _to_uint8_rgb(np.asarray(pil, dtype=np.float32), what)
    if pil.mode == "I":  # 32-bit integers: only 8-bit values are unambiguous
        values = np.asarray(pil)
        low, high = (int(values.min()), int(values.max())) if values.size else (0, 0)
        if low < 0 or high > 255:
            raise ValueError(
                f"{what} is a 32-bit integer image with values in [{low}, {high}]; only 8- "
                "and 16-bit images are converted. Scale it to 0-255 and pass a uint8 array, "
                "e.g. np.uint8(255 * (x - x.min()) / (x.max() - x.min()))."
            )
        return _to_uint8_rgb(values.astype(np.uint8), what)
    if pil.mode in ("RGBA", "LA", "P", "PA"):
        pil = pil.convert("RGBA")
        background = Image.new("RGBA", pil.size, (255, 255, 255, 255))
        pil = Image.alpha_composite(background, pil)
    return np.asarray(pil.convert("RGB"), dtype=np.uint8)


def _open_pil(source: Any) -> Image.Image:
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, bytes | bytearray):
        try:
            return Image.open(io.BytesIO(source))
        except UnidentifiedImageError as exc:
            raise ValueError("the bytes given are not an image (PNG, JPEG, ...)") from exc
    text = str(source)
    if text.startswith(("http://", "https://")):
        import urllib.request

        try:
            with urllib.request.urlopen(text, timeout=20) as response:  # noqa: S310
                data = response.read()
        except OSError as exc:
            raise ConnectionError(
                f"could not download {text} ({exc}). Offline? Use a local file or one of "
                f"the sample photos: lh.sample_image('cat'), names {sorted(SAMPLE_IMAGES)}."
            ) from exc
        return _open_pil(data)
    path = existing_file(
        source, "image", "an image file", "use a sample photo: lh.sample_image('cat')"
    )
    try:
        image = Image.open(path)
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(
            f"{path} is not an image file that PIL can read (PNG, JPEG, BMP, ...): {exc}"
        ) from exc
    return image


def load_image(source: Any, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """Load an image as uint8 RGB (H, W, 3).

    ``source`` is a path, an http(s) URL (needs internet), a PIL image, raw bytes or an
    array (HxW, HxWx1, HxWx3 or HxWx4; uint8, uint16, or float pixel values in [0, 255],
    see :func:`float_pixels`).  16-bit images (files or uint16 arrays) are scaled to 8
    bits; transparent pixels become white.
    ``size`` resizes: an int for a square, or ``(height, width)``.
    """
    if isinstance(source, np.ndarray):
        image = _to_uint8_rgb(source, "image array")
    else:
        if not isinstance(source, str | Path | Image.Image | bytes | bytearray):
            raise TypeError(
                f"cannot load an image from {type(source).__name__}: pass a path, a URL, "
                "a PIL image, bytes or a numpy array"
            )
        image = _pil_to_uint8_rgb(_open_pil(source), "image")
    if size is not None:
        image = resize_image(image, size)
    return image


def resize_image(image: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize a uint8 RGB image to ``size`` (int or (height, width)) with bilinear filtering."""
    height, width = (size, size) if isinstance(size, int) else size
    if height <= 0 or width <= 0:
        raise ValueError(f"size must be positive, got {size}")
    if image.shape[:2] == (height, width):
        return image
    pil = Image.fromarray(image).resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(pil, dtype=np.uint8)


def _center_square(image: np.ndarray, size: int) -> np.ndarray:
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    crop = Image.fromarray(image[top : top + side, left : left + side])
    return np.asarray(crop.resize((size, size), Image.Resampling.BICUBIC))


def write_sample_images(folder: str | Path) -> list[Path]:
    """Write the sample photos into ``folder`` from files that installed packages carry.

    scikit-image's chelsea, coffee, rocket and astronaut; the kitten and dog photos of
    ``catsordogs``; and a 448x224 cat|dog scene (cat on the left, dog on the right).
    """
    import skimage.data

    from .assets import asset_path, write_atomically

    photos = {
        "chelsea.png": skimage.data.chelsea(),
        "coffee.png": skimage.data.coffee(),
        "rocket.png": skimage.data.rocket(),
        "astronaut.png": skimage.data.astronaut(),
        "kitten.png": load_image(asset_path("kitten.jpeg")),
        "dog.png": load_image(asset_path("dog.jpeg")),
    }
    photos["cat_dog.png"] = np.concatenate(
        [_center_square(photos["chelsea.png"], 224), _center_square(photos["dog.png"], 224)],
        axis=1,
    )
    written = []
    for name, image in photos.items():
        written.append(
            write_atomically(
                Path(folder) / name, lambda p, im=image: Image.fromarray(im).save(p, format="PNG")
            )
        )
    return written


def sample_image_dir() -> Path:
    """The folder of sample photos: the repository's data/, or (pip install) a cache folder."""
    if all((DATA_DIR / f).is_file() for f in SAMPLE_IMAGES.values()):
        return DATA_DIR
    from .assets import cache_dir

    folder = cache_dir() / "data"
    if not all((folder / f).is_file() for f in SAMPLE_IMAGES.values()):
        write_sample_images(folder)
    return folder


def sample_image(name: str, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """Load one of the sample photos by name (see ``lh.SAMPLE_IMAGES`` and data/README.md)."""
    if name not in SAMPLE_IMAGES:
        raise UnknownNameError(
            f"unknown sample image {name!r}; choose one of {sorted(SAMPLE_IMAGES)}"
        )
    return load_image(sample_image_dir() / SAMPLE_IMAGES[name], size)


def prepare_image_for_display(x: Any, norm: str = "max") -> np.ndarray:
    """Turn a float array of any range into uint8 for display, as on the slide.

    ``norm``: ``"max"`` divides by the largest value (negatives clipped to 0),
    ``"minmax"`` maps [min, max] to [0, 255], ``"std"`` centres on 0.5 with 0.15 per
    standard deviation (the Deep Learning with Python recipe). A leading batch axis of
    size 1 is dropped. A constant array gives zeros, never NaN.
    """
    array = np.asarray(x, dtype=np.float64)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim not in (2, 3):
        raise ValueError(f"expected an image (HxW or HxWxC), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("the array contains NaN or infinite values")
    if norm == "max":
        peak = array.max()
        out = np.clip(array, 0, None) / peak if peak > 0 else np.zeros_like(array)
    elif norm == "minmax":
        lo, hi = array.min(), array.max()
        out = (array - lo) / (hi - lo) if hi > lo else np.zeros_like(array)
    elif norm == "std":
        std = array.std()
        out = (array - array.mean()) / std * 0.15 + 0.5 if std > 0 else np.zeros_like(array)
    else:
        raise UnknownNameError(f"unknown norm {norm!r}; choose 'max', 'minmax' or 'std'")
    return (np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
