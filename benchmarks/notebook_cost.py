"""What a notebook costs a machine: wall time in reference passes, and the kernel's peak memory.

A notebook's time is counted in forward+backward passes of EfficientNet-Lite0 (batch 4, 224 px,
the gradient with respect to the input, as every notebook takes it), timed on the same machine in
the same run: absolute times vary about 3x between 2-core machines, the ratio much less. The
kernel's memory is read from outside, from ``/proc/<pid>`` of the kernel process: its resident
set sampled every 50 ms and the kernel's own high-water mark (``VmHWM``) after every cell.

``python -m benchmarks.notebook_cost notebooks/01_channels.ipynb`` prints one notebook's figures.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
REFERENCE_BATCH = 4
REFERENCE_SIZE = 224


def reference_pass_seconds(passes: int = 30, rounds: int = 3) -> float:
    """Median seconds of one forward+backward pass of EfficientNet-Lite0 (batch 4, 224 px).

    The gradient is taken with respect to the input batch, as the notebooks take it, through a
    ``tf.function`` built once. The median of ``rounds`` rounds, each the mean of ``passes``.
    """
    import numpy as np
    import tensorflow as tf

    import lecture_helpers as lh

    model = lh.load_model("efficientnet_lite0").score_model
    batch = tf.constant(np.random.default_rng(0).uniform(
        0, 255, (REFERENCE_BATCH, REFERENCE_SIZE, REFERENCE_SIZE, 3)).astype(np.float32))

    @tf.function
    def forward_backward(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            score = tf.reduce_sum(model(x, training=False)[:, 130])
        return tape.gradient(score, x)

    for _ in range(3):
        forward_backward(batch).numpy()
    means = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(passes):
            out = forward_backward(batch)
        out.numpy()
        means.append((time.perf_counter() - start) / passes)
    return statistics.median(means)


def _rss_bytes(pid: int) -> tuple[int, int]:
    """(current resident set, high-water mark) of a process, in bytes, from /proc."""
    rss = hwm = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    return rss, hwm


@dataclass
class NotebookCost:
    """One notebook run top to bottom in a fresh kernel."""

    name: str
    seconds: float  # kernel start to the last cell's reply
    peak_rss: int  # bytes: the kernel's high-water mark
    first_figure_seconds: float | None  # kernel start to the first cell that shows a picture
    cell_seconds: list[tuple[int, float]] = field(default_factory=list)  # (index, seconds)
    cell_peaks: list[tuple[int, int]] = field(default_factory=list)  # (index, peak so far)

    def slowest_cells(self, n: int = 5) -> list[tuple[int, float]]:
        return sorted(self.cell_seconds, key=lambda item: -item[1])[:n]


class _Sampler(threading.Thread):
    """Samples one process's memory every ``interval`` seconds until stopped."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.read()
            self._stop_event.wait(self.interval)

    def read(self) -> None:
        try:
            self.peak = max(self.peak, *_rss_bytes(self.pid))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _shows_picture(cell) -> bool:
    from lecture_helpers.figures import output_png

    return any(output_png(out) is not None for out in cell.get("outputs", []))


def measure_notebook(path: Path, timeout: int = 1800) -> NotebookCost:
    """Execute ``path`` top to bottom in a fresh kernel (in its folder) and measure it."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    state: dict = {"sampler": None, "first": None, "last": None, "cells": [], "peaks": []}
    start = time.perf_counter()

    def on_start(notebook):
        state["sampler"] = _Sampler(client.km.provisioner.process.pid)
        state["sampler"].start()
        state["last"] = time.perf_counter()

    def on_cell_executed(cell, cell_index, execute_reply):
        now = time.perf_counter()
        state["cells"].append((cell_index, now - state["last"]))
        state["last"] = now
        state["sampler"].read()
        state["peaks"].append((cell_index, state["sampler"].peak))
        if state["first"] is None and _shows_picture(cell):
            state["first"] = now - start

    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        on_notebook_start=on_start, on_cell_executed=on_cell_executed,
    )
    try:
        client.execute()
    finally:
        if state["sampler"] is not None:
            state["sampler"].stop()
    return NotebookCost(path.stem, state["last"] - start, state["sampler"].peak,
                        state["first"], state["cells"], state["peaks"])


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    unit = reference_pass_seconds()
    print(f"reference pass (EfficientNet-Lite0, batch 4, 224 px, forward+backward): "
          f"{1000 * unit:.1f} ms")
    for path in paths:
        cost = measure_notebook(path)
        first = "" if cost.first_figure_seconds is None else \
            f", first picture at {cost.first_figure_seconds:.1f} s"
        print(f"{cost.name}: {cost.seconds:.0f} s = {cost.seconds / unit:.0f} passes, "
              f"peak {cost.peak_rss / 2**30:.2f} GiB{first}")
        print("  slowest cells:", ", ".join(f"[{i}] {s:.0f} s" for i, s in cost.slowest_cells()))
        print("  peak after cell:", ", ".join(f"[{i}] {m / 2**30:.2f}" for i, m in cost.cell_peaks))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
