"""Each notebook top to bottom in a fresh kernel: time in reference passes, peak memory.

Targets (a course server holds students by memory and CPU time, see README "Teaching a
class"), in reference passes (forward+backward of EfficientNet-Lite0, batch 4, 224 px, timed
in the same run) and GB (10^9 bytes) of the kernel's peak resident memory: each core notebook
(the lecture, 01-04) within 400 passes and 1.2 GB, each going-further notebook
(``NN_further_*``) within 800 passes and 1.5 GB; and notebook 1's first picture within 10 s of
the kernel's start (the model already converted, as ``make setup`` leaves it).
"""

from __future__ import annotations

from benchmarks.common import Result
from benchmarks.notebook_cost import NOTEBOOKS, measure_notebook, reference_pass_seconds

# (passes, bytes) for a core notebook and for a going-further one
CORE_BUDGET = (400, 1.2e9)
FURTHER_BUDGET = (800, 1.5e9)
FIRST_PICTURE_BUDGET = 10.0  # seconds


def run() -> list[Result]:
    # The reference pass is timed before and after the notebooks; the faster round counts
    # (a busy machine only slows it, which would flatter the notebooks).
    unit = reference_pass_seconds()
    costs = [measure_notebook(path) for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]
    unit = min(unit, reference_pass_seconds())
    results = []
    for cost in costs:
        pass_budget, memory_budget = FURTHER_BUDGET if "_further_" in cost.name else CORE_BUDGET
        passes = cost.seconds / unit
        slowest = ", ".join(f"cell {i}: {s:.0f} s" for i, s in cost.slowest_cells(3))
        results.append(Result(
            f"{cost.name}: top to bottom, in reference passes", passes, "passes",
            f"<= {pass_budget}", passes <= pass_budget,
            note=f"{cost.seconds:.0f} s; one pass {1000 * unit:.0f} ms; slowest {slowest}"))
        results.append(Result(
            f"{cost.name}: kernel peak memory", cost.peak_rss / 1e9, "GB",
            f"< {memory_budget / 1e9:.1f} GB", cost.peak_rss < memory_budget,
            note="the kernel process's VmHWM and RSS, read from /proc every 50 ms"))
    first = costs[0]
    if first.first_figure_seconds is not None:
        results.append(Result(
            f"{first.name}: kernel start to the first picture", first.first_figure_seconds, "s",
            f"< {FIRST_PICTURE_BUDGET:.0f} s", first.first_figure_seconds < FIRST_PICTURE_BUDGET,
            note="the model already converted (make setup)"))
    return results
