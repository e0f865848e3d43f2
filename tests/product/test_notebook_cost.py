"""benchmarks/notebook_cost.py: a notebook's kernel memory and first picture, read from outside."""

from __future__ import annotations

import nbformat

from benchmarks.notebook_cost import measure_notebook


def test_measures_the_kernel_peak_and_the_first_picture(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("block = b'\\x01' * (400 * 2**20)  # 400 MiB, written\n"
                                  "del block"),
        nbformat.v4.new_code_cell("print('no picture yet')"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt\n"
                                  "plt.plot([0, 1]); plt.show()"),
    ]
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    cost = measure_notebook(path, timeout=120)
    # The 400 MiB block is freed within its cell: only the high-water mark still sees it.
    assert 400 * 2**20 < cost.peak_rss < 2 * 2**30, cost.peak_rss
    assert [index for index, _ in cost.cell_seconds] == [0, 1, 2]
    assert [index for index, _ in cost.cell_peaks] == [0, 1, 2]
    assert cost.cell_peaks[0][1] > 400 * 2**20
    assert cost.first_figure_seconds is not None
    assert 0 < cost.first_figure_seconds <= cost.seconds
    assert sum(seconds for _, seconds in cost.cell_seconds) <= cost.seconds
