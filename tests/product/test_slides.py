"""`make slides` builds one reveal.js deck per notebook, with its slides and pictures."""

from __future__ import annotations

import json
import re

import pytest

from lecture_helpers import figures
from tests.notebook_files import NOTEBOOK_DIR, ROOT, notebook_paths

NOTEBOOKS = notebook_paths()


@pytest.fixture(scope="module")
def decks(slide_decks):
    return slide_decks  # built with the Makefile's options (tests/decks.py)


def test_makefile_has_the_slides_target():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^slides:", makefile, re.M) and "--to slides" in makefile
    assert "build/slides" in makefile


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_deck_has_the_expected_slides_and_images(decks, path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    kinds = [c["metadata"].get("slideshow", {}).get("slide_type", "-") for c in nb["cells"]]
    pngs = sum(
        figures.output_png(output) is not None
        for cell, kind in zip(nb["cells"], kinds, strict=True)
        if kind != "skip"
        for output in cell.get("outputs", [])
    )
    deck = (decks / f"{path.stem}.slides.html").read_text(encoding="utf-8")
    sections = deck.count("<section")
    expected = kinds.count("slide") + kinds.count("subslide")
    assert sections >= expected >= 3, f"{path.name}: {sections} sections, {expected} expected"
    images = len(re.findall(r'<img[^>]+src="data:image/png;base64,', deck))
    assert images == pngs and images > 0, f"{path.name}: {images} images in the deck, {pngs} in nb"
    assert "reveal" in deck.lower()
    assert NOTEBOOK_DIR.is_dir()
