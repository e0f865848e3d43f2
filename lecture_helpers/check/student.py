"""Student notebooks from the instructor notebooks (``make student``).

The instructor notebooks are the source, in nbgrader's format: an exercise's solution sits
between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` inside a function, in a cell marked as
an nbgrader solution (``grade_id`` = the exercise's key), and the cell that checks it,
``fn = lh.check.<key>(fn)``, is marked as an autograder test.  This module writes the student
edition without nbgrader: each solution becomes a stub that raises ``NotImplementedError``
naming the exercise and its slide, and each checker cell's output becomes the message a student
sees before writing anything (the notebook then goes on with the reference solution).  Every
other cell keeps its committed outputs.

    python -m lecture_helpers.check.student [--out build/student] notebooks/0*.ipynb
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BEGIN, END = "BEGIN SOLUTION", "END SOLUTION"
STUB = "# YOUR CODE HERE"
CHECK_CALL = re.compile(r"^\s*(?P<name>\w+)\s*=\s*lh\.check\.(?P<key>\w+)\((?P=name)\)\s*$")


class ExerciseFormatError(ValueError):
    """An instructor notebook whose exercises are not in the format the generator reads."""


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution_cell(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and bool(_nbgrader(cell).get("solution"))


def is_check_cell(cell: dict) -> bool:
    meta = _nbgrader(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def replace_solution(source: str, stub_lines: Sequence[str], where: str) -> str:
    """``source`` with its one solution region replaced by ``stub_lines``, indented alike."""
    lines, out, inside, regions = source.split("\n"), [], False, 0
    for line in lines:
        if BEGIN in line:
            if inside:
                raise ExerciseFormatError(f"{where}: a solution region inside another")
            indent = re.match(r"\s*", line).group(0)
            if not indent:
                raise ExerciseFormatError(
                    f"{where}: the solution is at the top level of the cell; put it inside the "
                    "function the student writes, so that the student notebook still runs"
                )
            inside, regions = True, regions + 1
            out.extend(indent + stub for stub in stub_lines)
        elif END in line:
            if not inside:
                raise ExerciseFormatError(f"{where}: '### {END}' without a '### {BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ExerciseFormatError(f"{where}: no '### {END}' after '### {BEGIN}'")
    if regions != 1:
        raise ExerciseFormatError(f"{where}: expected one solution region, found {regions}")
    return "\n".join(out)


def stub_lines(key: str) -> list[str]:
    """The stub a solution becomes: a comment, and an error naming the exercise and slide."""
    from . import exercise

    return [STUB, f"raise NotImplementedError({exercise(key).stub_message!r})"]


def not_done_output(key: str) -> dict:
    """The output of a checker cell before the student has written the exercise."""
    from . import exercise, run

    def untouched(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(exercise(key).stub_message)

    feedback = run(key, untouched)
    if feedback.status != "not done":  # pragma: no cover - guards the checker machinery
        raise RuntimeError(f"the untouched exercise {key!r} did not read as 'not done'")
    return {"output_type": "display_data", "data": feedback.mime_bundle(), "metadata": {}}


def exercises_of(notebook: dict, where: str = "notebook") -> list[str]:
    """The exercise keys of an instructor notebook, in order; checks the pairing of cells."""
    from . import exercises

    known = exercises()
    solved, checked = [], []
    for number, cell in enumerate(notebook["cells"]):
        here = f"{where}, cell {number}"
        source = _source(cell)
        if BEGIN in source and not is_solution_cell(cell):
            raise ExerciseFormatError(f"{here}: a solution region in a cell not marked as solution")
        if is_solution_cell(cell):
            key = _nbgrader(cell).get("grade_id", "")
            if key not in known:
                raise ExerciseFormatError(f"{here}: grade_id {key!r} names no exercise")
            solved.append(key)
        elif is_check_cell(cell):
            calls = [m for m in map(CHECK_CALL.match, source.splitlines()) if m]
            if len(calls) != 1 or calls[0]["key"] != calls[0]["name"]:
                raise ExerciseFormatError(
                    f"{here}: a checker cell must call 'name = lh.check.name(name)' once"
                )
            key = calls[0]["key"]
            if not solved or solved[-1] != key or key in checked:
                raise ExerciseFormatError(f"{here}: the check of {key!r} must follow its solution")
            checked.append(key)
    missing = [key for key in solved if key not in checked]
    if missing:
        raise ExerciseFormatError(f"{where}: no checker cell for {', '.join(missing)}")
    return solved


def _banner(keys: Sequence[str]) -> str:
    from . import exercise

    numbers = [exercise(key).number for key in keys]
    listed = ", ".join(numbers[:-1]) + f" and {numbers[-1]}" if len(numbers) > 1 else numbers[0]
    return (
        f"> **Student edition.** You write the lecture's code in exercises {listed}. The cell "
        "after each exercise checks it and names the first mistake. An exercise you have not "
        "done yet shows an orange message, and the notebook goes on with the reference "
        "solution, so every later cell still runs.\n\n"
    )


def student_notebook(notebook: dict, where: str = "notebook") -> dict:
    """The student edition of one instructor notebook (a new dict; the input is unchanged).

    A notebook without exercises (a going-further notebook) is the same in both editions.
    """
    keys = exercises_of(notebook, where)
    student = copy.deepcopy(notebook)
    for number, cell in enumerate(student["cells"]):
        if is_solution_cell(cell):
            key = _nbgrader(cell)["grade_id"]
            cell["source"] = replace_solution(
                _source(cell), stub_lines(key), f"{where}, cell {number}"
            )
            cell["outputs"] = []
        elif is_check_cell(cell):
            key = CHECK_CALL.match(
                next(line for line in _source(cell).splitlines() if CHECK_CALL.match(line))
            )["key"]
            cell["outputs"] = [not_done_output(key)]
    first = student["cells"][0]
    if keys and first.get("cell_type") == "markdown":  # the banner goes under the title
        title, _, rest = _source(first).partition("\n")
        first["source"] = f"{title}\n\n{_banner(keys)}{rest.lstrip(chr(10))}"
    student["metadata"]["lecture_helpers"] = {"edition": "student", "source": where}
    return student


def write_notebook(notebook: dict, path: Path) -> None:
    """Write ``notebook`` to ``path`` atomically (a complete file or none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_student_notebooks(sources: Sequence[Path], out: Path) -> list[Path]:
    """Write the student edition of every source notebook into ``out``; return the paths.

    Every source is converted before anything is written, so a bad source leaves no file.
    """
    editions = []
    for source in map(Path, sources):
        try:
            notebook = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ExerciseFormatError(f"{source}: cannot read the notebook ({error})") from None
        editions.append((out / source.name, student_notebook(notebook, str(source))))
    for path, notebook in editions:
        write_notebook(notebook, path)
    return [path for path, _ in editions]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+", type=Path, help="instructor notebooks")
    parser.add_argument("--out", type=Path, default=Path("build/student"))
    args = parser.parse_args(argv)
    try:
        written = write_student_notebooks(args.sources, args.out)
    except ExerciseFormatError as error:
        print(f"make student: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
