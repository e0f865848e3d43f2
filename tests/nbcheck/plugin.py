"""A pytest plugin on top of nbval: notebook outputs compared by how stable they are.

``pytest --nbcheck notebooks/`` runs every notebook as ``--nbval`` does (same kernel handling,
sanitizer file, timeouts, stderr and error checks), with three changes to the comparison:

* printed text by :func:`tests.nbcheck.text.first_mismatch`: words and integers exactly, floats
  to one unit in their last digit (plus a cell's ``rtol``);
* every picture (an ``image/png``, or a figure's ``<img>`` in ``text/html``, which is how
  ``lh.setup_notebook`` shows figures: :func:`lecture_helpers.figures.figure_html`) by
  :func:`tests.nbcheck.pictures.compare`, which nbval skips; its alt text is not compared as
  text. A failure writes the committed picture, the new one and their difference to
  ``test-artifacts/nbcheck/``;
* a cell's ``nbcheck`` metadata (:mod:`tests.nbcheck.policy`) loosens its comparison, and
  must say why: a picture made by gradient ascent, or a printed number checked by its bound.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from nbval.plugin import IPyNbCell, IPyNbFile

from lecture_helpers.figures import output_png
from tests.nbcheck import pictures, policy, text

TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nbcheck", "notebook outputs compared by how stable they are")
    group.addoption(
        "--nbcheck", action="store_true",
        help="run .ipynb files like --nbval, comparing text with float tolerance and pictures",
    )
    group.addoption(
        "--nbcheck-artifacts", default="test-artifacts/nbcheck",
        help="where a failed picture comparison writes reference/new/difference PNGs",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.option.nbcheck and (config.option.nbval or config.option.nbval_lax):
        raise pytest.UsageError("--nbcheck runs the notebooks itself: leave out --nbval")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if parent.config.option.nbcheck and file_path.suffix == ".ipynb":
        return CheckedNotebook.from_parent(parent, path=file_path)
    return None


class CheckedNotebook(IPyNbFile):
    """nbval's notebook collector, yielding :class:`CheckedCell` items."""

    def collect(self):
        for cell in super().collect():
            yield CheckedCell.from_parent(
                self, name=cell.name, cell_num=cell.cell_num, cell=cell.cell, options=cell.options
            )


def _text_slots(outputs: list) -> dict[str, list[tuple[dict, str]]]:
    """Every text value of a cell's outputs, by key (stream name or MIME type), in order."""
    slots: dict[str, list[tuple[dict, str]]] = {}
    for output in outputs:
        if output.get("output_type") == "stream":
            slots.setdefault(output["name"], []).append((output, "text"))
        for mime in TEXT_MIMES:
            if mime in output.get("data", {}):
                slots.setdefault(mime, []).append((output["data"], mime))
    return slots


def _pngs(outputs: list) -> list[str]:
    return [png for png in map(output_png, outputs) if png is not None]


def _figures_as_png(outputs: list) -> list:
    """The outputs, each figure's <img> (text/html) turned into an image/png: a picture,
    compared as one, not as text."""
    converted = []
    for output in outputs:
        png = output_png(output)
        if png is not None and "image/png" not in output.get("data", {}):
            output = copy.deepcopy(output)
            del output["data"]["text/html"]
            output["data"]["image/png"] = png
        converted.append(output)
    return converted


class CheckedCell(IPyNbCell):
    """One code cell: nbval's execution, nbcheck's comparison."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            self.policy, self.policy_error = policy.of_cell(self.cell), None
        except policy.PolicyError as error:
            self.policy, self.policy_error = policy.CellPolicy(), str(error)

    def compare_outputs(self, test, ref, skip_compare=None) -> bool:
        if self.policy_error:
            self.comparison_traceback = [f"nbcheck: {self.policy_error}"]
            return False
        if self.policy.ignore:
            return True
        test, ref = copy.deepcopy(_figures_as_png(test)), _figures_as_png(ref)
        reasons, broken = self._adopt_agreeing_text(test, ref)
        text_ok = super().compare_outputs(test, ref, skip_compare)  # resets the traceback
        if not text_ok:
            self.comparison_traceback.extend(f"nbcheck: {reason}" for reason in reasons)
        self.comparison_traceback.extend(f"nbcheck: {problem}" for problem in broken)
        return self._compare_pictures(test, ref) and text_ok and not broken

    def _adopt_agreeing_text(self, test: list, ref: list) -> tuple[list[str], list[str]]:
        """Give each new text that says what the committed one says the committed value, so
        that nbval's exact comparison passes it. Returns why the others disagree, and every
        bounded number outside its bound (or bound that labels no printed number)."""
        reasons, broken = [], []
        test_slots, ref_slots = _text_slots(test), _text_slots(ref)
        bounds = self.policy.bounds
        if bounds:
            printed = [
                self.sanitize(_joined(h[k])) for values in ref_slots.values() for h, k in values
            ]
            broken.extend(
                f"bound {label!r} labels no printed number"
                for label in text.unmatched_bounds(printed, bounds)
            )
        for key, ref_values in ref_slots.items():
            test_values = test_slots.get(key, [])
            if len(test_values) != len(ref_values):
                continue  # nbval reports the different count
            for (test_holder, test_key), (ref_holder, ref_key) in zip(
                test_values, ref_values, strict=True
            ):
                old, new = ref_holder[ref_key], test_holder[test_key]
                old_text, new_text, problems = text.apply_bounds(
                    self.sanitize(_joined(old)), self.sanitize(_joined(new)), bounds
                )
                broken.extend(problems)
                mismatch = text.first_mismatch(old_text, new_text, self.policy.rtol)
                if mismatch is None:
                    test_holder[test_key] = old
                else:
                    reasons.append(f"{key}: {mismatch}")
        return reasons, broken

    def _compare_pictures(self, test: list, ref: list) -> bool:
        ref_pngs, test_pngs = _pngs(ref), _pngs(test)
        if len(ref_pngs) != len(test_pngs):
            self.comparison_traceback.append(
                f"nbcheck: the cell drew {len(test_pngs)} picture(s), committed {len(ref_pngs)}"
            )
            return False
        ok = True
        folder = Path(self.config.rootpath) / self.config.option.nbcheck_artifacts
        for k, (ref_png, test_png) in enumerate(zip(ref_pngs, test_pngs, strict=True)):
            reference, new = pictures.decode_png(ref_png), pictures.decode_png(test_png)
            verdict = pictures.compare(reference, new, self.policy.pictures)
            if verdict.ok:
                continue
            ok = False
            stem = f"{Path(self.fspath).stem}-cell{self.cell_num:02d}-{k}"
            saved = pictures.write_artifacts(folder, stem, reference, new)
            self.comparison_traceback.append(
                f"nbcheck: picture {k}: {verdict}\n  see {saved[0].parent}/{stem}-*.png"
            )
        return ok


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else value
