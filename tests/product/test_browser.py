"""JupyterLab in a real browser: run a notebook, work a widget from the keyboard, see the
picture change; and what the notebook shows passes an accessibility audit.

Starts JupyterLab on a free loopback port with a token, drives Debian's Chromium through
Playwright, and saves screenshots to test-artifacts/browser/. Once notebook 1 has run, axe-core
(the pinned build/web-assets/ copy) audits its markdown and outputs, widgets drawn live (WCAG 2.1
A/AA; any serious or critical violation fails); every figure must be an <img> whose alt says
what it shows (JupyterLab gives an image/png output no alt); every widget picture must have
a title (its accessible name); and the activation browser's controls must be reached with Tab,
in order, and work from the keyboard. On a machine without Chromium
the tests skip with a message that says how to install it; under CI (CI=true) a missing
Chromium fails them, and so does a browser that cannot start.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest

from lecture_helpers.check import student
from lecture_helpers.notebook import SETUP_CELL
from scripts import web_assets
from tests import browser
from tests.notebook_files import NOTEBOOK_DIR, ROOT

ARTIFACTS = ROOT / "test-artifacts" / "browser"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of the notebooks (the originals stay untouched)."""
    from playwright.sync_api import sync_playwright

    chromium_path = browser.require_chromium()
    root = tmp_path_factory.mktemp("lab")
    for path in NOTEBOOK_DIR.glob("*.ipynb"):
        shutil.copy(path, root / path.name)
    browser.prepare_root(root)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser.jupyterlab(root, ARTIFACTS / "jupyterlab.log") as (base, token):
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=chromium_path, args=browser.CHROMIUM_ARGS, headless=True
            )
            try:
                yield root, base, token, chromium
            finally:
                chromium.close()


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_a_missing_chromium_skips_locally_and_fails_in_ci(monkeypatch, tmp_path, ci, outcome):
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on it
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install chromium"):
        browser.require_chromium()


def _page(chromium):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    return page


def _wait_for_new_picture(page, before: list[str], what: str) -> None:
    deadline = time.monotonic() + 30
    while browser.widget_image_sources(page) == before and time.monotonic() < deadline:
        time.sleep(0.25)
    assert browser.widget_image_sources(page) != before, f"{what} did not change the picture"


def _step_box_and_check_image_changes(page, label: str, shot: str) -> None:
    """Step a number box up from the keyboard, as a student without a mouse does."""
    browser.current_notebook(page).locator("img.widget-image").first.wait_for(
        state="visible", timeout=120_000
    )
    box = browser.number_box(page, label)
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"{shot}-before.png"))
    before = browser.widget_image_sources(page)
    box.focus()
    for _ in range(3):
        page.keyboard.press("ArrowUp")
    _wait_for_new_picture(page, before, f"stepping the {label!r} box up")
    page.screenshot(path=str(ARTIFACTS / f"{shot}-after.png"))


# Where the keyboard focus is: the control and the label that names it.
FOCUSED = """() => {
    const el = document.activeElement;
    const box = el.closest('.widget-inline-hbox, .jupyter-widgets');
    const label = box && box.querySelector(':scope > .widget-label');
    return {tag: el.tagName, name: (label && label.textContent) || el.textContent.trim()
            || el.getAttribute('aria-label') || '', inside: !!el.closest('.widget-vbox')};
}"""


def _every_control_by_keyboard(page) -> None:
    """Tab from the browser's first menu through its controls, then work three of them."""
    notebook = browser.current_notebook(page)
    first = notebook.locator(".widget-dropdown", has=page.locator(".widget-label",
                                                                  has_text="image"))
    first.last.locator("select").focus()
    reached = [page.evaluate(FOCUSED)]
    for _ in range(8):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if not focused["inside"]:
            break
        reached.append(focused)
    names = [f["name"].split(" (")[0] for f in reached]  # the upload button: "Upload (0)"
    assert names == ["image", "Upload", "layer", "whole layer", "channel"], reached
    toggle = notebook.locator("button", has_text="whole layer").last
    before = browser.widget_image_sources(page)
    toggle.focus()
    page.keyboard.press("Space")
    _wait_for_new_picture(page, before, "Space on 'whole layer'")
    # A closed menu's arrow keys go to JupyterLab, which moves to another cell
    # (jupyter-widgets/ipywidgets#3912): Alt+ArrowDown opens the menu, whose keys are its own.
    before = browser.widget_image_sources(page)
    menu = notebook.locator(".widget-dropdown", has=page.locator(".widget-label",
                                                                 has_text="layer")).last
    menu.locator("select").focus()
    was = menu.locator("select").input_value()
    for key in ("Alt+ArrowDown", "ArrowDown", "Enter"):
        page.keyboard.press(key)
    now = menu.locator("select").input_value()
    _wait_for_new_picture(page, before, f"Alt+ArrowDown, ArrowDown, Enter on the layer menu "
                                        f"({was} -> {now})")


