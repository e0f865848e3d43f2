"""The checker machinery: cases, one exercise's run, and the feedback a student reads.

An :class:`Exercise` knows its reference solution, its cases and how to compare a result with
the reference's.  :func:`run` calls the student's function on every case and stops at the
first difference, which the exercise's ``compare`` names in the student's terms
("rows and columns swapped: tile 1 shows channel 16").  :func:`check` shows that as a short
coloured message and returns the function the rest of the notebook should use: the
student's when it passed, else the reference (and the message says so).

Under nbgrader's autograder or validator (``NBGRADER_EXECUTION`` is set) the same happens, and
a failed check also writes one line to standard error: nbgrader scores a test cell with any
standard-error output 0 (``nbgrader.utils.determine_grade``).  Nothing raises, so the feedback
shows the hint once, with no traceback, and the later cells run with the reference as they do
in JupyterLab: one mistake costs one exercise's points.
"""

from __future__ import annotations

import html
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Case", "Exercise", "Feedback", "check", "run"]

PASSED, NOT_DONE, WRONG = "passed", "not done", "wrong"

# Colours of the message: (border, background, text), legible in light and dark themes.
_STYLE = {
    PASSED: ("#2e7d32", "#e8f5e9", "#1b3a1d"),
    NOT_DONE: ("#ef6c00", "#fff3e0", "#3e2200"),
    WRONG: ("#c62828", "#ffebee", "#3d0d0d"),
}
_MARK = {PASSED: "✓", NOT_DONE: "✎", WRONG: "✗"}


@dataclass(frozen=True)
class Case:
    """One input to try: ``name`` is what the student reads ("10 channels in 4 columns")."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)  # anything the comparison needs to name a mistake


def fresh(value: Any) -> Any:
    """A copy the student's function may change without changing the case (arrays, variables)."""
    import tensorflow as tf

    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tf.Variable):
        return tf.Variable(value.numpy(), dtype=value.dtype)
    if isinstance(value, list):
        return [fresh(v) for v in value]
    if isinstance(value, tuple):
        return tuple(fresh(v) for v in value)
    if isinstance(value, dict):
        return {k: fresh(v) for k, v in value.items()}
    return value


def call(function: Callable, case: Case) -> Any:
    """The default observation: the function's result on fresh copies of the case's inputs."""
    return function(*fresh(case.args), **fresh(case.kwargs))


@dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook, and how to check it.

    ``compare(case, got, expected)`` returns ``None`` when ``got`` is right, else one sentence
    naming the mistake.  ``observe(function, case)`` runs a function on a case (default: call
    it); the reference goes through the same observation.  ``explain(error, case)`` turns an
    exception the student's code raised into a hint, or returns ``None``.
    """

    key: str  # the function's name, the checker's name and the nbgrader grade_id
    # What the student reads; for the course's exercises, their row of table.py (listed()).
    number: str  # "<notebook>.<exercise>"
    notebook: str  # the notebook's file name without .ipynb
    title: str
    slide: str  # the slide the exercise comes from
    signature: str  # the function to write, with its arguments
    reference: Callable
    cases: Callable[[], Sequence[Case]]
    compare: Callable[[Case, Any, Any], str | None]
    observe: Callable[[Callable, Case], Any] = call
    explain: Callable[[BaseException, Case], str | None] | None = None

    @property
    def reference_name(self) -> str:
        return f"lh.check.reference.{self.key}"

    @property
    def stub_message(self) -> str:
        """What the student notebook's stub raises: the exercise and its slide."""
        return f"Exercise {self.number}: write {self.key} (slide '{self.slide}')"


