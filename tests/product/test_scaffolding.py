"""What a student sees is teaching: no test scaffolding in the notebooks, either edition, or decks.

Test policies and their bounds live in cell metadata (tests/nbcheck/policy.py), which
JupyterLab, Colab, nbviewer, the decks and nbgrader's releases do not show. This scans
everything they do show: code (its comments included), markdown and printed outputs.
"""

from __future__ import annotations

import json
import re

import pytest

from lecture_helpers.check.student import write_student_notebooks
from tests.notebook_files import notebook_paths

# Each pattern, and what it would show a student.
SCAFFOLDING = {
    r"#\s*nbcheck|nbcheck:": "a test policy comment",
    r"NBVAL": "an nbval marker",
    r"\(measured [-\d.…]|: (?:yes|NO) \(": "a claim printed as a passed or failed test",
    r"traced \d+ time": "a compilation count",
    r"make (?:bench|test|quick|test-cpu|test-isa)\b|benchmarks/|bench_\w+\.py":
        "a pointer to the test or benchmark suite",
    r"\bpytest\b|\bnbval\b|tests/(?:\w+/)*test_\w+": "a test runner or test file",
    r"ONEDNN_|LECTURE_HELPERS_(?:PERTURB|SEED_SHIFT)": "a maintainer's switch",
}


def _visible_texts(notebook: dict) -> list[tuple[str, str]]:
    """(where, text) for everything a notebook shows: sources, markdown and printed outputs."""
    texts = []
    for index, cell in enumerate(notebook["cells"]):
        where = f"cell {index} ({cell['cell_type']})"
        texts.append((where, "".join(cell["source"])))
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                texts.append((where + " output", "".join(output["text"])))
            for mime in ("text/plain", "text/markdown", "text/html"):
                value = output.get("data", {}).get(mime)
                if value is not None:
                    texts.append((where + " output", "".join(value)))
    return texts


def scaffolding_in(texts: list[tuple[str, str]]) -> list[str]:
    found = []
    for where, text in texts:
        for pattern, what in SCAFFOLDING.items():
            match = re.search(pattern, text)
            if match:
                line = text[max(0, match.start() - 40): match.end() + 40].replace("\n", " ")
                found.append(f"{where}: {what}: …{line}…")
    return found


@pytest.fixture(scope="module")
def student_edition(tmp_path_factory):
    return write_student_notebooks(notebook_paths(), tmp_path_factory.mktemp("student"))


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_the_instructor_notebooks_show_no_scaffolding(path):
    found = scaffolding_in(_visible_texts(json.loads(path.read_text(encoding="utf-8"))))
    assert not found, "\n".join(found)


@pytest.mark.notebook
def test_the_student_edition_shows_no_scaffolding(student_edition):
    found = []
    for path in student_edition:
        texts = _visible_texts(json.loads(path.read_text(encoding="utf-8")))
        found += [f"{path.name} {problem}" for problem in scaffolding_in(texts)]
    assert not found, "\n".join(found)


@pytest.mark.notebook
def test_the_decks_show_no_scaffolding(slide_decks):
    found = []
    for deck in sorted(slide_decks.glob("*.slides.html")):
        found += [f"{deck.name} {p}" for p in scaffolding_in([("deck", deck.read_text("utf-8"))])]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "text",
    [
        "# nbcheck: pictures=ascent -- gradient ascent amplifies float rounding",
        "P(flamingo) after 20 steps ≥ 0.9: yes (measured 1.00)",
        "compiled step traced 1 time(s)",
        "the notebook does not claim a number: `make bench` measures it",
        "# NBVAL_IGNORE_OUTPUT",
    ],
)
def test_the_scan_sees_each_kind_of_scaffolding(text):
    assert scaffolding_in([("a cell", text)])


def test_the_scan_passes_teaching_text():
    teaching = [("a cell", "P(flamingo) after 20 steps: 1.00\nThe logit is measured before the "
                 "softmax; `make lab` installed the helpers. Grad-CAM's ρ: 0.27")]
    assert scaffolding_in(teaching) == []