def test_channels_notebook_runs_in_jupyterlab_and_its_browser_responds(lab):
    _root, base, token, chromium = lab
    page = _page(chromium)
    browser.open_notebook(page, base, token, "01_channels.ipynb")
    browser.run_menu_command(page, "Run", "Run All Cells")
    browser.wait_until_all_cells_ran(page, timeout_s=900)
    page.screenshot(path=str(ARTIFACTS / "01_channels-ran.png"), full_page=True)
    assert browser.error_outputs(page) == [], "a cell shows an error or writes to stderr"
    _audit_what_the_notebook_shows(page, "01_channels")
    _step_box_and_check_image_changes(page, "channel", "01_channels-activation-browser")
    _every_control_by_keyboard(page)
    page.close()


def _audit_what_the_notebook_shows(page, name: str) -> None:
    """axe-core on the notebook's markdown and outputs, its widgets drawn live: no serious or
    critical violation, and every figure an <img> whose alt says what it shows."""
    axe = web_assets.folder("axe-core")
    if axe is None:
        pytest.fail("build/web-assets/ has no axe-core: run `make web-assets`")
    result = browser.axe_content(page, axe / "axe.min.js")
    failing = [f"{v['id']} ({v['impact']}): {v['help']}; e.g. {v['nodes'][0]['target']}"
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    (ARTIFACTS / f"{name}-axe.json").write_text(json.dumps(
        {"violations": [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]],
         "passes": len(result["passes"])}, indent=1))
    assert len(result["passes"]) > 5 and not failing, "\n".join(failing)
    notebook = browser.current_notebook(page)
    alts = notebook.locator(".jp-OutputArea-output img.lecture-figure").evaluate_all(
        "images => images.map(i => i.alt)")
    assert len(alts) >= 4 and all(alt.startswith("Figure") for alt in alts), alts
    pictures = notebook.locator("img.widget-image").evaluate_all(
        "images => images.map(i => i.title)")
    assert pictures and all(pictures), f"a widget picture without a description: {pictures}"


def test_a_widget_of_another_notebook_responds(lab):
    root, base, token, chromium = lab
    # The Grad-CAM explorer exactly as notebook 4 builds it, in a notebook of its own
    # (running all of notebook 4 is what nbval does already).
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    nb.cells = [
        nbformat.v4.new_code_cell(SETUP_CELL),
        nbformat.v4.new_code_cell(
            'model = lh.load_model("efficientnet_lite0")\n'
            'images = {name: lh.sample_image(name) for name in ("cat_dog", "cat", "coffee")}\n'
            "lh.widgets.GradCAMExplorer(model, images)"
        ),
    ]
    nbformat.write(nb, root / "gradcam_widget.ipynb")
    page = _page(chromium)
    browser.open_notebook(page, base, token, "gradcam_widget.ipynb")
    browser.run_menu_command(page, "Run", "Run All Cells")
    browser.wait_until_all_cells_ran(page, timeout_s=300)
    assert browser.error_outputs(page) == [], "a cell shows an error or writes to stderr"
    _step_box_and_check_image_changes(page, "opacity", "04_gradcam-explorer")
    page.close()


# A student's wrong answer to exercise 4.1: the mean over every axis, not over i and j only.
WRONG_CHANNEL_WEIGHTS = (
    "def channel_weights(grads):\n"
    "    return tf.reduce_mean(grads).numpy()  # the mean over all axes\n"
)


def test_a_student_runs_a_wrong_answer_and_reads_the_hint(lab):
    """The student edition of notebook 4 in JupyterLab: write a wrong α, run it and its check."""
    root, base, token, chromium = lab
    student.write_student_notebooks([NOTEBOOK_DIR / "04_grad_cam.ipynb"], root / "student")
    page = _page(chromium)
    browser.open_notebook(page, base, token, "student/04_grad_cam.ipynb")
    notebook = browser.current_notebook(page)
    for index in (0, 1):  # the setup cell and the imports, as a student starts
        notebook.locator(".jp-CodeCell").nth(index).locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
    exercise = notebook.locator(".jp-CodeCell", has_text="def channel_weights(grads):")
    checker = notebook.locator(
        ".jp-CodeCell", has_text="channel_weights = lh.check.channel_weights(channel_weights)"
    )
    assert "not written yet" in checker.locator(".lh-check").inner_text()  # as handed out
    exercise.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(WRONG_CHANNEL_WEIGHTS)
    page.keyboard.press("Shift+Enter")  # runs the exercise and selects the check below it
    page.keyboard.press("Shift+Enter")  # runs the check
    message = checker.locator(".lh-check-wrong")
    message.wait_for(state="visible", timeout=120_000)
    message.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "04_student-wrong-answer.png"))
    text = message.inner_text()
    assert "✗ Exercise 4.1, channel_weights:" in text
    assert "the mean is over all axes; α averages over i and j only" in text
    assert "Until it passes, the notebook uses lh.check.reference.channel_weights." in text
    border = message.evaluate("element => getComputedStyle(element).borderLeftColor")
    assert border == "rgb(198, 40, 40)", border  # the red of a wrong answer
    assert browser.error_outputs(page) == [], "a cell shows an error or writes to stderr"
    page.close()
