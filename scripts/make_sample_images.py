"""Write the sample photos in data/ from files that installed packages carry.

Run from anywhere: ``python scripts/make_sample_images.py`` (``make setup`` runs it when a
photo is missing). Sources: scikit-image's data (chelsea, coffee, rocket, astronaut) and the
two photos in ``catsordogs`` (a kitten and a dog). No download. See data/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    import lecture_helpers as lh
    from lecture_helpers.images import write_sample_images

    for path in write_sample_images(ROOT / "data"):
        image = lh.load_image(path)
        print(f"data/{path.name}: {image.shape[1]}x{image.shape[0]}")


if __name__ == "__main__":
    main()
