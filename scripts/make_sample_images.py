"""Write the sample photos in data/ from files that installed packages carry.

Run from anywhere: ``python scripts/make_sample_images.py`` (``make setup`` runs it).
Sources: scikit-image's data (chelsea, coffee, rocket, astronaut) and the two
photos in ``catsordogs`` (a kitten and a dog). No download.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def center_square(image: np.ndarray, size: int) -> np.ndarray:
    """Crop the largest centred square and resize it to size x size."""
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    crop = image[top : top + side, left : left + side]
    return np.asarray(Image.fromarray(crop).resize((size, size), Image.Resampling.BICUBIC))


def main() -> None:
    import skimage.data

    import lecture_helpers as lh
    from lecture_helpers.assets import write_atomically

    data = ROOT / "data"
    photos = {
        "chelsea.png": skimage.data.chelsea(),
        "coffee.png": skimage.data.coffee(),
        "rocket.png": skimage.data.rocket(),
        "astronaut.png": skimage.data.astronaut(),
        "kitten.png": lh.load_image(lh.asset_path("kitten.jpeg")),
        "dog.png": lh.load_image(lh.asset_path("dog.jpeg")),
    }
    # A side-by-side scene for class-discriminative heatmaps: cat on the left, dog on the right.
    photos["cat_dog.png"] = np.concatenate(
        [center_square(photos["chelsea.png"], 224), center_square(photos["dog.png"], 224)], axis=1
    )
    for name, image in photos.items():
        write_atomically(data / name, lambda p, im=image: Image.fromarray(im).save(p, format="PNG"))
        print(f"data/{name}: {image.shape[1]}x{image.shape[0]}")


if __name__ == "__main__":
    main()
