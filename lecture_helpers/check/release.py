"""nbgrader's release with the student edition's figures (``course/nbgrader_config.py``).

nbgrader's ``generate_assignment`` clears every output, so a released notebook has no figure
until the student runs each cell.  :class:`StudentEdition` takes the place of its
``ClearSolutions`` and ``ClearOutput`` steps and writes what ``make student`` writes: each
solution becomes a stub naming its exercise and slide, each checker cell shows "not done", and
every other cell keeps its committed outputs.  Checksums, locked cells and the gradebook are
nbgrader's own steps, unchanged, so autograding works as with nbgrader's default release.
"""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode, from_dict
from nbgrader.preprocessors import ClearOutput, ClearSolutions, NbGraderPreprocessor

from .student import student_notebook


class StudentEdition(NbGraderPreprocessor):
    """The student edition of one instructor notebook, as ``make student`` writes it."""

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        name = resources.get("metadata", {}).get("name", "notebook")
        return from_dict(student_notebook(nb, f"{name}.ipynb")), resources


def release_preprocessors(defaults: list[type]) -> list[type]:
    """nbgrader's release steps with :class:`StudentEdition` for clearing solutions and outputs.

    ``defaults`` is ``GenerateAssignment.preprocessors``' default list, read from the installed
    nbgrader, so its other steps (and their order) stay as that version has them.
    """
    if ClearSolutions not in defaults or ClearOutput not in defaults:
        raise ValueError(
            "this nbgrader's release has no ClearSolutions or ClearOutput step to replace; "
            "remove GenerateAssignment.preprocessors from course/nbgrader_config.py to release "
            "with nbgrader's defaults (outputs cleared)"
        )
    steps = [StudentEdition if step is ClearSolutions else step for step in defaults]
    return [step for step in steps if step is not ClearOutput]
