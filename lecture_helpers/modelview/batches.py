"""Images in any form (paths, PIL images, bytes, uint8 and float arrays, one or a batch) ->
the float32 batch (N, H, W, C) a model takes, and the size rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np

from .._quiet import tf
from ..images import float_pixels, load_image, resize_image

# A photo whose sides differ by this ratio or more keeps its shape (see target_size), at sides
# in multiples of SIZE_MULTIPLE: a flexible convnet's total stride (32 for EfficientNet), so
# that its feature grid covers the photo exactly.
WIDE_RATIO = 1.75
SIZE_MULTIPLE = 32


def _is_float_array(item: Any) -> bool:
    return isinstance(item, np.ndarray) and np.issubdtype(item.dtype, np.floating)


def _is_image_like(item: Any) -> bool:
    from PIL import Image

    return isinstance(item, np.ndarray | str | Path | bytes | bytearray | Image.Image)


class ImageBatches:
    """The image batches of a :class:`~lecture_helpers.modelview.ModelView` (a part of it)."""

    def target_size(self, photo_size: tuple[int, int], size: Any = None) -> tuple[int, int]:
        """The (height, width) a photo of ``photo_size`` is given to the model at: the one
        size rule of every helper and widget.

        ``size`` if given (a fixed-size model takes only its own).  Else a fixed-size
        model's size; a flexible model with a default size (a zoo model's ``input_size``)
        takes a photo at that size, except a wide or tall one (sides in a ratio of
        ``WIDE_RATIO`` or more, like the cat|dog scene), which keeps its shape: short side
        at the default's, sides rounded to multiples of ``SIZE_MULTIPLE``; a flexible model
        without a default size takes the photo as it is.
        """
        if size is not None:
            target = (int(size), int(size)) if np.isscalar(size) else tuple(int(s) for s in size)
            if len(target) != 2 or min(target) < 1:
                raise ValueError(f"size must be (height, width) with positive values, got {size!r}")
            if self.fixed_size is not None and target != self.fixed_size:
                raise ValueError(
                    f"model {self.name!r} takes {self.fixed_size[0]}x{self.fixed_size[1]} "
                    f"images only, so size={size!r} cannot be used; leave size=None"
                )
            return target
        if self.fixed_size is not None:
            return self.fixed_size
        if self.default_size is None:
            return tuple(photo_size)
        height, width = photo_size
        if max(height, width) < WIDE_RATIO * min(height, width):
            return self.default_size
        scale = min(self.default_size) / min(height, width)
        return tuple(max(SIZE_MULTIPLE, int(round(side * scale / SIZE_MULTIPLE)) * SIZE_MULTIPLE)
                     for side in (height, width))

    def size_rule(self) -> str:
        """The size rule in words, for messages."""
        if self.fixed_size is not None:
            return f"it takes {self.fixed_size[0]}x{self.fixed_size[1]} images"
        if self.default_size is None:
            return "it takes photos at their own size"
        return (f"it takes photos at {self.default_size[0]}x{self.default_size[1]}, "
                f"wide ones at their own shape")

    def batch(self, images: Any, size: Any = None) -> np.ndarray:
        """Images in any form → the float32 batch (N, H, W, C) the model takes.

        ``images``: one image or a list / batch of them: paths, PIL images, bytes, uint8
        arrays (H, W), (H, W, C) or (N, H, W, C), or float arrays of pixel values in
        [0, 255].  Float values are used as they are (never rescaled or rounded); a float
        image whose values all lie in [0, 1] is refused, since it would be near black.

        Size: ``size`` = (height, width) if given; else the model's fixed input size; else
        a float array keeps its size (it already is a model input) and a photo goes to the
        size :meth:`target_size` gives it; photos that would get different sizes all get the
        default size.
        """
        if isinstance(images, ImageBatches | keras.Model):  # a ModelView or a model
            raise TypeError("got a model where images are expected: call f(model, image, ...)")
        is_array = isinstance(images, np.ndarray) or tf.is_tensor(images)
        if is_array:
            images = np.asarray(images)
        if is_array and images.ndim == 4:
            items = list(images)
        elif isinstance(images, list | tuple):
            items = list(images)
        else:
            items = [images]
        if not items:
            raise ValueError("got an empty list of images; pass at least one image")
        out = [self._one_image(item, index, size) for index, item in enumerate(items)]
        shapes = {o.shape for o in out}
        if len(shapes) > 1 and size is None and self.default_size is not None:
            # photos of different shapes (a wide one among others) share the default size
            out = [self._one_image(item, index, self.default_size)
                   if not _is_float_array(item) else o
                   for index, (item, o) in enumerate(zip(items, out, strict=True))]
            shapes = {o.shape for o in out}
        if len(shapes) > 1:
            raise ValueError(
                f"the images have different sizes {sorted(shapes)} and model {self.name!r} "
                "takes any size; pass size=(height, width) or resize them to one size"
            )
        return np.stack(out)

    def _one_image(self, item: Any, index: int, size: Any) -> np.ndarray:
        if tf.is_tensor(item):
            item = np.asarray(item)
        if not _is_image_like(item):
            raise TypeError(
                f"image {index} is a {type(item).__name__}, not an image: pass a numpy array "
                "(H x W x 3), a file path, a PIL image or bytes (or a list of them)"
            )
        if _is_float_array(item):
            pixels = _float_pixels(item, index)
            target = self.target_size(pixels.shape[:2], size)
            if size is None and self.fixed_size is None:
                target = pixels.shape[:2]  # a float array already is a model input
            if tuple(pixels.shape[:2]) != tuple(target):
                pixels = tf.image.resize(pixels, target, method="bilinear").numpy()
            return self._channels(np.clip(pixels, 0.0, 255.0).astype(np.float32))
        if isinstance(item, np.ndarray) and (item.ndim not in (2, 3) or item.size == 0):
            raise ValueError(
                f"image {index} has shape {item.shape}, which is not an image: expected "
                "H x W (grayscale) or H x W x C, or a batch N x H x W x C"
            )
        picture = load_image(item)
        picture = resize_image(picture, self.target_size(picture.shape[:2], size))
        return self._channels(picture.astype(np.float32))

    def _channels(self, pixels: np.ndarray) -> np.ndarray:
        if pixels.shape[-1] == self.channels:
            return pixels
        if self.channels == 1:
            return pixels[..., :3].mean(axis=-1, keepdims=True)
        return np.repeat(pixels[..., :1], 3, axis=-1) if pixels.shape[-1] == 1 else pixels[..., :3]

    def check_batch(self, x: Any) -> np.ndarray:
        """A float batch (N, H, W, C) checked against the model's input (no resizing)."""
        batch = np.asarray(x, dtype=np.float32)
        if batch.ndim != 4 or batch.shape[-1] != self.channels:
            raise ValueError(
                f"expected a batch (N, H, W, {self.channels}), got shape {tuple(batch.shape)}; "
                "make one with lh.modelview.view(model).batch(images)"
            )
        if self.fixed_size is not None and tuple(batch.shape[1:3]) != self.fixed_size:
            raise ValueError(
                f"{self.name} takes {self.fixed_size[0]}x{self.fixed_size[1]} images, got "
                f"{batch.shape[1]}x{batch.shape[2]}; resize them first, e.g. with "
                "model.preprocess(images)"
            )
        return batch


def _float_pixels(item: np.ndarray, index: int) -> np.ndarray:
    if item.ndim == 2:
        item = item[..., None]
    if item.ndim != 3 or item.shape[-1] not in (1, 3, 4) or item.size == 0:
        raise ValueError(
            f"image {index} is a float array of shape {item.shape}, which is not an image batch: "
            "a batch is N x H x W x C and an image H x W x C, with C in 1, 3 or 4 "
            "(channels last)"
        )
    pixels = float_pixels(item, f"image {index}")
    return pixels[..., :3] if pixels.shape[-1] == 4 else pixels
