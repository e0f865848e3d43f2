"""``lh.clear_caches`` frees what the helpers compiled per model, and everything still works."""

from __future__ import annotations

import numpy as np

import lecture_helpers as lh
from lecture_helpers import activations, cam, optimize, saliency, zoo


def test_clear_caches_empties_every_per_model_cache_and_rebuilds_on_use(effnet):
    image = lh.sample_image("cat", size=224)
    first = lh.visualize_filters(effnet, "block2a_expand_activation", [0], steps=2, size=64,
                                 progress=False)
    lh.get_activations(effnet, image, ["stem_activation"])
    vanilla = lh.saliency(effnet, image, 281, "vanilla")
    lh.grad_cam(effnet, image, 281)
    assert len(optimize._ENGINES) and len(activations._ACTIVATION_MODELS)
    assert len(saliency._GRADIENT_FUNCTIONS) and len(cam._engines)

    lh.clear_caches()
    assert len(optimize._ENGINES) == 0 and len(activations._ACTIVATION_MODELS) == 0
    assert len(saliency._GRADIENT_FUNCTIONS) == 0 and len(cam._engines) == 0
    assert lh.load_model("efficientnet_lite0") is effnet  # models stay unless models=True

    again = lh.visualize_filters(effnet, "block2a_expand_activation", [0], steps=2, size=64,
                                 progress=False)
    assert again.tracing_count == 1  # a new engine, traced afresh
    np.testing.assert_array_equal(again.images, first.images)
    np.testing.assert_allclose(lh.saliency(effnet, image, 281, "vanilla").map, vanilla.map,
                               rtol=1e-5, atol=1e-6)

    saved = dict(zoo._cache)
    try:
        lh.clear_caches(models=True)
        assert not zoo._cache  # load_model would build afresh
    finally:
        zoo._cache.update(saved)  # the other tests share the session's models
