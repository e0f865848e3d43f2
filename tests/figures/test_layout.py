"""Text layout (lecture_helpers/figures/layout.py): a title wrapped to its panel's width."""

from __future__ import annotations

import pytest

from lecture_helpers import figures

pytestmark = pytest.mark.usefixtures("slide_defaults")


def test_wrap_text_breaks_at_a_colon_or_a_bracket_first():
    assert figures.wrap_text("short", 1.0, 12) == "short"
    title = "kitten (P(dog) = 0.28): evidence for cat"
    assert figures.wrap_text(title, 2.3, 12) == "kitten (P(dog) = 0.28):\nevidence for cat"
    assert figures.wrap_text("Integrated Gradients (gap 11%)", 1.9, 12) == (
        "Integrated Gradients\n(gap 11%)")
    wrapped = figures.wrap_text("tiger cat: the score's drop when a 48-px patch is hidden", 3.8,
                                12)
    assert wrapped.count("\n") == 1  # two lines, not three
    for line in wrapped.split("\n"):
        assert figures.text_width(line, 12) <= 3.8 * 100
    assert figures.wrap_text("a\nb", 1.0, 12) == "a\nb"  # its own breaks stay
    # a word wider than the panel keeps a line of its own, whole
    assert figures.wrap_text("x: a verylongwordthatdoesnotfit", 0.5, 12).split("\n")[-1] == (
        "verylongwordthatdoesnotfit")
