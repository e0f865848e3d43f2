"""The student edition: `make student` (lecture_helpers/check/student.py) and nbgrader's format.

The instructor notebooks are the source. These tests check that the student edition keeps
every cell but the exercises, that each stub names its exercise and slide, that the solutions
pass their checks (from the instructor notebook, and filled back into the student notebook),
and that nbgrader's own ``generate_assignment`` accepts the sources.  That the student
notebooks run top to bottom with their outputs is nbcheck's job (``make test`` runs
build/student/ like notebooks/).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys

import keras
import nbformat
import numpy as np
import pytest
import tensorflow as tf

import lecture_helpers as lh
from lecture_helpers.check import exercises, student
from lecture_helpers.check.student import ExerciseFormatError
from tests.notebook_files import FURTHER_NOTEBOOKS, ROOT, notebook_paths

NOTEBOOKS = notebook_paths()


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell) -> str:
    return "".join(cell["source"])


@pytest.fixture(scope="module")
def editions():
    """(instructor notebook, student edition) per notebook, made in memory."""
    return {
        path.name: (nb := _load(path), student.student_notebook(nb, f"notebooks/{path.name}"))
        for path in NOTEBOOKS
    }


def _solution_body(source: str) -> list[str]:
    lines = source.split("\n")
    begin = next(i for i, line in enumerate(lines) if "### BEGIN SOLUTION" in line)
    end = next(i for i, line in enumerate(lines) if "### END SOLUTION" in line)
    return [line for line in lines[begin + 1 : end] if line.strip()]


def _namespace() -> dict:
    """What a notebook has imported by the time it reaches an exercise."""
    return {"np": np, "tf": tf, "keras": keras, "math": math, "lh": lh}


def _define(source: str, key: str):
    namespace = _namespace()
    exec(compile(source, f"<exercise {key}>", "exec"), namespace)  # noqa: S102 - our notebooks
    return namespace[key]


def test_every_exercise_is_in_its_core_notebook_two_to_four_each(editions):
    found = {name: student.exercises_of(nb, name) for name, (nb, _) in editions.items()}
    for name, keys in found.items():
        if name in FURTHER_NOTEBOOKS:
            assert not keys, f"{name} is a going-further notebook, yet has exercises {keys}"
            continue
        assert 2 <= len(keys) <= 4, f"{name} has {len(keys)} exercises"
        for key in keys:
            assert exercises()[key].notebook == name.removesuffix(".ipynb")
    assert sorted(k for keys in found.values() for k in keys) == sorted(exercises())
    numbers = [exercises()[k].number for keys in found.values() for k in keys]
    assert numbers == sorted(numbers, key=lambda n: tuple(map(int, n.split(".")))), numbers


def test_instructor_solutions_pass_their_checks(editions):
    for name, (nb, _) in editions.items():
        for cell in nb["cells"]:
            if student.is_solution_cell(cell):
                key = cell["metadata"]["nbgrader"]["grade_id"]
                feedback = lh.check.run(key, _define(_source(cell), key))
                assert feedback.passed, f"{name}: the solution of {key}: {feedback}"


def test_student_stubs_raise_and_read_as_not_done(editions):
    for name, (_, edition) in editions.items():
        for cell in edition["cells"]:
            if not student.is_solution_cell(cell):
                continue
            key = cell["metadata"]["nbgrader"]["grade_id"]
            exercise = exercises()[key]
            source = _source(cell)
            assert "# YOUR CODE HERE" in source and f"Exercise {exercise.number}" in source
            assert f"slide '{exercise.slide}'" in source
            feedback = lh.check.run(key, _define(source, key))
            assert feedback.status == "not done", f"{name} {key}: {feedback}"
            assert exercise.slide in feedback.message


def test_solutions_filled_back_into_the_student_notebook_pass(editions):
    for name, (nb, edition) in editions.items():
        for original, cell in zip(nb["cells"], edition["cells"], strict=True):
            if not student.is_solution_cell(cell):
                continue
            key = cell["metadata"]["nbgrader"]["grade_id"]
            body = "\n".join(_solution_body(_source(original)))
            stub = "\n".join(student.stub_lines(key))
            indent = " " * 4
            filled = _source(cell).replace(
                "\n".join(indent + line for line in stub.split("\n")), body
            )
            assert filled != _source(cell), f"{name} {key}: the stub was not found"
            assert lh.check.run(key, _define(filled, key)).passed, f"{name} {key}"


def test_no_solution_line_reaches_the_student(editions):
    for name, (nb, edition) in editions.items():
        text = json.dumps([_source(c) for c in edition["cells"]])
        for cell in nb["cells"]:
            if student.is_solution_cell(cell):
                for line in _solution_body(_source(cell)):
                    assert line.strip() not in text, f"{name}: {line.strip()!r} is in the edition"


def test_only_the_exercises_change(editions):
    for name, (nb, edition) in editions.items():
        assert len(nb["cells"]) == len(edition["cells"])
        for number, (original, cell) in enumerate(zip(nb["cells"], edition["cells"], strict=True)):
            if student.is_solution_cell(original):
                assert cell["outputs"] == []
            elif student.is_check_cell(original):
                assert _source(cell) == _source(original)
                [output] = cell["outputs"]
                assert "not written yet" in output["data"]["text/plain"]
                assert "lh-check-not-done" in output["data"]["text/html"]
            elif number == 0 and name not in FURTHER_NOTEBOOKS:
                title, rest = _source(original).split("\n", 1)
                assert _source(cell).startswith(title + "\n\n> **Student edition.**")
                assert _source(cell).endswith(rest)
            else:
                assert cell == original, f"{name} cell {number} changed"
        assert edition["metadata"]["lecture_helpers"]["edition"] == "student"
        assert edition["metadata"].get("widgets") == nb["metadata"].get("widgets")


def test_instructor_checker_cells_show_a_pass(editions):
    for name, (nb, _) in editions.items():
        for cell in nb["cells"]:
            if student.is_check_cell(cell):
                text = "".join("".join(o["data"]["text/plain"]) for o in cell["outputs"])
                assert text.startswith("✓ Exercise"), f"{name}: {text!r}"


def test_generation_needs_no_nbgrader(tmp_path):
    code = (
        "import sys; sys.modules['nbgrader'] = None\n"  # importing nbgrader now fails
        "from lecture_helpers.check.student import main\n"
        f"sys.exit(main(['--out', {str(tmp_path)!r}, *{[str(p) for p in NOTEBOOKS]!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    assert not list(tmp_path.glob(".*.tmp")), "a temporary file was left behind"


def _exercise_notebook(solution: str, checker: str = "double = lh.check.channel_weights(double)"):
    def cell(source, **nbgrader):
        meta = {"nbgrader": nbgrader} if nbgrader else {}
        return {"cell_type": "code", "metadata": meta, "source": source, "outputs": [],
                "execution_count": None}

    return {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Title"},
                      cell(solution, solution=True, grade=False, grade_id="channel_weights"),
                      cell(checker, solution=False, grade=True, grade_id="check_cw")],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.mark.parametrize(
    ("solution", "checker", "problem"),
    [
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", None, "at the top level of the cell"),
        ("def channel_weights(g):\n    ### BEGIN SOLUTION\n    return g", None,
         "no '### END SOLUTION'"),
        ("def channel_weights(g):\n    return g", None, "expected one solution region, found 0"),
        ("def channel_weights(g):\n    ### BEGIN SOLUTION\n    return g\n    ### END SOLUTION",
         "print(1)", "must call 'name = lh.check.name(name)' once"),
    ],
)
def test_a_malformed_exercise_is_named_and_nothing_is_written(tmp_path, solution, checker,
                                                              problem):
    bad = tmp_path / "bad.ipynb"
    notebook = _exercise_notebook(solution, checker or "channel_weights = "
                                  "lh.check.channel_weights(channel_weights)")
    bad.write_text(json.dumps(notebook))
    out = tmp_path / "out"
    with pytest.raises(ExerciseFormatError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        student.write_student_notebooks([NOTEBOOKS[0], bad], out)
    assert not out.exists() or not list(out.iterdir()), "a file was written despite the error"


def test_a_solution_region_outside_a_solution_cell_is_refused():
    notebook = _exercise_notebook("def channel_weights(g):\n    return g")
    notebook["cells"].insert(1, {"cell_type": "code", "metadata": {}, "outputs": [],
                                 "source": "def f():\n    ### BEGIN SOLUTION\n    pass\n"
                                           "    ### END SOLUTION", "execution_count": None})
    with pytest.raises(ExerciseFormatError, match="not marked as solution"):
        student.student_notebook(notebook)


def test_the_command_reports_a_bad_source_and_exits_2(tmp_path, capsys):
    missing = tmp_path / "missing.ipynb"
    assert student.main(["--out", str(tmp_path / "out"), str(missing)]) == 2
    assert "cannot read the notebook" in capsys.readouterr().err


def test_nbgraders_release_with_the_course_config_is_the_student_edition(tmp_path, editions):
    """course/nbgrader_config.py: nbgrader's release of every notebook is `make student`'s."""
    shutil.copy(ROOT / "course" / "nbgrader_config.py", tmp_path)
    source = tmp_path / "source" / "lecture"
    source.mkdir(parents=True)
    for path in NOTEBOOKS:
        shutil.copy(path, source / path.name)
    bin_dir = os.path.dirname(sys.executable)
    command = [os.path.join(bin_dir, "nbgrader"), "generate_assignment", "lecture", "--no-db"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=600,
                            env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "while loading config" not in result.stderr  # else nbgrader goes on with defaults
    for path in NOTEBOOKS:
        release = nbformat.read(tmp_path / "release" / "lecture" / path.name, as_version=4)
        nb, ours = editions[path.name]
        ours = nbformat.reads(json.dumps(ours), as_version=4)
        assert [c.source for c in release.cells] == [c.source for c in ours.cells]
        assert [c.get("outputs") for c in release.cells] == [c.get("outputs") for c in ours.cells]
        for original, theirs in zip(nb["cells"], release.cells, strict=True):
            if student.is_check_cell(original):
                assert theirs["metadata"]["nbgrader"]["locked"] is True
                assert theirs["metadata"]["nbgrader"]["points"] == 1
                assert "checksum" in theirs["metadata"]["nbgrader"]
