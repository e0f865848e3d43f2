"""Shared fixtures. Every test runs with the network cut off (loopback only)."""

from __future__ import annotations

import ipaddress
import socket

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


class NetworkBlockedError(ConnectionError):
    """A test tried to reach the network."""


def _is_loopback(host: object) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(address: object) -> None:
    if isinstance(address, tuple) and address and not _is_loopback(address[0]):
        raise NetworkBlockedError(f"tests may not use the network (tried to connect to {address})")


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_loopback(host):
        raise NetworkBlockedError(f"tests may not use the network (tried to resolve {host!r})")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config):
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    socket.getaddrinfo = _guarded_getaddrinfo


def pytest_unconfigure(config):
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex
    socket.getaddrinfo = _real_getaddrinfo


@pytest.fixture(scope="session")
def effnet():
    import lecture_helpers as lh

    return lh.load_model("efficientnet_lite0")


@pytest.fixture(scope="session")
def catsdogs():
    import lecture_helpers as lh

    return lh.load_model("cats_vs_dogs_small")


@pytest.fixture(scope="module")
def model(effnet):
    """efficientnet_lite0, under the name the tests of one model's helpers give it."""
    return effnet


@pytest.fixture(scope="module")
def cats(catsdogs):
    """cats_vs_dogs_small, under the name the tests of the activations give it."""
    return catsdogs


@pytest.fixture(scope="module")
def small():
    """The slide's small convnet (lh.lecture_small_convnet), its weights drawn from seed 0."""
    import keras

    import lecture_helpers as lh

    keras.utils.set_random_seed(0)
    return lh.lecture_small_convnet()


@pytest.fixture(scope="module")
def tiny():
    """x → 1x1 conv (2 channels, fixed weights) → ReLU → global average → Dense(2) logits
    → softmax: small enough to check gradients by hand."""
    import keras
    import numpy as np

    inputs = keras.Input((8, 8, 3), name="image")
    conv = keras.layers.Conv2D(2, 1, use_bias=False, name="conv")
    x = conv(inputs)
    x = keras.layers.ReLU(name="relu")(x)
    features = x
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    dense = keras.layers.Dense(2, name="logits")
    x = dense(x)
    outputs = keras.layers.Activation("softmax", name="probs")(x)
    model = keras.Model(inputs, outputs, name="tiny")
    conv.set_weights([np.array([[[[1.0, -0.5], [0.5, 1.0], [-1.0, 0.5]]]], np.float32)])
    dense.set_weights([np.array([[2.0, -1.0], [-3.0, 1.5]], np.float32), np.zeros(2, np.float32)])
    assert features.shape[1:] == (8, 8, 2)
    return model


