"""Build the lecture's decks and pages as `make slides` and `make html` do: same command, same
options, and the files they load copied next to them."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

from scripts import web_assets
from tests.notebook_files import ROOT, notebook_paths


def makefile_variable(variable: str) -> str:
    """One Makefile variable's value: continuation lines joined, $(NAME)s expanded."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{variable}\s*:?=((?:.*\\\n)*.*)$", makefile, re.M)
    if match is None:
        raise LookupError(f"the Makefile defines no {variable}")
    value = match.group(1).replace("\\\n", " ")
    return re.sub(r"\$\((\w+)\)", lambda m: makefile_variable(m.group(1)), value).strip()


def makefile_options(variable: str) -> list[str]:
    """The nbconvert options of one Makefile variable, as `make` passes them."""
    return shlex.split(makefile_variable(variable))


def slides_options() -> list[str]:
    """The nbconvert options of the Makefile's SLIDES_OPTIONS (what `make slides` uses)."""
    return makefile_options("SLIDES_OPTIONS")


def _export(to: str, variable: str, out: Path) -> Path:
    """Every lecture notebook exported as the Makefile does (``--to`` ``to``, the options of
    ``variable``) into ``out``, with the files the exports load beside them."""
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", to, *makefile_options(variable),
         "--output-dir", str(out), *[str(p) for p in notebook_paths()]],
        capture_output=True, text=True, cwd=ROOT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"nbconvert --to {to} failed:\n{result.stderr[-4000:]}")
    web_assets.publish(out)
    return out


def build_decks(out: Path) -> Path:
    """Write one ``<notebook>.slides.html`` per lecture notebook into ``out``, as `make slides`."""
    return _export("slides", "SLIDES_OPTIONS", out)


def build_html(out: Path) -> Path:
    """Write one ``<notebook>.html`` per lecture notebook into ``out``, as `make html` does."""
    return _export("html", "HTML_OPTIONS", out)


# --- what a deck or page must show, from its notebook ----------------------------------------


def slide_count(path: Path) -> int:
    """The slides (and subslides) the notebook's slideshow metadata asks for."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    kinds = [cell["metadata"].get("slideshow", {}).get("slide_type", "-") for cell in nb["cells"]]
    kinds = [kind for kind in kinds if kind not in ("skip", "notes")]
    return sum(kind in ("slide", "subslide") for kind in kinds) + (kinds[0] not in ("slide",
                                                                                    "subslide"))


def tex_count(path: Path) -> int:
    """The $...$ and $$...$$ formulas in the markdown the deck shows (code spans left out)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    count = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown" or cell["metadata"].get("slideshow", {}).get(
                "slide_type") in ("skip", "notes"):
            continue
        text = re.sub(r"`[^`]*`", "", "".join(cell["source"]).replace("\\$", ""))
        count += len(re.findall(r"\$\$.+?\$\$|\$[^$]+?\$", text, re.S))
    return count


# Once MathJax's queue has run: the formulas it found, those it drew, its errors, and any TeX
# still showing as text outside code.
FORMULAS = """() => new Promise(done => MathJax.Hub.Queue(() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const raw = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest('pre, code, script, style, .jp-InputArea')) continue;
        if (/\\$[^$]*\\\\[A-Za-z]+/.test(node.textContent)) raw.push(node.textContent.slice(0, 80));
    }
    done({jax: MathJax.Hub.getAllJax().length,
          typeset: document.querySelectorAll('.MathJax_CHTML').length,
          errors: document.querySelectorAll('.mjx-merror, .MathJax_Error').length, raw});
}))"""
