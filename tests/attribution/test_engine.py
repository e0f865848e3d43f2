"""The compiled functions the attribution methods share (lecture_helpers/attribution/engine.py):
built once per model, and the size of a backward pass's batch."""

from __future__ import annotations

import lecture_helpers as lh
from lecture_helpers.attribution.engine import pixel_gradient_function


def test_gradient_function_is_compiled_once(model, coffee, scene):
    fn = pixel_gradient_function(model)
    assert pixel_gradient_function(model) is fn
    lh.saliency(model, coffee, 1, "vanilla")
    lh.saliency(model, scene, 2, "smoothgrad", samples=3, batch_size=2)
    lh.saliency(model, coffee, 3, "integrated_gradients", steps=5)
    assert fn.experimental_get_tracing_count() == 1


def test_default_batch_holds_four_photos_of_224_px():
    """The default chunk bounds a backward pass's memory by pixels, not by image count."""
    from lecture_helpers.attribution.engine import default_batch_size

    assert default_batch_size(224 * 224) == 4
    assert default_batch_size(224 * 448) == 2  # the cat|dog scene
    assert default_batch_size(128 * 128) == 12
    assert default_batch_size(1024 * 1024) == 1