@dataclass(frozen=True)
class Feedback:
    """The outcome of one check, shown as a short coloured message in a notebook."""

    exercise: Exercise
    status: str  # "passed", "not done" or "wrong"
    message: str  # one or two sentences, in the student's terms
    case: str = ""  # the case it failed on
    cases: int = 0  # how many cases were run

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def _lines(self) -> tuple[str, str]:
        ex = self.exercise
        head = f"{_MARK[self.status]} Exercise {ex.number}, {ex.key}: "
        if self.passed:
            return head + f"correct on all {self.cases} cases.", ""
        detail = self.message + (f" (case: {self.case})" if self.case else "")
        if grading():
            return head + detail, (
                f"This exercise scores 0 points; the rest of the notebook ran with "
                f"{ex.reference_name}."
            )
        return head + detail, f"Until it passes, the notebook uses {ex.reference_name}."

    def __str__(self) -> str:
        first, second = self._lines()
        return first + (f"\n  {second}" if second else "")

    __repr__ = __str__

    def _repr_html_(self) -> str:
        border, background, ink = _STYLE[self.status]
        first, second = (html.escape(line) for line in self._lines())
        tail = f"<br><span style='opacity:0.8'>{second}</span>" if second else ""
        return (
            f"<div class='lh-check lh-check-{self.status.replace(' ', '-')}' style='"
            f"border-left:6px solid {border};background:{background};color:{ink};"
            f"padding:6px 10px;margin:2px 0;font-family:sans-serif;font-size:14px'>"
            f"{first}{tail}</div>"
        )

    def mime_bundle(self) -> dict[str, str]:
        """What ``display(feedback)`` writes into the notebook."""
        return {"text/plain": str(self), "text/html": self._repr_html_()}

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return self.mime_bundle()


def _library(filename: str) -> bool:
    """A frame of the helpers, of an installed package or of Python itself, not the student's."""
    return any(part in filename for part in ("lecture_helpers", "site-packages", "/lib/python"))


def _student_frame(error: BaseException) -> str:
    """Where in the student's code the error happened ("line 4 of channel_grid"), if known."""
    frames = traceback.extract_tb(error.__traceback__)
    frames = [f for f in frames if not _library(f.filename)]
    if not frames:
        return ""
    frame = frames[-1]
    return f" at line {frame.lineno} of {frame.name}" if frame.name != "<module>" else ""


def run(exercise: Exercise, function: Any) -> Feedback:
    """Check ``function`` against the exercise's reference on every case (no display)."""
    if not callable(function):
        return Feedback(
            exercise, WRONG,
            f"{exercise.key} is a {type(function).__name__}, not a function: "
            f"define it with def {exercise.signature}:",
        )
    cases = list(exercise.cases())
    for number, case in enumerate(cases):
        try:
            got = exercise.observe(function, case)
        except NotImplementedError:
            if number == 0:
                return Feedback(
                    exercise, NOT_DONE,
                    f"not written yet (it raises NotImplementedError). Write it in the cell "
                    f"above (slide '{exercise.slide}'), run that cell, then this one.",
                )
            return Feedback(
                exercise, WRONG, "raises NotImplementedError for some inputs", case.name, number
            )
        except Exception as error:  # the student's code failed: name it, hint if known
            hint = exercise.explain(error, case) if exercise.explain else None
            where = _student_frame(error)
            text = f"raised {type(error).__name__}{where}: {_short(error)}"
            if hint:
                text = text.rstrip(".…") + f". {hint}"
            return Feedback(exercise, WRONG, text, case.name, number)
        expected = exercise.observe(exercise.reference, case)
        mistake = exercise.compare(case, got, expected)
        if mistake:
            return Feedback(exercise, WRONG, mistake, case.name, number)
    return Feedback(exercise, PASSED, "", "", len(cases))


def _short(error: BaseException, limit: int = 160) -> str:
    text = " ".join(str(error).split()) or "(no message)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def grading() -> bool:
    """True under nbgrader's autograder or validator, where a failed check must score 0."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def show(feedback: Feedback) -> None:
    """Display the feedback in a notebook (coloured), or print it elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with the notebooks' stack
        print(feedback)
        return
    if get_ipython() is None:
        print(feedback)
    else:
        display(feedback)


def check(exercise: Exercise, function: Any) -> Callable:
    """Run the check, show the message, and return the function to go on with.

    The student's function when it passed, else the reference.  Under nbgrader's autograder a
    failed check also writes one line to standard error, which makes nbgrader score the cell 0.
    """
    feedback = run(exercise, function)
    show(feedback)
    if feedback.passed:
        return function
    if grading():
        print(f"Exercise {exercise.number}: 0 points (the message above says why).",
              file=sys.stderr, flush=True)
    return exercise.reference
