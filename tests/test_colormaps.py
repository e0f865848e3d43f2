"""lecture_helpers/colormaps.py: every default colour map reads in grey.

A heat map's hottest region must also be its lightest (a grey printout, a washed-out
projector, a reader who relies on lightness), so every default map's CIE lightness rises with
the value; a signed map is lightest at 0 and darker with the size of the value on each side.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import lecture_helpers
from lecture_helpers.colormaps import HEAT, SEQUENTIAL, SIGNED, lightness, rgb_lightness

matplotlib.use("Agg")

PACKAGE = Path(lecture_helpers.__file__).parent


def _modules():
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="lecture_helpers."):
        if info.name.endswith("check.release"):  # needs nbgrader, and draws nothing
            continue
        yield importlib.import_module(info.name)


def _cmap_defaults() -> dict[str, object]:
    """{where: default} of every ``cmap`` parameter of the package's functions and classes."""
    found = {}
    for module in _modules():
        for name, value in vars(module).items():
            if getattr(value, "__module__", None) != module.__name__:
                continue
            targets = [value]
            if inspect.isclass(value):
                targets = [member for member in vars(value).values() if inspect.isfunction(member)]
            for target in targets:
                if not callable(target):
                    continue
                try:
                    parameters = inspect.signature(target).parameters
                except (TypeError, ValueError):
                    continue
                default = parameters["cmap"].default if "cmap" in parameters else None
                if default not in (None, inspect.Parameter.empty):
                    found[f"{module.__name__}.{getattr(target, '__qualname__', name)}"] = default
    return found


def test_the_lightness_of_the_sequential_maps_rises_all_the_way():
    for cmap in (HEAT, SEQUENTIAL):
        steps = np.diff(lightness(cmap))
        assert steps.min() > 0, f"{cmap} gets darker somewhere (step {steps.min():.2f})"
    assert lightness(HEAT)[-1] - lightness(HEAT)[0] > 90  # black to near white: full range


def test_the_signed_map_is_lightest_at_zero_and_darker_with_the_size_of_the_value():
    values = lightness(SIGNED, 257)
    middle = len(values) // 2
    assert values[middle] > 90 and values[middle] == pytest.approx(values.max(), abs=1)
    assert np.diff(values[: middle + 1]).min() > -0.5  # rising towards 0 from below
    assert np.diff(values[middle:]).max() < 0.5  # falling after 0
    assert abs(values[0] - values[-1]) < 10  # the same lightness for -v and +v


def test_jet_fails_what_the_defaults_pass():
    """The measurement the change rests on: jet is dark at its hottest end."""
    jet = lightness("jet", 101)
    assert 0.5 < jet.argmax() / 100 < 0.75 and jet[100] < jet.max() - 50


def test_every_cmap_default_is_one_of_the_packages_maps():
    defaults = _cmap_defaults()
    assert len(defaults) >= 8, sorted(defaults)  # overlay, saliency, widgets, grids ...
    wrong = {where: d for where, d in defaults.items() if d not in (HEAT, SEQUENTIAL)}
    assert not wrong, wrong
    assert defaults["lecture_helpers.attribution.maps.overlay"] == HEAT
    assert defaults["lecture_helpers.widgets.gradcam_explorer.GradCAMExplorer.__init__"] == HEAT


def test_no_colour_map_is_named_outside_colormaps_py():
    """A map named in place would escape the lightness test above: name them in one module."""
    literal = re.compile(r"""(?<![`\w])cmap\s*(?::\s*[\w|\s]+)?=\s*["'](?!gray["'])""")
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in PACKAGE.rglob("*.py") if path.name != "colormaps.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if literal.search(line) or re.search(r"""cmap\s*==\s*["']""", line)
    ]
    assert not offenders, offenders


def test_lightness_refuses_what_it_cannot_measure():
    with pytest.raises(ValueError, match="unknown colour map 'jett'"):
        lightness("jett")
    with pytest.raises(ValueError, match="samples must be at least 2"):
        lightness(HEAT, 1)
    with pytest.raises(ValueError, match="divide uint8 pictures by 255"):
        rgb_lightness(np.full((2, 2, 3), 255.0))
    assert rgb_lightness(np.array([[0.0, 0, 0], [1, 1, 1]])) == pytest.approx([0, 100])
    assert rgb_lightness(np.array([0.5, 0.5, 0.5])) == pytest.approx(53.39, abs=0.05)
