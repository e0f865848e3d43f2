"""Run every benchmark module (``bench_*.py``) and print one table.

Each module defines ``run() -> list[Result]``. Each result compares our
implementation with a reference doing the same work (usually the lecture's way)
or with a target, and says whether the target is met.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
from pathlib import Path

from benchmarks.common import Result, machine_description


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    results: list[Result] = []
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        for result in module.run():
            print(result.line(), flush=True)
            results.append(result)
    print(f"\nmachine: {machine_description()}; python {platform.python_version()}")
    failed = [r for r in results if not r.ok]
    out = here.parent / "build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    print(f"{len(results) - len(failed)} targets met, {len(failed)} missed; details in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
