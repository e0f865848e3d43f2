"""An accessibility audit of the HTML pages `make html` and the decks `make slides` write
(WCAG 2.1 A and AA).

Builds every notebook's page with the Makefile's HTML_OPTIONS (tests/decks.py), and its deck
with SLIDES_OPTIONS (the session's decks, tests/conftest.py), each with the files it loads
beside it, opens each from file:// in Debian's Chromium (Playwright) with every network request
refused, as offline, lets MathJax typeset the formulas and the widget manager draw the saved
widgets, and runs Deque's axe-core on the page (build/web-assets/axe-core@<version>/axe.min.js,
the pinned npm file scripts/web_assets.py unpacks). A deck is audited in reveal.js's print
layout, which shows every slide at once. Any serious or critical violation fails the test, and
so does a figure without its alt text (lecture_helpers/alt_text.py), a page that asks the
network for anything, or a formula left as TeX. The report of each page (every violation,
whatever its impact) goes to test-artifacts/accessibility/.

Without Chromium or build/web-assets/ it skips, saying what to run; under CI (CI=true) it fails
instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lecture_helpers.figures import output_png
from scripts import web_assets
from tests import browser
from tests.decks import FORMULAS, build_html, makefile_options, tex_count
from tests.notebook_files import ROOT, notebook_paths

NOTEBOOKS = notebook_paths()
ARTIFACTS = ROOT / "test-artifacts" / "accessibility"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")


def _axe_script() -> Path:
    folder = web_assets.folder("axe-core")
    if folder is None:
        message = "build/web-assets/ has no axe-core: run `make web-assets` (npm registry once)"
        if browser.running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return folder / "axe.min.js"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    return build_html(tmp_path_factory.mktemp("html"))


@pytest.fixture(scope="module")
def chromium():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser.headless_chromium() as instance:
        yield instance


# reveal.js's print layout (?print-pdf) shows every slide, but keeps aria-hidden on all the
# slides but the first: as a reader moving through the deck finds them, each visible in turn.
EVERY_SLIDE = """() => document.querySelectorAll('.reveal section[aria-hidden]')
    .forEach(slide => slide.removeAttribute('aria-hidden'))"""
# html-manager puts each widget view it draws in a .widget-subarea.
WIDGETS_DRAWN = """() => document.querySelectorAll('script[type$="widget-view+json"]').length
    === document.querySelectorAll('.jupyter-widgets > .widget-subarea').length"""


def _open(chromium, page_path: Path, deck: bool) -> tuple:
    """Open a page offline (every network request refused and recorded); MathJax and the widget
    manager then work in its renderer while other pages are opened and audited."""
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(60_000)
    network: list[str] = []
    page.route(re.compile(r"^(https?|wss?)://"),
               lambda route: (network.append(route.request.url), route.abort()))
    page.goto(page_path.as_uri() + ("?print-pdf" if deck else ""), wait_until="load")
    return page, network


def _audit_open(page, network: list[str], deck: bool, published: bool) -> dict:
    try:
        if deck:
            page.locator(".reveal.ready").wait_for(state="attached")
            page.evaluate(EVERY_SLIDE)
        formulas = None
        if published:
            page.wait_for_function(WIDGETS_DRAWN)
            formulas = page.evaluate(FORMULAS)
        page.add_script_tag(path=str(_axe_script()))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})", WCAG_21_AA
        )
        result["images"] = page.evaluate("() => Array.from(document.images, i => i.alt)")
        result.update(network=network, formulas=formulas)
        return result
    finally:
        page.close()


def audit(chromium, page_path: Path, deck: bool = False, published: bool = True) -> dict:
    """axe-core's result on one page opened offline: {violations, passes, ...} as axe gives it,
    ``images``: the alt text of every <img> on the page, ``network``: the requests it made,
    and ``formulas``: what MathJax typeset. ``deck``: in reveal.js's print layout, every slide
    shown. ``published=False``: a page with no files beside it (nbconvert's default export
    loads MathJax and widgets from CDNs), audited as it shows."""
    return _audit_open(*_open(chromium, page_path, deck), deck, published)


def _summary(violation: dict) -> str:
    nodes = violation["nodes"]
    where = "; ".join(" ".join(node["target"]) if isinstance(node["target"], list)
                      else str(node["target"]) for node in nodes[:3])
    return (f"{violation['id']} ({violation['impact']}, {len(nodes)} element(s)): "
            f"{violation['help']}. E.g. {where}")


def test_the_export_settings_are_the_audited_ones():
    """`make html` and this audit read one variable; it keeps the two contrast settings."""
    options = makefile_options("HTML_OPTIONS")
    assert "--no-prompt" in options
    assert "--CSSHTMLHeaderPreprocessor.style=default" in options


def _check(result: dict, name: str, path: Path) -> None:
    violations = result["violations"]
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(
        {"page": name, "axe": result["testEngine"]["version"],
         "violations": [_summary(v) for v in violations], "passes": len(result["passes"]),
         "alt": result["images"], "network": result["network"],
         "formulas": result["formulas"]}, indent=1))
    assert not result["network"], f"{name} asked the network for {result['network']}"
    formulas = result["formulas"]
    assert formulas["typeset"] == formulas["jax"] >= tex_count(path), (name, formulas)
    assert not formulas["errors"] and not formulas["raw"], (name, formulas)
    assert result["testEngine"]["version"] == web_assets.TARBALLS["axe-core"].version
    assert len(result["passes"]) > 10  # axe ran its rules on a real page
    failing = [_summary(v) for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"{name}:\n" + "\n".join(failing)
    # every figure says what it shows (lecture_helpers/alt_text.py), no placeholder
    described = [alt for alt in result["images"] if alt.startswith("Figure")]
    assert len(described) == _figures(path), (name, result["images"])


def _figures(path: Path) -> int:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return sum(output_png(output) is not None for cell in nb["cells"]
               for output in cell.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_its_page_and_its_deck_pass_wcag_21_aa(chromium, pages, slide_decks, path):
    """The page, and the deck with every slide shown (reveal.js's print layout), offline. Both
    are opened first, so that they typeset their formulas side by side."""
    exports = [(pages / f"{path.stem}.html", False), (slide_decks / f"{path.stem}.slides.html",
                                                       True)]
    opened = [(export, deck, _open(chromium, export, deck)) for export, deck in exports]
    for export, deck, (page, network) in opened:
        _check(_audit_open(page, network, deck, published=True), export.name, path)


def test_the_audit_catches_what_the_default_export_gets_wrong(chromium, tmp_path):
    """The same audit on nbconvert's default export of one notebook: low-contrast prompts."""
    import subprocess
    import sys

    notebook = next(p for p in NOTEBOOKS if p.name.startswith("05_"))  # the smallest
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
                    "--output-dir", str(tmp_path), str(notebook)],
                   check=True, capture_output=True, cwd=ROOT)
    result = audit(chromium, tmp_path / f"{notebook.stem}.html", published=False)
    contrast = [v for v in result["violations"] if v["id"] == "color-contrast"]
    assert contrast and contrast[0]["impact"] in FAILING_IMPACTS
    assert len(contrast[0]["nodes"]) > 10
