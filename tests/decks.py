"""Build the lecture's reveal.js decks as `make slides` does: same command, same options."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from tests.notebook_files import ROOT, notebook_paths


def makefile_options(variable: str) -> list[str]:
    """The nbconvert options of one Makefile variable (continuation lines joined)."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{variable}\s*:=((?:.*\\\n)*.*)$", makefile, re.M)
    if match is None:
        raise LookupError(f"the Makefile defines no {variable}")
    return shlex.split(match.group(1).replace("\\\n", " "))


def slides_options() -> list[str]:
    """The nbconvert options of the Makefile's SLIDES_OPTIONS (what `make slides` uses)."""
    return makefile_options("SLIDES_OPTIONS")


def build_decks(out: Path) -> Path:
    """Write one ``<notebook>.slides.html`` per lecture notebook into ``out``."""
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides", *slides_options(),
         "--output-dir", str(out), *[str(p) for p in notebook_paths()]],
        capture_output=True, text=True, cwd=ROOT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"nbconvert --to slides failed:\n{result.stderr[-4000:]}")
    return out


def build_html(out: Path) -> Path:
    """Write one ``<notebook>.html`` per lecture notebook into ``out``, as `make html` does."""
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
         *makefile_options("HTML_OPTIONS"), "--output-dir", str(out),
         *[str(p) for p in notebook_paths()]],
        capture_output=True, text=True, cwd=ROOT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"nbconvert --to html failed:\n{result.stderr[-4000:]}")
    return out
