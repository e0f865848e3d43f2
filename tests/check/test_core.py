"""The checker machinery of lh.check (lecture_helpers/check/_core.py), on a toy exercise."""

from __future__ import annotations

import numpy as np

from lecture_helpers.check import _core
from lecture_helpers.check._core import Case, Exercise


def _double(values):
    return np.asarray(values) * 2


def _compare(case, got, expected):
    got = np.asarray(got)
    if got.shape != expected.shape:
        return f"shape {got.shape}, expected {expected.shape}"
    if np.allclose(got, expected / 2):
        return "you returned the input unchanged: multiply it by 2"
    if not np.allclose(got, expected):
        return "wrong values"
    return None


def _explain(error, case):
    return "pass an array, not a list" if isinstance(error, TypeError) else None


TOY = Exercise(
    key="double", number="9.1", notebook="99_toy", title="Double it", slide="A toy slide",
    signature="double(values)", reference=_double,
    cases=lambda: [Case("three numbers", (np.array([1.0, 2.0, 3.0]),)),
                   Case("a 2x2 array", (np.array([[1.0, -1.0], [0.5, 4.0]]),))],
    compare=_compare, explain=_explain,
)


def test_reference_passes_on_every_case():
    feedback = _core.run(TOY, _double)
    assert feedback.passed and feedback.cases == 2
    assert str(feedback) == "✓ Exercise 9.1, double: correct on all 2 cases."


def test_untouched_stub_reads_as_not_done_and_names_the_slide():
    def double(values):
        raise NotImplementedError(TOY.stub_message)

    feedback = _core.run(TOY, double)
    assert feedback.status == "not done"
    assert "not written yet" in str(feedback) and "'A toy slide'" in str(feedback)
    assert "the notebook uses lh.check.reference.double" in str(feedback)


def test_named_mistake_with_its_case():
    feedback = _core.run(TOY, lambda values: values)
    assert feedback.status == "wrong" and feedback.case == "three numbers"
    assert "you returned the input unchanged: multiply it by 2 (case: three numbers)" in str(
        feedback
    )


def test_mistake_on_a_later_case_names_that_case():
    def double(values):
        return values * 2 if values.ndim == 1 else values.ravel() * 2

    feedback = _core.run(TOY, double)
    assert feedback.case == "a 2x2 array" and "shape (4,), expected (2, 2)" in feedback.message


def test_error_names_its_type_line_and_hint():
    def double(values):
        values = list(values)
        return values * 2.0  # TypeError: can't multiply a list by a float

    feedback = _core.run(TOY, double)
    assert feedback.status == "wrong"
    assert feedback.message.startswith("raised TypeError at line ")
    assert "of double" in feedback.message and "pass an array, not a list" in feedback.message


def test_not_a_function():
    feedback = _core.run(TOY, 42)
    assert feedback.status == "wrong"
    assert "double is a int, not a function: define it with def double(values):" in str(feedback)


def test_the_case_inputs_are_not_changed_by_the_students_function():
    def double(values):
        values *= 2  # in place: would corrupt the case for the reference
        return values

    assert _core.run(TOY, double).passed
    assert _core.run(TOY, _double).passed


def test_message_is_coloured_html_with_a_text_fallback():
    passed, wrong = _core.run(TOY, _double), _core.run(TOY, lambda v: v)
    assert "#2e7d32" in passed._repr_html_() and "lh-check-passed" in passed._repr_html_()
    assert "#c62828" in wrong._repr_html_() and "lh-check-wrong" in wrong._repr_html_()
    bundle = wrong.mime_bundle()
    assert set(bundle) == {"text/plain", "text/html"} and bundle["text/plain"] == str(wrong)
    assert "&lt;" not in passed._repr_html_()  # nothing escaped by accident
    html = _core.run(TOY, lambda v: "<b>").mime_bundle()["text/html"]
    assert "<b>" not in html.split("</div>")[0].split(">", 1)[1]  # student text is escaped


def test_check_returns_the_students_function_or_the_reference(capsys):
    def mine(values):
        return np.asarray(values) * 2

    assert _core.check(TOY, mine) is mine
    assert _core.check(TOY, lambda v: v) is _double
    printed = capsys.readouterr().out  # outside IPython the message is printed
    assert "✓ Exercise 9.1" in printed and "✗ Exercise 9.1" in printed


def test_under_the_autograder_a_failed_check_scores_0_and_the_notebook_goes_on(
    monkeypatch, capsys
):
    """No exception: the reference goes on, the hint is printed once, stderr zeroes the cell."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert _core.check(TOY, lambda v: v) is _double
    out, err = capsys.readouterr()
    assert out.count("multiply it by 2") == 1 and "multiply it by 2" not in err
    assert "scores 0 points" in out and "Until it passes" not in out
    assert err == "Exercise 9.1: 0 points (the message above says why).\n"
    assert _core.check(TOY, lambda v: (_ for _ in ()).throw(NotImplementedError())) is _double
    out, err = capsys.readouterr()
    assert "not written yet" in out and err.startswith("Exercise 9.1: 0 points")
    assert _core.check(TOY, _double) is _double
    out, err = capsys.readouterr()
    assert "correct on all" in out and err == ""
    monkeypatch.delenv("NBGRADER_EXECUTION")
    _core.check(TOY, lambda v: v)
    out, err = capsys.readouterr()  # in JupyterLab: the message a student always read
    assert "Until it passes, the notebook uses lh.check.reference.double" in out and err == ""
