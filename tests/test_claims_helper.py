"""lh.claim: the printed form of a measured claim, which the notebook tests compare."""

from __future__ import annotations

import re

import pytest
from nbval.plugin import get_sanitize_patterns

import lecture_helpers as lh
from tests.notebook_files import NOTEBOOK_DIR

SANITIZER = NOTEBOOK_DIR / "sanitize.cfg"


def test_a_claim_prints_its_statement_verdict_and_measured_value():
    claim = lh.claim("P(flamingo) after 20 steps", 0.953, at_least=0.9)
    assert str(claim) == "P(flamingo) after 20 steps ≥ 0.9: yes (measured 0.95)"
    assert claim and claim.holds
    low = lh.claim("grayscale std", 31.4, at_most=20, fmt="{:.0f}")
    assert str(low) == "grayscale std ≤ 20: NO (measured 31)" and not low
    both = lh.claim("share", 0.5, at_least=0.25, at_most=0.75)
    assert str(both) == "share between 0.25 and 0.75: yes (measured 0.50)"
    assert lh.claim("views", 7, at_least=7, fmt="{:.0f}").holds  # bounds are inclusive


def test_a_claim_needs_a_bound():
    with pytest.raises(ValueError, match="at_least"):
        lh.claim("something", 1.0)


def test_the_sanitizer_hides_the_measured_value_and_keeps_the_verdict():
    rules = get_sanitize_patterns(SANITIZER.read_text(encoding="utf-8"))  # as nbval reads it

    def sanitize(text: str) -> str:
        for regex, replace in rules:
            text = re.sub(regex, replace, text)
        return text

    here = str(lh.claim("P after 20 steps", 0.999, at_least=0.9))
    there = str(lh.claim("P after 20 steps", 0.953, at_least=0.9))
    failed = str(lh.claim("P after 20 steps", 0.85, at_least=0.9))
    assert sanitize(here) == sanitize(there) == "P after 20 steps ≥ 0.9: yes (measured …)"
    assert sanitize(failed) != sanitize(here)
