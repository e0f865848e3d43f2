"""Claims: a measured statement printed with its verdict, for results that differ by CPU.

Gradient ascent amplifies float rounding, and oneDNN rounds differently on different CPUs,
so "P(flamingo) = 0.99 after 20 steps" on one laptop is 0.95 on the next. What holds on
every machine is the claim the number supports: "P(flamingo) ≥ 0.9 after 20 steps". A
notebook prints the claim, its verdict and the measured value::

    >>> print(lh.claim("P(flamingo) after 20 steps", 0.953, at_least=0.9))
    P(flamingo) after 20 steps ≥ 0.9: yes (measured 0.95)

The notebook tests compare the statement and the verdict exactly; the sanitizer
(``notebooks/sanitize.cfg``) hides what is inside ``(measured …)``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    """A statement about a measured value, whether it holds, and the value itself."""

    statement: str
    holds: bool
    measured: str

    def __str__(self) -> str:
        return f"{self.statement}: {'yes' if self.holds else 'NO'} (measured {self.measured})"

    def __bool__(self) -> bool:
        return self.holds


def _bound(value: float) -> str:
    return f"{value:g}"


def claim(
    statement: str,
    value: float,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    fmt: str = "{:.2f}",
) -> Claim:
    """``statement ≥ at_least`` and/or ``≤ at_most``, checked on ``value`` (formatted by ``fmt``).

    With both bounds the claim reads "between a and b". Raises ``ValueError`` without a bound.
    """
    if at_least is None and at_most is None:
        raise ValueError("a claim needs a bound: pass at_least=..., at_most=... or both")
    value = float(value)
    if at_least is not None and at_most is not None:
        text = f"{statement} between {_bound(at_least)} and {_bound(at_most)}"
        holds = at_least <= value <= at_most
    elif at_least is not None:
        text, holds = f"{statement} ≥ {_bound(at_least)}", value >= at_least
    else:
        text, holds = f"{statement} ≤ {_bound(at_most)}", value <= at_most
    return Claim(text, bool(holds), fmt.format(value))


__all__ = ["Claim", "claim"]
