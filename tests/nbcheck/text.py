"""Printed text, compared by what it says: words and integers exactly, floats to a tolerance.

A printed float may differ from the committed one by one unit in its last printed digit
(``0.58`` against ``0.57`` or ``0.59``): a value within float32 noise of a rounding boundary
rounds either way on different CPUs. A cell's ``rtol`` adds a relative tolerance on top, for
numbers that sum many gradients. Everything else (words, integers, spacing, identifiers such
as ``conv2d_0``) must match exactly: shapes, counts and names are deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A number that stands on its own: not part of an identifier (conv2d_0) or of a longer token.
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\w)")
# Padding before a number may change with its width (`{x:3.0f}`: "  9" vs " 10").
_BLANKS = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class Mismatch:
    """Where two texts disagree, for the failure report."""

    reference: str
    new: str
    reason: str

    def __str__(self) -> str:
        return f"{self.reason}: committed {self.reference!r}, now {self.new!r}"


def _is_float(token: str) -> bool:
    return "." in token or "e" in token.lower()


def last_digit_unit(token: str) -> float:
    """One unit in the last printed digit of a float token: ``0.58`` → 0.01, ``3e-05`` → 0."""
    mantissa = token.lower().split("e")[0]
    if "e" in token.lower():
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return 10.0 ** (int(token.lower().split("e")[1]) - decimals)
    return 10.0 ** -len(mantissa.split(".")[1])


def numbers_agree(reference: str, new: str, rtol: float = 0.0) -> bool:
    """Two number tokens agree: integers exactly, floats within a last-digit unit + ``rtol``."""
    if not (_is_float(reference) or _is_float(new)):
        return reference == new
    a, b = float(reference), float(new)
    tolerance = last_digit_unit(reference) + rtol * abs(a)
    return abs(a - b) <= tolerance * (1 + 1e-9)


def first_mismatch(reference: str, new: str, rtol: float = 0.0) -> Mismatch | None:
    """None when ``new`` says what ``reference`` says; else the first place they differ."""
    if reference == new:
        return None
    ref_parts, new_parts = NUMBER.split(reference), NUMBER.split(new)
    ref_numbers, new_numbers = NUMBER.findall(reference), NUMBER.findall(new)
    if len(ref_numbers) != len(new_numbers):
        return Mismatch(reference, new, "a different count of numbers")
    for ref_text, new_text in zip(ref_parts, new_parts, strict=True):
        if _BLANKS.sub(" ", ref_text) != _BLANKS.sub(" ", new_text):
            return Mismatch(ref_text, new_text, "different text")
    for ref_number, new_number in zip(ref_numbers, new_numbers, strict=True):
        if not numbers_agree(ref_number, new_number, rtol):
            kind = "a float beyond its tolerance" if _is_float(ref_number) else "an integer"
            return Mismatch(ref_number, new_number, f"{kind} differs")
    return None


# -- bounded numbers: a chaotic process's printed result, checked by its bound --------------

PLACEHOLDER = "…"


def _label_pattern(label: str) -> re.Pattern:
    """``label``, then an optional colon or equals sign, then the number (captured)."""
    words = [re.escape(word) for word in label.split()]
    return re.compile(r"(?<![\w])" + r"\s+".join(words) + r"\s*[:=]?\s*(" + NUMBER.pattern + r")")


def bounded_numbers(value: str, bounds: dict) -> list[tuple[str, str, object]]:
    """Every ``(label, number, bound)`` that ``value`` prints for the labels of ``bounds``."""
    found = []
    for label, bound in bounds.items():
        for match in _label_pattern(label).finditer(value):
            found.append((label, match.group(1), bound))
    return found


def _replace_numbers(value: str, pattern: re.Pattern) -> str:
    return pattern.sub(
        lambda m: m.group(0)[: m.start(1) - m.start(0)] + PLACEHOLDER, value
    )


def apply_bounds(reference: str, new: str, bounds: dict) -> tuple[str, str, list[str]]:
    """Check each bounded number of both texts against its bound, and hide it from the digit
    comparison. Returns the two texts with those numbers replaced, and every problem found:
    a number outside its bound (committed or new), or a bound that labels nothing."""
    problems = []
    for label, bound in bounds.items():
        pattern = _label_pattern(label)
        for name, value in (("committed", reference), ("new", new)):
            for match in pattern.finditer(value):
                number = float(match.group(1))
                if not bound.holds(number):
                    problems.append(f"{label!r} = {match.group(1)} ({name}), bound {bound}")
        reference, new = _replace_numbers(reference, pattern), _replace_numbers(new, pattern)
    return reference, new, problems


def unmatched_bounds(texts: list[str], bounds: dict) -> list[str]:
    """The labels of ``bounds`` that none of ``texts`` prints (stale metadata)."""
    return [label for label in bounds if not any(_label_pattern(label).search(t) for t in texts)]
