"""Shared timing utilities for the benchmarks."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    """One measured figure and its target.

    ``ratio`` is ``value / reference`` when there is a reference (lower is better for
    times); ``ok`` says whether ``target`` holds.
    """

    name: str
    value: float
    unit: str
    target: str
    ok: bool
    reference: float | None = None
    ratio: float | None = None
    note: str = ""

    def line(self) -> str:
        text = f"  {self.name}: {self.value:.4g} {self.unit}"
        if self.reference is not None:
            text += f" (reference {self.reference:.4g} {self.unit}, ratio {self.ratio:.3g})"
        text += f"  target {self.target}: {'OK' if self.ok else 'MISSED'}"
        return text + (f"  [{self.note}]" if self.note else "")


def best_time(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Best wall time of ``fn()`` in seconds over ``repeat`` runs, after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved_best(fns: dict, rounds: int = 5, repeat: int = 5) -> dict[str, float]:
    """Best time of each function, measured in alternating rounds (fair on a busy machine)."""
    best = {name: math.inf for name in fns}
    for fn in fns.values():
        fn()
        fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            best[name] = min(best[name], best_time(fn, repeat=repeat, warmup=0))
    return best


def machine_description() -> str:
    return f"{os.cpu_count()} cores, {os.uname().machine}"
