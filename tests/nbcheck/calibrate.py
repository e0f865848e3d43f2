"""Calibrate nbcheck's tolerances: how far do a notebook's outputs move on another run?

A maintainer's tool, for after a notebook or a bound changed. It executes a notebook the way
another CPU would run it (``--perturb``, ``--seed-shift``, ``--isa``: see
:mod:`lecture_helpers.perturbation`), keeps the executed copy, and prints for every code cell
what nbcheck would measure against the committed outputs: each picture's measures in both
modes, and each printed line that no longer matches (bounded numbers shown with their bound)::

    python -m tests.nbcheck.calibrate notebooks/03_class_neurons.ipynb --seed-shift 1
    python -m tests.nbcheck.calibrate notebooks/03_class_neurons.ipynb \
        --compare build/calibration/03_class_neurons-p1e-5-shift1.ipynb

The lowest measures over several runs are what the bounds in :mod:`tests.nbcheck.pictures`
must stay below, with a margin.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import nbformat

from lecture_helpers.figures import output_png
from tests.nbcheck import pictures, policy, text
from tests.nbcheck.plugin import TEXT_MIMES
from tests.nbcheck.text import apply_bounds, bounded_numbers

ROOT = Path(__file__).resolve().parents[2]


def execute(notebook: Path, out: Path, env: dict[str, str]) -> Path:
    """Run ``notebook`` top to bottom in a fresh kernel with ``env`` added; write it to ``out``."""
    import nbclient

    os.environ.update(env)  # the kernel inherits this process's environment
    nb = nbformat.read(notebook, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=1800, kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    client.execute()
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return out


def _texts(outputs: list) -> list[str]:
    """Each stream's whole text (however the kernel chunked it), then each rich text output."""
    streams: dict[str, str] = {}
    found = []
    for output in outputs:
        if output.get("output_type") == "stream":
            streams[output["name"]] = streams.get(output["name"], "") + "".join(output["text"])
        for mime in TEXT_MIMES:
            if mime in output.get("data", {}) and mime != "text/html":
                value = output["data"][mime]
                found.append("".join(value) if isinstance(value, list) else value)
    return [*streams.values(), *found]


def read_sanitizer(path: Path):
    """The sanitizer file's regex/replace pairs as one function (nbval's format)."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    pairs, pattern = [], None
    for line in lines:
        if line.startswith("regex:"):
            pattern = line[len("regex:"):].strip()
        elif line.startswith("replace:") and pattern is not None:
            pairs.append((re.compile(pattern), line[len("replace:"):].strip()))
            pattern = None

    def sanitize(value: str) -> str:
        for regex, replacement in pairs:
            value = regex.sub(replacement, value)
        return value

    return sanitize


def compare(committed: Path, executed: Path) -> list[str]:
    """One report line per code cell whose outputs nbcheck measures."""
    sanitize = read_sanitizer(ROOT / "notebooks" / "sanitize.cfg")
    old = [c for c in nbformat.read(committed, as_version=4).cells if c.cell_type == "code"]
    new = [c for c in nbformat.read(executed, as_version=4).cells if c.cell_type == "code"]
    lines = []
    for number, (ref, run) in enumerate(zip(old, new, strict=True), start=1):
        cell_policy = policy.from_metadata(ref.metadata)
        if cell_policy.ignore:
            continue
        report = []
        for k, (a, b) in enumerate(zip(_pngs(ref), _pngs(run), strict=False)):
            ref_img, new_img = pictures.decode_png(a), pictures.decode_png(b)
            verdicts = [pictures.compare(ref_img, new_img, mode) for mode in pictures.MODES]
            chosen = next(v for v in verdicts if v.mode == cell_policy.pictures)
            shown = "; ".join(str(v) for v in verdicts)
            verdict = "ok" if chosen.ok else "FAILS"
            report.append(f"  picture {k} [{verdict} as {chosen.mode}]: {shown}")
        for a, b in zip(_texts(ref.outputs), _texts(run.outputs), strict=False):
            a, b = sanitize(a), sanitize(b)
            a, b, broken = apply_bounds(a, b, cell_policy.bounds)
            for problem in broken:
                report.append(f"  bound FAILS: {problem}")
            for line_a, line_b in zip(a.splitlines(), b.splitlines(), strict=False):
                mismatch = text.first_mismatch(line_a, line_b, cell_policy.rtol)
                if mismatch is not None:
                    report.append(f"  text FAILS: {mismatch}")
        for found in _bounded_values(run, cell_policy.bounds):
            report.append(f"  bounded: {found}")
        if report:
            lines.append(f"code cell {number}:")
            lines.extend(report)
    return lines


def _pngs(cell) -> list[str]:
    return [png for png in map(output_png, cell.outputs) if png is not None]


def _bounded_values(cell, bounds: dict) -> list[str]:
    found = []
    for value in _texts(cell.outputs):
        for label, number, bound in bounded_numbers(value, bounds):
            found.append(f"{label} = {number} (bound {bound})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--perturb", default="1e-5", help="relative size (0: off)")
    parser.add_argument("--seed-shift", type=int, default=0)
    parser.add_argument("--isa", default="", help="ONEDNN_MAX_CPU_ISA, e.g. SSE41 or AVX2")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "calibration")
    parser.add_argument("--compare", type=Path, help="an executed copy: compare only")
    args = parser.parse_args(argv)
    executed = args.compare
    if executed is None:
        env = {"LECTURE_HELPERS_PERTURB": args.perturb,
               "LECTURE_HELPERS_SEED_SHIFT": str(args.seed_shift)}
        if args.isa:
            env["ONEDNN_MAX_CPU_ISA"] = args.isa
        tag = f"p{args.perturb}-shift{args.seed_shift}" + (f"-{args.isa}" if args.isa else "")
        executed = execute(args.notebook, args.out / f"{args.notebook.stem}-{tag}.ipynb", env)
    print(f"{args.notebook.name} against {executed}:")
    print("\n".join(compare(args.notebook, executed)) or "  nothing to report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
