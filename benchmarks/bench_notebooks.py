"""Each notebook top to bottom in a fresh kernel: time in reference passes, peak memory.

Targets (a course server holds students by memory and CPU time, see README "Teaching a
class"): every notebook within the time of 1,000 forward+backward passes of EfficientNet-Lite0
(batch 4, 224 px) timed in the same run, its kernel's peak resident memory under 1.5 GB
(10^9 bytes), and notebook 1's first picture within 10 s of the kernel's start (the model
already converted, as ``make setup`` leaves it).
"""

from __future__ import annotations

from benchmarks.common import Result
from benchmarks.notebook_cost import NOTEBOOKS, measure_notebook, reference_pass_seconds

PASS_BUDGET = 1000
MEMORY_BUDGET = 1.5e9  # bytes
FIRST_PICTURE_BUDGET = 10.0  # seconds


def run() -> list[Result]:
    # The reference pass is timed before and after the notebooks; the faster round counts
    # (a busy machine only slows it, which would flatter the notebooks).
    unit = reference_pass_seconds()
    costs = [measure_notebook(path) for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]
    unit = min(unit, reference_pass_seconds())
    results = []
    for cost in costs:
        passes = cost.seconds / unit
        slowest = ", ".join(f"cell {i}: {s:.0f} s" for i, s in cost.slowest_cells(3))
        results.append(Result(
            f"{cost.name}: top to bottom, in reference passes", passes, "passes",
            f"<= {PASS_BUDGET}", passes <= PASS_BUDGET,
            note=f"{cost.seconds:.0f} s; one pass {1000 * unit:.0f} ms; slowest {slowest}"))
        results.append(Result(
            f"{cost.name}: kernel peak memory", cost.peak_rss / 1e9, "GB",
            f"< {MEMORY_BUDGET / 1e9:.1f} GB", cost.peak_rss < MEMORY_BUDGET,
            note="the kernel process's VmHWM and RSS, read from /proc every 50 ms"))
    first = costs[0]
    if first.first_figure_seconds is not None:
        results.append(Result(
            f"{first.name}: kernel start to the first picture", first.first_figure_seconds, "s",
            f"< {FIRST_PICTURE_BUDGET:.0f} s", first.first_figure_seconds < FIRST_PICTURE_BUDGET,
            note="the model already converted (make setup)"))
    return results
