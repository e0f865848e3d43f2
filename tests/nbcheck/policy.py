"""How a cell's outputs are compared: the defaults, and the cell metadata that loosens them.

By default every output is compared by :mod:`tests.nbcheck.text` (words and integers exactly,
floats to one unit in their last digit) and every picture as a ``forward`` picture. A cell
loosens that in its metadata, out of a student's sight (JupyterLab, Colab, nbviewer, the
decks and nbgrader's releases show no metadata), and must say why::

    "nbcheck": {
      "pictures": "ascent",
      "bounds": {"P(flamingo) after 20 steps": {"at_least": 0.9}},
      "why": "gradient ascent amplifies float rounding, which differs by CPU"
    }

* ``pictures``: ``forward`` (default) or ``ascent`` (:mod:`tests.nbcheck.pictures`);
* ``rtol``: a relative tolerance on every printed float, for numbers that sum many gradients;
* ``bounds``: a printed number that a chaotic process makes (``<label>: <number>`` or
  ``<label> <number>``) is checked against its bound instead of by its digits, in the
  committed output and in the new one (:func:`tests.nbcheck.text.apply_bounds`);
* ``ignore``: the outputs are not compared (a live widget's view, which another cell prints).

A ``# nbcheck:`` comment in a cell's source is refused: students would read it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from tests.nbcheck.pictures import MODES

MIN_WHY_LENGTH = 12
SOURCE_MARKER = re.compile(r"^\s*#\s*(nbcheck|NBVAL)", re.MULTILINE)
SETTINGS = ("pictures", "rtol", "bounds", "ignore", "why")


class PolicyError(ValueError):
    """Cell metadata that cannot be read, that does not say why, or a policy in the source."""


@dataclass(frozen=True)
class Bound:
    """A printed number's allowed range (inclusive); None is open."""

    at_least: float | None = None
    at_most: float | None = None

    def holds(self, value: float) -> bool:
        return (self.at_least is None or value >= self.at_least) and (
            self.at_most is None or value <= self.at_most
        )

    def __str__(self) -> str:
        if self.at_least is not None and self.at_most is not None:
            return f"between {self.at_least:g} and {self.at_most:g}"
        if self.at_least is not None:
            return f"≥ {self.at_least:g}"
        return f"≤ {self.at_most:g}"


@dataclass(frozen=True)
class CellPolicy:
    """What a cell's comparison allows."""

    pictures: str = "forward"
    rtol: float = 0.0
    ignore: bool = False
    bounds: dict[str, Bound] = field(default_factory=dict)
    why: str = ""

    @property
    def is_default(self) -> bool:
        return self == CellPolicy()


def _bound(label: str, value: object) -> Bound:
    if not isinstance(value, dict) or not set(value) <= {"at_least", "at_most"} or not value:
        raise PolicyError(f"bound {label!r} must be {{'at_least': x}}, {{'at_most': y}} or both")
    numbers = {}
    for key, number in value.items():
        if not isinstance(number, int | float) or not math.isfinite(number):
            raise PolicyError(f"bound {label!r}: {key} must be a finite number, got {number!r}")
        numbers[key] = float(number)
    return Bound(**numbers)


def from_metadata(metadata: dict) -> CellPolicy:
    """The policy a cell's ``nbcheck`` metadata declares (the default when it has none)."""
    settings = metadata.get("nbcheck")
    if settings is None:
        return CellPolicy()
    if not isinstance(settings, dict):
        raise PolicyError("the cell's 'nbcheck' metadata must be an object")
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise PolicyError(
            f"unknown nbcheck setting(s) {sorted(unknown)}: use {', '.join(SETTINGS)}"
        )
    why = str(settings.get("why", "")).strip()
    if len(why) < MIN_WHY_LENGTH:
        raise PolicyError("the cell's nbcheck metadata must say why the check is loosened ('why')")
    if set(settings) == {"why"}:
        raise PolicyError("the cell's nbcheck metadata names no setting")
    pictures = settings.get("pictures", "forward")
    if pictures not in MODES:
        raise PolicyError(f"pictures must be one of {', '.join(MODES)}, got {pictures!r}")
    rtol = settings.get("rtol", 0.0)
    if not isinstance(rtol, int | float) or not 0.0 <= rtol < 1.0:
        raise PolicyError(f"rtol must be a number between 0 and 1, got {rtol!r}")
    ignore = settings.get("ignore", False)
    if not isinstance(ignore, bool):
        raise PolicyError(f"ignore must be true or false, got {ignore!r}")
    bounds = settings.get("bounds", {})
    if not isinstance(bounds, dict):
        raise PolicyError("bounds must map a printed label to its bound")
    return CellPolicy(
        pictures=pictures, rtol=float(rtol), ignore=ignore, why=why,
        bounds={label: _bound(label, value) for label, value in bounds.items()},
    )


def of_cell(cell: dict) -> CellPolicy:
    """A code cell's policy; a ``# nbcheck``/``# NBVAL`` line in its source is an error."""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    if SOURCE_MARKER.search(source):
        raise PolicyError(
            "a '# nbcheck'/'# NBVAL' comment in the source shows the test to students: "
            "move it into the cell's 'nbcheck' metadata"
        )
    return from_metadata(cell.get("metadata", {}))
