"""nbcheck on the real notebooks: a change that alters only a picture fails the notebook check.

Each case runs some cells of a committed notebook under ``pytest --nbcheck`` (the setup cell,
what the picture needs, the picture), with one helper changed right after the setup cell. It
expects exactly the cells whose pictures that change alters to fail, by their pictures (their
text still matches), with the reference, the new picture and their difference written for a
maintainer. ``make test-cpu`` shows the other side: the untouched notebooks pass as another CPU
runs them (another oneDNN code path, every gradient ascent perturbed and from another seed).
"""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest

from tests.notebook_files import NOTEBOOK_DIR, ROOT

# name: (notebook, code cells to run (the setup cell, what the picture needs, the picture),
#        change, code cells whose pictures it alters)
PICTURE_ONLY_CHANGES = {
    "reversed colormap": (
        "01_channels.ipynb", [0, 1, 3, 8, 9, 16],
        "import matplotlib\n"
        "lh.activations._grid_cmap = lambda cmap: matplotlib.colormaps[cmap + '_r']"
        ".with_extremes(under='white')",
        [16],
    ),
    "inverted channel normalization": (
        "01_channels.ipynb", [0, 1, 3, 8, 9, 16],
        "_normalize = lh.activations.normalize_channels\n"
        "lh.activations.normalize_channels = lambda *a, **k: 1.0 - _normalize(*a, **k)",
        [16],
    ),
    "BGR kernels": (
        "02_filters.ipynb", [0, 1, 2, 3, 4],
        "_patches = lh.filters.kernel_patches\n"
        "lh.filters.kernel_patches = lambda *a, **k: _patches(*a, **k)[..., ::-1]",
        [2, 4],
    ),
    "transposed colour-decorrelation matrix": (
        "02_filters.ipynb", [0, 1, 14],
        "lh.optimize.param._COLOR_MIX = lh.optimize.param._COLOR_MIX.T.copy()",
        [14],
    ),
}


def _cells_with_change(notebook: str, cells: list[int], change: str, folder):
    """The notebook's code cells ``cells`` (with their committed outputs), and the change as
    an unrun cell after the setup cell (nbval runs it without comparing)."""
    nb = nbformat.read(NOTEBOOK_DIR / notebook, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    nb.cells = [code[i] for i in cells]
    nb.cells.insert(1, nbformat.v4.new_code_cell("# the change under test\n" + change))
    path = folder / notebook
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("name", PICTURE_ONLY_CHANGES)
def test_a_picture_only_change_fails_the_notebook_check(name, tmp_path):
    notebook, cells, change, altered = PICTURE_ONLY_CHANGES[name]
    path = _cells_with_change(notebook, cells, change, tmp_path)
    artifacts = tmp_path / "artifacts"
    run = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), str(path),
            "-p", "tests.nbcheck.plugin", "--nbcheck", "--nbval-current-env",
            "--nbval-sanitize-with", str(NOTEBOOK_DIR / "sanitize.cfg"),
            "--nbcheck-artifacts", str(artifacts), "-q", "-rf", "--color=no",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    report = run.stdout + run.stderr
    # nbval numbers the cells it runs, the inserted one (number 1) included.
    failed = sorted(int(n) for n in re.findall(r"FAILED \S*::Cell (\d+)", report))
    expected = [cells.index(cell) + 1 for cell in altered]
    assert failed == expected, report[-3000:]
    summary = f"{len(expected)} failed, {len(cells) + 1 - len(expected)} passed"
    assert summary in report, report[-2000:]
    assert "nbcheck: picture" in report and "Cell outputs differ" in report
    assert "mismatch" not in report and "different text" not in report, report[-3000:]
    for cell in expected:
        saved = sorted(p.name for p in artifacts.glob(f"*-cell{cell:02d}-*.png"))
        assert any(p.endswith("-reference.png") for p in saved), saved
        assert any(p.endswith("-new.png") for p in saved), saved
        assert any(p.endswith("-difference.png") for p in saved), saved