@pytest.fixture(scope="module")
def gap_model():
    """Two seeded convolutions, global average pooling and a softmax head, on 32x32 images."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 32, 3))
    x = layers.Rescaling(1 / 255.0)(inputs)
    x = layers.Conv2D(6, 3, activation="relu", name="conv_a")(x)
    x = layers.Conv2D(8, 3, activation="relu", name="conv_b")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(3, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def noise_photo():
    """A 32x48 picture of seeded uniform noise (uint8)."""
    import numpy as np

    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (32, 48, 3), dtype=np.uint8)


# -- the sample photos ----------------------------------------------------------------------


def _sample_photo(name: str, **options):
    """A fixture (one per test module): the sample photo ``name`` (lh.sample_image)."""

    @pytest.fixture(scope="module", name=name)
    def photo():
        import lecture_helpers as lh

        return lh.sample_image(name, **options)

    return photo


cat = _sample_photo("cat")
kitten = _sample_photo("kitten")
coffee = _sample_photo("coffee", size=224)


@pytest.fixture(scope="module")
def scene():
    """The cat|dog scene of notebooks 3 and 4."""
    import lecture_helpers as lh

    image = lh.sample_image("cat_dog")
    assert image.shape == (224, 448, 3)  # cat on the left half, dog on the right
    return image


SCENE_SIZE = (224, 448)  # the cat|dog scene at its native aspect ratio
CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
DOG_CLASSES = range(151, 269)


@pytest.fixture(scope="module")
def scene_classes(effnet, scene):
    """The best cat class and the best dog class for the whole scene, from the model."""
    x = effnet.preprocess(scene, size=SCENE_SIZE)
    scores = effnet.score_model(x).numpy()[0]
    cat_class = max(CAT_CLASSES, key=lambda i: scores[i])
    dog_class = max(DOG_CLASSES, key=lambda i: scores[i])
    return cat_class, dog_class


def left_fraction(heatmap) -> float:
    """The share of a map's mass on its left half (the scene's cat)."""
    half = heatmap.shape[1] // 2
    return float(heatmap[:, :half].sum() / heatmap.sum())


@pytest.fixture
def slide_defaults():
    """Draw as a notebook does after lh.setup_notebook (100 dpi, 11 pt); close every figure."""
    import matplotlib
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"figure.dpi": 100, "font.size": 11}):
        yield
    plt.close("all")


# The class recipe (lh.visualize_class's defaults) on four classes, 256 steps at 224 px, seed 2:
# notebooks 3 and 06 run seed 0 (`make test`) and seed 1 (`make test-cpu`). One run shared by
# tests/optimize/test_render.py, tests/test_class_neurons.py and tests/product/test_claims.py.
RECIPE_CLASSES = ["flamingo", 1, "monarch", "strawberry"]  # by name and by index (1: goldfish)
RECIPE_STEPS = 256


@pytest.fixture(scope="session")
def recipe_pictures():
    import lecture_helpers as lh

    model = lh.load_model("efficientnet_lite0")
    return lh.visualize_class(model, RECIPE_CLASSES, steps=RECIPE_STEPS, size=224, seed=2,
                              progress=False)


@pytest.fixture(scope="session")
def slide_decks(tmp_path_factory):
    """The decks `make slides` writes (its options), built once per session into a tmp folder."""
    from tests.decks import build_decks

    return build_decks(tmp_path_factory.mktemp("slides"))


@pytest.fixture(autouse=True, scope="module")
def _free_helper_caches_after_each_module():
    """Free the compiled functions a test module made once it ends (keeps peak memory low)."""
    yield
    import sys

    helpers = sys.modules.get("lecture_helpers")
    if helpers is not None:
        helpers.clear_caches()


# Markers by module, for `make quick` (-m "not (notebook or browser or hub or slow or heavy or
# claim)"): what runs notebooks, nbconvert or nbgrader, what drives Chromium, what starts a
# JupyterHub, the long gradient ascents, and the suites of many full-size model computations
# (the teaching claims carry `claim` already). A test module whose tests are all of one of these
# kinds is listed here by its path under tests/ (a module with only some such tests marks them
# itself). `make quick` took 104 s of pytest (116 s in all) on 2 cores of an AMD EPYC, 69 s (78 s)
# on an Intel Xeon with AVX-512 (2026-12-07).
MODULE_MARKERS = {
    "product/test_nbcheck_notebooks": "notebook",
    "product/test_notebook_cost": "notebook",
    "product/test_slides": "notebook",
    "product/test_course": "notebook",
    "check/test_student": "notebook",
    "product/test_browser": "browser",
    "product/test_accessibility": "browser",
    "product/test_deck_widgets": "browser",
    "product/test_hub": "hub",
    "test_class_neurons": "slow",
    "test_class_presets": "slow",
    "test_class_robustness": "slow",
    "product/test_any_model": "heavy",
    "attribution/test_engine": "heavy",
    "attribution/test_grad_cam": "heavy",
    "attribution/test_grad_cam_plus_plus": "heavy",
    "attribution/test_guided_backprop": "heavy",
    "attribution/test_integrated_gradients": "heavy",
    "attribution/test_layers": "heavy",
    "attribution/test_maps": "heavy",
    "attribution/test_score_cam": "heavy",
    "attribution/test_vanilla": "heavy",
    "optimize/test_engine": "heavy",
    "optimize/test_objectives": "heavy",
    "optimize/test_param": "heavy",
    "optimize/test_regularizers": "heavy",
    "optimize/test_transform": "heavy",
    "test_grid_artifacts": "heavy",
    "test_modelfile": "heavy",
    "test_zoo": "heavy",
    "test_zoo_model": "heavy",
    "widgets/test_class_visualizer": "heavy",
    "widgets/test_gradcam_explorer": "heavy",
    "widgets/test_saliency_explorer": "heavy",
}


def module_path(module) -> str | None:
    """A test module's path under tests/ without ".py" ("product/test_hub"); None outside tests/."""
    package, _, rest = module.__name__.partition(".")
    return rest.replace(".", "/") if package == "tests" and rest else None


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = getattr(item, "module", None)
        marker = MODULE_MARKERS.get(module_path(module)) if module else None
        if marker:
            item.add_marker(marker)
