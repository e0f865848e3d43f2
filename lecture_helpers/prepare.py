"""Prepare everything the notebooks need offline: ``python -m lecture_helpers.prepare``.

Checks the packaged assets (sha256), converts the EfficientNet-Lite0 checkpoint once
(cached, sha256-verified), and writes the sample photos when they are missing.
"""

from __future__ import annotations

import time

from .assets import ASSETS, asset_path, cached_derived_file
from .images import sample_image_dir


def prepare(verbose: bool = True) -> None:
    """Verify the assets, convert the weights, write missing sample photos."""
    from .efficientnet import WEIGHTS_FILE, _write_converted

    start = time.perf_counter()
    for name in ASSETS:
        asset_path(name)
    path = cached_derived_file(WEIGHTS_FILE, _write_converted)
    sample_image_dir()
    if verbose:
        print(f"models and images ready ({path.name}; {time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    prepare()
