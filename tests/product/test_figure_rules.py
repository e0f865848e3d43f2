"""Every committed figure is legible on a projector and carries its alt text, and every slide
holds one figure at most.

The rules are :data:`lecture_helpers.figures.SLIDE_RULES`; each figure's measurements are the
``lecture_helpers/figure`` metadata that ``lh.setup_notebook`` attaches when the notebook runs
(nbcheck re-runs the notebooks and compares their pictures, so the committed reports stay true).
The report and the rules themselves are tested in tests/figures/, the alt text in
tests/test_alt_text.py.
"""

from __future__ import annotations

import html
import json

import pytest

from lecture_helpers import figures
from tests.notebook_files import notebook_paths

MAX_FIGURES_PER_SLIDE = 1
MAX_CODE_LINES_PER_SLIDE = 15


def _slides(path):
    """[(title, cells)] : a slide or subslide and its fragments / continuation cells."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    slides = []
    for index, cell in enumerate(nb["cells"]):
        kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")
        if kind in ("skip", "notes"):
            continue
        if kind in ("slide", "subslide") or not slides:
            first_line = "".join(cell["source"]).strip().splitlines()[:1]
            slides.append((f"cell {index}: {first_line[0][:50] if first_line else ''}", []))
        slides[-1][1].append(cell)
    return slides


def _pngs(cell):
    return [o for o in cell.get("outputs", []) if figures.output_png(o) is not None]


def _code_lines(cell) -> int:
    if cell["cell_type"] != "code":
        return 0
    lines = "".join(cell["source"]).splitlines()
    return sum(1 for line in lines if line.strip())


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_every_figure_meets_the_slide_rules(path):
    problems, count = [], 0
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        for output in _pngs(cell):
            count += 1
            report = figures.output_metadata(output).get(figures.METADATA_KEY)
            if report is None:
                problems.append(f"cell {index}: a picture without a figure report (not a figure "
                                "shown after lh.setup_notebook)")
                continue
            problems += [f"cell {index}: {p}" for p in figures.rule_violations(report)]
    assert count > 0
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_every_slide_holds_one_figure_and_little_code(path):
    problems = []
    for title, cells in _slides(path):
        pictures = sum(len(_pngs(c)) for c in cells)
        code = sum(_code_lines(c) for c in cells)
        if pictures > MAX_FIGURES_PER_SLIDE:
            problems.append(f"{title}: {pictures} figures")
        if code > MAX_CODE_LINES_PER_SLIDE:
            problems.append(f"{title}: {code} lines of code")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_every_figure_of_every_notebook_carries_its_alt_text(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    count = 0
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            if figures.output_png(output) is None:
                continue
            count += 1
            metadata = figures.output_metadata(output)
            alt = metadata.get("alt", "")
            assert alt.startswith("Figure"), f"cell {index}: no alt text"
            # shown as an <img> with that alt (JupyterLab reads no alt from an image/png)
            shown = figures.FIGURE_HTML.fullmatch("".join(output["data"]["text/html"]))
            assert shown and html.unescape(shown.group("alt")) == alt, f"cell {index}"
            titles = [" ".join(panel["title"].replace("$", "").split())
                      for panel in metadata[figures.METADATA_KEY]["panels"]]
            titles = [title for title in titles if title]
            # every title, or for a long run of alike panels its first and last
            for title in titles if len(titles) <= 12 else [titles[0], titles[-1]]:
                assert title in alt, f"cell {index}: panel {title!r} not in {alt!r}"
    assert count > 0
