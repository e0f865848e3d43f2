"""Prepare everything the notebooks need offline: ``python -m lecture_helpers.prepare``.

Converts the EfficientNet-Lite0 checkpoint once (cached, sha256-verified), checks the
packaged assets, and writes the sample photos in data/ when they are missing.
"""

from __future__ import annotations

import time

from .assets import ASSETS, asset_path
from .images import DATA_DIR, SAMPLE_IMAGES


def prepare(verbose: bool = True) -> None:
    """Verify the assets, convert the weights, write missing sample photos."""
    start = time.perf_counter()
    for name in ASSETS:
        asset_path(name)
    from .assets import cached_derived_file
    from .efficientnet import WEIGHTS_FILE, _write_converted

    path = cached_derived_file(WEIGHTS_FILE, _write_converted)
    if any(not (DATA_DIR / f).is_file() for f in SAMPLE_IMAGES.values()):
        import runpy

        script = DATA_DIR.parent / "scripts" / "make_sample_images.py"
        runpy.run_path(str(script), run_name="__main__")
    if verbose:
        print(f"models and images ready ({path.name}; {time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    prepare()
