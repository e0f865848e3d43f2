"""The graded course end to end, as the README's "Running it as a graded assignment" runs it.

A course directory made of the repo's ``course/nbgrader`` and ``course/nbgrader_config.py``,
the cheapest core notebook (01) as the assignment, and three students: Alice hands in the
release untouched, Bob solves every exercise, Carol makes the typical mistake of exercise 1.3
(the grid scaled as a whole).  nbgrader generates, autogrades, exports and writes feedback;
the scores, the feedback's hint and the absence of any later error are asserted.  About a
minute on 2 cores (three kernels run notebook 01).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lecture_helpers.check import student
from lecture_helpers.figures import output_png
from tests.notebook_files import ROOT

ASSIGNMENT = "01_channels"
STUDENTS = ("alice", "bob", "carol")

# Carol's channel grid: every channel in place, but one minimum and maximum for the whole grid.
CAROL_GRID = '''import math


def channel_grid(activation, cols):
    H, W, C = activation.shape
    grid = np.zeros((math.ceil(C / cols) * H, cols * W))
    for k in range(C):
        row, col = divmod(k, cols)
        grid[row * H:(row + 1) * H, col * W:(col + 1) * W] = activation[:, :, k]
    return (grid - grid.min()) / (grid.max() - grid.min())
'''


def _nbgrader(course: Path, *args: str) -> str:
    """``course/nbgrader <args>``, as the README prints it; its output, or the test fails."""
    result = subprocess.run([str(course / "nbgrader"), *args], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, f"nbgrader {' '.join(args)}:\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _cells(notebook: dict) -> list[dict]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _key(cell: dict) -> str:
    return cell["metadata"].get("nbgrader", {}).get("grade_id", "")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A graded course in a fresh directory: generated, submitted, autograded, exported."""
    top = tmp_path_factory.mktemp("course-clone")
    course = top / "course"
    course.mkdir()
    for name in ("nbgrader", "nbgrader_config.py"):
        shutil.copy2(ROOT / "course" / name, course / name)
    (top / ".venv").symlink_to(Path(sys.prefix))  # the wrapper finds the venv beside course/
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / f"{ASSIGNMENT}.ipynb", source)
    _nbgrader(course, "generate_assignment", ASSIGNMENT)

    with open(course / "students.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "first_name", "last_name", "email"])
        writer.writerows([name, name.title(), "Student", ""] for name in STUDENTS)
    _nbgrader(course, "db", "student", "import", "students.csv")

    release = _load(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    instructor = _load(source / f"{ASSIGNMENT}.ipynb")
    solutions = {_key(cell): cell["source"] for cell in _cells(instructor)
                 if student.is_solution_cell(cell)}
    answers = {"alice": {}, "bob": solutions, "carol": {**solutions, "channel_grid": CAROL_GRID}}
    for name, answer in answers.items():
        handed_in = json.loads(json.dumps(release))
        for cell in _cells(handed_in):
            if student.is_solution_cell(cell) and _key(cell) in answer:
                cell["source"] = answer[_key(cell)]
        folder = course / "submitted" / name / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(handed_in), encoding="utf-8")

    _nbgrader(course, "autograde", ASSIGNMENT)
    _nbgrader(course, "export")
    _nbgrader(course, "generate_feedback", ASSIGNMENT)
    return course


def test_the_release_is_the_student_edition_with_its_figures(course):
    release = _load(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    source = _load(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    edition = student.student_notebook(source, f"{ASSIGNMENT}.ipynb")
    ours, theirs = (nbformat.reads(json.dumps(nb), as_version=4) for nb in (edition, release))
    assert [c.source for c in theirs.cells] == [c.source for c in ours.cells]
    assert [c.get("outputs") for c in theirs.cells] == [c.get("outputs") for c in ours.cells]
    def figures(notebook):
        return sum(output_png(output) is not None for cell in _cells(notebook)
                   for output in cell["outputs"])

    assert figures(release) == figures(source) >= 4  # nbgrader's default release has none
    checks = [cell for cell in _cells(release) if student.is_check_cell(cell)]
    assert len(checks) == 3 and all(cell["metadata"]["nbgrader"]["locked"] for cell in checks)


def test_the_scores_count_each_mistake_once(course):
    with open(course / "grades.csv", newline="") as file:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"]))
                  for row in csv.DictReader(file)}
    assert scores == {"alice": (0.0, 3.0), "bob": (3.0, 3.0), "carol": (2.0, 3.0)}


@pytest.mark.parametrize("name", STUDENTS)
def test_no_later_cell_fails_and_only_failed_checks_write_to_stderr(course, name):
    graded = _load(course / "autograded" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    errors = [(number, output.get("ename")) for number, cell in enumerate(graded["cells"])
              for output in cell.get("outputs", []) if output["output_type"] == "error"]
    assert errors == []
    zeroed = [_key(cell) for cell in _cells(graded)
              if any(output.get("name") == "stderr" for output in cell["outputs"])]
    expected = {"alice": ["check_prepare_image_for_display", "check_activation_model",
                          "check_channel_grid"], "bob": [], "carol": ["check_channel_grid"]}
    assert zeroed == expected[name]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_feedback_shows_the_hint_once_and_no_internals(course):
    carol = (course / "feedback" / "carol" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    text = _text(carol)
    assert text.count("the channels are scaled together") == 1
    assert text.count("This exercise scores 0 points; the rest of the notebook ran with "
                      "lh.check.reference.channel_grid.") == 1
    assert "Until it passes" not in text
    assert "Exercise 1.1, prepare_image_for_display: correct on all" in text
    alice = (course / "feedback" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert _text(alice).count("not written yet") == 3
    for html in (carol, alice):
        figures = re.findall(r'<img[^>]*?alt="([^"]*)"', html)
        assert len(figures) >= 4 and all(alt.startswith("Figure") for alt in figures)  # alt text
        assert "lecture_helpers/" not in html and str(course) not in html
        assert str(ROOT) not in html and sys.prefix not in html
        assert "ExerciseNotPassed" not in html and "AssertionError" not in html


def test_the_wrapper_without_a_venv_names_the_fix(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy2(ROOT / "course" / "nbgrader", course / "nbgrader")
    result = subprocess.run([str(course / "nbgrader"), "--version"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "not found; run 'make setup'" in result.stderr and str(tmp_path) in result.stderr


def test_a_release_without_the_steps_to_replace_is_refused():
    from nbgrader.preprocessors import ClearOutput, ClearSolutions, ComputeChecksums

    from lecture_helpers.check.release import StudentEdition, release_preprocessors

    steps = release_preprocessors([ClearSolutions, ClearOutput, ComputeChecksums])
    assert steps == [StudentEdition, ComputeChecksums]
    with pytest.raises(ValueError, match="no ClearSolutions or ClearOutput step to replace"):
        release_preprocessors([ClearOutput, ComputeChecksums])
