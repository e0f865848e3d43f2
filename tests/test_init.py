"""``lh.clear_caches`` frees what the helpers compiled per model, and everything still works."""

from __future__ import annotations

import numpy as np

import lecture_helpers as lh
from lecture_helpers import zoo
from lecture_helpers.modelview import view


def _tags(model) -> set:
    """The kinds of compiled functions kept in the model's view (the first item of each key)."""
    return {key[0] for key in view(model).cache_keys()}


def test_clear_caches_empties_every_per_model_cache_and_rebuilds_on_use(effnet):
    image = lh.sample_image("cat", size=224)
    first = lh.visualize_filters(effnet, "block2a_expand_activation", [0], steps=2, size=64,
                                 progress=False)
    lh.get_activations(effnet, image, ["stem_activation"])
    vanilla = lh.saliency(effnet, image, 281, "vanilla")
    lh.grad_cam(effnet, image, 281)
    expected = {"optimize_engine", "activation_model", "pixel_gradient", "cam_engine"}
    assert expected <= _tags(effnet)

    lh.clear_caches()
    assert _tags(effnet) == set()
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


def test_clear_caches_frees_the_checkers_models_too():
    """The exercise checkers keep their small test models in functools caches: freed too."""
    from lecture_helpers.check import channels, reference

    assert lh.check.run("channel_grid", reference.channel_grid).passed
    model = channels._small_convnet()
    assert channels._small_convnet.cache_info().currsize == 1
    lh.clear_caches()
    assert channels._small_convnet.cache_info().currsize == 0
    assert channels._small_convnet() is not model  # rebuilt on its next use
    assert lh.check.run("channel_grid", reference.channel_grid).passed


def test_one_way_to_free_the_caches():
    """``lh.clear_caches`` is the only one: no module keeps a clear_cache of its own."""
    import importlib

    for name in ("activations", "saliency_maps", "class_neurons", "optimize", "optimize.engine",
                 "cam", "attribution", "attribution.engine", "attribution.base"):
        module = importlib.import_module(f"lecture_helpers.{name}")
        assert not hasattr(module, "clear_cache"), name
    assert not hasattr(lh.cam, "clear_cam_cache")

