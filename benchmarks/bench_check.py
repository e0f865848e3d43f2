"""The exercises (issue 14): how fast a check answers, and what the student edition costs.

- Every checker, on the reference solution, the first time in this process (its cases and
  tiny models built then) and again: target < 2 s on 2 cores. A wrong answer and an untouched
  stub stop at their first case, so they answer faster.
- Each notebook run top to bottom in both editions (instructor notebook; student edition from
  ``make student``, exercises untouched, so every check says "not done" and the notebook goes
  on with the reference). Target: the student edition takes no longer than the instructor
  notebook. Each edition runs twice, alternating, and the faster run counts (one run of a
  two-minute notebook varies by 5-10 % here); 5 % is allowed for what noise remains.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbclient
import nbformat

from benchmarks.common import Result
from lecture_helpers import check
from lecture_helpers.check import student

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK_TARGET_S = 2.0
NOISE = 1.05


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _checks() -> list[Result]:
    results = []
    for key, exercise in check.exercises().items():
        first = _timed(lambda exercise=exercise: check.run(exercise.key, exercise.reference))
        again = _timed(lambda exercise=exercise: check.run(exercise.key, exercise.reference))
        results.append(Result(
            f"check {exercise.number} {key} (reference, first call)", first, "s",
            f"< {CHECK_TARGET_S:g} s", first < CHECK_TARGET_S, note=f"again: {again:.3f} s",
        ))
    return results


def _run_notebook(nb) -> float:
    client = nbclient.NotebookClient(
        nb, timeout=1800, kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )
    return _timed(client.execute)


def _editions(paths: list[Path] = NOTEBOOKS, rounds: int = 2) -> list[Result]:
    results = []
    for path in paths:
        source = nbformat.read(path, as_version=4)
        edition = student.student_notebook(source, path.name)
        instructor = students = float("inf")
        for _ in range(rounds):  # alternating, so that a busy moment hits both editions
            instructor = min(instructor, _run_notebook(nbformat.read(path, as_version=4)))
            students = min(students, _run_notebook(nbformat.from_dict(edition)))
        results.append(Result(
            f"{path.stem}: student edition, top to bottom", students, "s",
            f"<= instructor notebook (x{NOISE})", students <= instructor * NOISE,
            reference=instructor, ratio=students / instructor,
        ))
    return results


def run() -> list[Result]:
    return _checks() + _editions()
