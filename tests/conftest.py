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


# The class recipe (lh.visualize_class's defaults) on four classes, 256 steps at 224 px, seed 2:
# notebooks 3 and 06 run seed 0 (`make test`) and seed 1 (`make test-cpu`). One run shared by
# tests/test_class_visualization.py and tests/test_claims.py.
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
    "product/test_any_model": "heavy",
    "attribution/test_grad_cam": "heavy",
    "attribution/test_guided_backprop": "heavy",
    "optimize/test_render": "heavy",
    "test_saliency_maps": "heavy",
    "test_zoo": "heavy",
    "widgets/test_saliency_explorer": "heavy",
    "widgets/test_gradcam_explorer": "heavy",
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
