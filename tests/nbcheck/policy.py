"""How a cell's outputs are compared: the defaults, and the ``# nbcheck:`` line that loosens them.

By default every output is compared by :mod:`tests.nbcheck.text` (words and integers exactly,
floats to one unit in their last digit) and every picture as a ``forward`` picture. A cell
loosens that with one comment line, which must say why::

    # nbcheck: pictures=ascent -- gradient ascent amplifies float rounding; compare colours
    # nbcheck: rtol=0.02 -- Integrated Gradients sums 64 gradients
    # nbcheck: ignore -- a widget's text form lists its live state; tests/test_browser.py checks it

Chaotic numbers are not loosened here: the notebook prints a claim (``lh.claim``), whose
verdict is compared exactly and whose measured value the sanitizer hides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.nbcheck.pictures import MODES

MARKER = re.compile(r"^\s*#\s*nbcheck:\s*(?P<settings>.*?)\s*(?:--|—)\s*(?P<why>.*)$")
MIN_WHY_LENGTH = 12


class PolicyError(ValueError):
    """A ``# nbcheck:`` comment that cannot be read, or that does not say why."""


@dataclass(frozen=True)
class CellPolicy:
    """What a cell's comparison allows."""

    pictures: str = "forward"
    rtol: float = 0.0
    ignore: bool = False
    why: str = ""

    @property
    def is_default(self) -> bool:
        return self == CellPolicy()


def parse(source: str) -> CellPolicy:
    """The policy a cell's source declares (the default when it has no ``# nbcheck:`` line)."""
    lines = [line for line in source.splitlines() if re.match(r"^\s*#\s*nbcheck\b", line)]
    if not lines:
        return CellPolicy()
    if len(lines) > 1:
        raise PolicyError(f"one '# nbcheck:' line per cell, found {len(lines)}")
    match = MARKER.match(lines[0])
    if match is None:
        raise PolicyError(
            f"cannot read {lines[0].strip()!r}: write '# nbcheck: <setting> -- <why>'"
        )
    why = match["why"].strip()
    if len(why) < MIN_WHY_LENGTH:
        raise PolicyError(f"{lines[0].strip()!r} must say why the check is loosened, after '--'")
    fields: dict[str, object] = {"why": why}
    for setting in filter(None, (s.strip() for s in match["settings"].split(","))):
        key, _, value = setting.partition("=")
        key, value = key.strip(), value.strip()
        if key == "ignore" and not value:
            fields["ignore"] = True
        elif key == "pictures" and value in MODES:
            fields["pictures"] = value
        elif key == "rtol":
            try:
                rtol = float(value)
            except ValueError:
                rtol = -1.0
            if not 0.0 < rtol < 1.0:
                raise PolicyError(f"rtol must be a number between 0 and 1, got {value!r}")
            fields["rtol"] = rtol
        else:
            raise PolicyError(
                f"unknown setting {setting!r}: use ignore, pictures={'|'.join(MODES)} or rtol=<x>"
            )
    if len(fields) == 1:
        raise PolicyError(f"{lines[0].strip()!r} names no setting")
    return CellPolicy(**fields)  # type: ignore[arg-type]
