"""ImageNet-1k class names (lecture_helpers/classes.py): found by a part of their name, by name
or index, with a suggestion for a misspelt one."""

from __future__ import annotations

import pytest

import lecture_helpers as lh


@pytest.mark.slow
def test_find_class():
    assert lh.find_class("flamin") == [(130, "flamingo")]


@pytest.mark.heavy
def test_class_lookup():
    assert lh.find_class("flamin") == [(130, "flamingo")]
    assert lh.class_index("flamingo") == 130
    assert lh.class_index(967) == 967
    with pytest.raises(KeyError, match="flamingo"):
        lh.class_index("flamingoo")
    with pytest.raises(IndexError, match="0 to 999"):
        lh.class_index(1000)
