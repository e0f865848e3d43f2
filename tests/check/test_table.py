"""The exercises' table (lecture_helpers/check/table.py): the one place an exercise's number,
title, notebook and slide are written, and what every checker reads from it."""

from __future__ import annotations


def test_every_checker_is_in_the_table_once_and_its_record_reads_its_row():
    """check/table.py is the one place an exercise's number (title, notebook, slide) is written."""
    import lecture_helpers as lh
    from lecture_helpers.check.table import ROWS, Row

    machinery = {"Case", "Exercise", "Feedback", "exercises", "run", "reference"}
    checkers = [name for name in lh.check.__all__ if name not in machinery]
    keys = [row.key for row in ROWS]
    assert sorted(keys) == sorted(checkers), "a checker without its row, or a row without checker"
    assert len(set(keys)) == len(keys), "an exercise listed twice"
    assert list(lh.check.exercises()) == keys  # the notebooks' order
    for row in ROWS:
        exercise = lh.check.exercise(row.key)
        assert Row(**{name: getattr(exercise, name) for name in Row._fields}) == row


def test_the_numbers_follow_the_notebooks():
    """Exercise n.1, n.2, ... of notebook n, in the table's order."""
    from lecture_helpers.check.table import ROWS

    for notebook in {row.notebook for row in ROWS}:
        numbers = [row.number for row in ROWS if row.notebook == notebook]
        major = int(notebook.split("_")[0])
        assert numbers == [f"{major}.{minor}" for minor in range(1, len(numbers) + 1)], notebook


def test_no_record_writes_its_own_number():
    """The records are built from the table (listed()), not by hand with a number of their own."""
    from pathlib import Path

    import lecture_helpers.check as check

    for path in Path(check.__file__).parent.glob("*.py"):
        if path.name != "table.py":
            assert "Exercise(" not in path.read_text(encoding="utf-8"), path.name


def test_every_checker_s_docstring_is_generated_from_its_row():
    """``help(lh.check.<key>)`` and ``help(lh.check)`` say what the table says."""
    import lecture_helpers as lh
    from lecture_helpers.check.table import ROWS, checker_doc

    for row in ROWS:
        checker = getattr(lh.check, row.key)
        assert checker.__name__ == row.key
        assert checker.__doc__ == checker_doc(row.key, getattr(lh.check.reference, row.key))
        first = checker.__doc__.split("\n")[0]
        assert first == f'Exercise {row.number}: ``{row.signature}``, "{row.title}".'
        assert f"Notebook {row.notebook}, slide '{row.slide}'." in checker.__doc__
        assert f"\n    {row.number}  {row.key} " in lh.check.__doc__
