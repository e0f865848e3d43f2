"""The decks `make slides` builds work offline: slides, formulas, and every widget image.

Builds the decks with the Makefile's options, the pinned files they load copied next to them
into web-assets/ (tests/decks.py, as `make slides` does), and opens each from file:// in
Debian's Chromium (Playwright) with every request to the network refused. A deck must need
none: reveal.js lays out its slides, MathJax typesets every formula, and the widget manager
draws every widget. For each widget output the notebook displays, the test goes to its slide,
scrolls the slide to each of its images and checks the <img> the widget manager made: it shows
a picture saved for that widget, decoded (naturalWidth > 0), on screen and on top, and the
screen's pixels there are not blank and match that picture. Screenshots and a report per deck
(requests, console errors) go to test-artifacts/browser/deck-*.

Without Chromium or build/web-assets/ the browser test skips, saying what to run; under CI
(CI=true) it fails instead.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
import time
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from scripts import web_assets
from tests import browser
from tests.decks import FORMULAS, slide_count, slides_options, tex_count
from tests.notebook_files import CORE_NOTEBOOKS, ROOT, notebook_paths

NOTEBOOKS = notebook_paths()
ARTIFACTS = ROOT / "test-artifacts" / "browser"
VIEWPORT = {"width": 1280, "height": 800}  # the Makefile's reveal_width/reveal_height
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# --- what the notebooks say the decks must show ------------------------------------------------


def _references(value) -> list[str]:
    """Model ids a widget state value points to ("IPY_MODEL_<id>"), in lists and dicts too."""
    if isinstance(value, str):
        return [value[len("IPY_MODEL_"):]] if value.startswith("IPY_MODEL_") else []
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _references(item)]
    return []


def expected_images(path: Path) -> dict[str, list[str]]:
    """{model id of each widget output on a slide: the base64 PNG/JPEG of each Image in it}."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    state = nb["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    views = {}
    for cell in nb["cells"]:
        if cell["metadata"].get("slideshow", {}).get("slide_type", "-") in ("skip", "notes"):
            continue
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view:
                seen, todo = set(), [view["model_id"]]
                while todo:
                    model_id = todo.pop()
                    if model_id not in seen and model_id in state:
                        seen.add(model_id)
                        todo.extend(_references(state[model_id]["state"]))
                views[view["model_id"]] = [
                    buffer["data"]
                    for m in sorted(seen) if state[m]["model_name"] == "ImageModel"
                    for buffer in state[m].get("buffers", []) if buffer["path"] == ["value"]
                ]
    return views


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name in CORE_NOTEBOOKS],
                         ids=lambda p: p.name)
def test_every_core_notebook_shows_a_widget_image_with_saved_state(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    state = nb["metadata"]["widgets"][WIDGET_STATE]
    # html-manager 1.x renders ipywidgets 8's state (version 2, model modules "2.0.0").
    assert web_assets.TARBALLS["html-manager"].version.startswith("1.")
    assert state["version_major"] == 2
    versions = {m["model_module_version"] for m in state["state"].values()
                if m["model_module"].startswith("@jupyter-widgets/")}
    assert versions == {"2.0.0"}, versions
    images = expected_images(path)
    assert sum(map(len, images.values())) >= 1, f"{path.name}: no widget image on a slide"
    assert all(m in state["state"] for m in images), "a widget output without saved state"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name not in CORE_NOTEBOOKS],
                         ids=lambda p: p.name)
def test_a_going_further_notebook_has_no_widget_without_saved_state(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    saved = nb["metadata"].get("widgets", {}).get(WIDGET_STATE, {"state": {}})["state"]
    assert all(m in saved for m in expected_images(path)), "a widget output without saved state"


def test_the_decks_load_the_pinned_files_from_next_to_them():
    """The Makefile names the versions scripts/web_assets.py pins, by relative URLs into the
    web-assets/ folder that `make slides` fills beside the decks."""
    options = dict(o.split("=", 1) if "=" in o else (o, "") for o in slides_options())
    url = web_assets.url
    assert options["--SlidesExporter.reveal_url_prefix"] == url("reveal.js")
    assert options["--SlidesExporter.jquery_url"] == url("jquery", "dist/jquery.min.js")
    assert options["--HTMLExporter.require_js_url"] == url("requirejs", "require.js")
    assert options["--HTMLExporter.widget_renderer_url"] == url("html-manager", "dist/embed-amd.js")
    assert options["--HTMLExporter.mathjax_url"] == (
        url("mathjax", "MathJax.js") + "?config=TeX-AMS_CHTML-full,Safe"
    )
    assert set(web_assets.PUBLISHED) == {"reveal.js", "jquery", "requirejs", "html-manager",
                                         "mathjax"}
    for key in web_assets.PUBLISHED:  # what they name is in the pinned files
        value = next(v for v in options.values() if v.startswith(url(key)))
        relative = value.split("?")[0][len(url(key)):].lstrip("/")
        assert web_assets.TARBALLS[key].wanted(relative) or not relative, (key, relative)
    assert options["--SlidesExporter.reveal_scroll"] == "True"
    assert (options["--SlidesExporter.reveal_width"], options["--SlidesExporter.reveal_height"]) \
        == (str(VIEWPORT["width"]), str(VIEWPORT["height"]))
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^slides:.*\n\t.*--to slides \$\(SLIDES_OPTIONS\)", makefile, re.M)
    assert "scripts/web_assets.py --publish build/slides" in makefile
    assert "scripts/web_assets.py --publish build/html" in makefile


def test_publish_copies_what_the_exports_load(tmp_path):
    require_web_assets()
    target = web_assets.publish(tmp_path)
    assert sorted(p.name for p in target.iterdir()) == sorted(
        web_assets.TARBALLS[key].folder.name for key in web_assets.PUBLISHED)
    for key in web_assets.PUBLISHED:
        source = web_assets.TARBALLS[key].folder
        copied = sorted(p.relative_to(target / source.name) for p in
                        (target / source.name).rglob("*") if p.is_file())
        assert copied == sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file())
    fonts = tmp_path / web_assets.FONT_AWESOME_FOLDER  # where embed-amd.js looks for its icons
    assert sorted(p.name for p in fonts.iterdir()) == sorted(web_assets.FONT_AWESOME_FILES)


# --- scripts/web_assets.py, without the network -----------------------------------------------


def _tgz(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture
def fake_tarball(tmp_path, monkeypatch):
    """TARBALLS holding one package whose "download" is a tarball built here."""
    data = _tgz({"package/package.json": b"{}", "package/dist/a.js": b"a",
                 "package/dist/theme/b.css": b"b", "package/unused.js": b"u"})
    pin = web_assets.NpmTarball("@scope/pkg", "1.2.3", hashlib.sha256(data).hexdigest(),
                                ("package.json", "dist/a.js", "dist/theme/"))
    monkeypatch.setattr(web_assets, "CACHE", tmp_path / "web-assets")
    monkeypatch.setattr(web_assets, "TARBALLS", {"pkg": pin})
    monkeypatch.setattr(web_assets.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(data))
    return pin, data


def test_web_assets_unpacks_only_the_pinned_files_of_a_verified_tarball(fake_tarball):
    pin, _ = fake_tarball
    assert pin.url == "https://registry.npmjs.org/@scope/pkg/-/pkg-1.2.3.tgz"
    assert web_assets.missing() == ["pkg"]
    folder = web_assets.ensure("pkg")
    assert folder == web_assets.CACHE / "@scope+pkg@1.2.3"
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert files == ["dist/a.js", "dist/theme/b.css", "package.json"]
    assert web_assets.missing() == [] and sorted(web_assets.CACHE.iterdir()) == [folder]


def test_web_assets_refuses_a_tarball_with_another_sha256(fake_tarball, monkeypatch):
    pin, _ = fake_tarball
    monkeypatch.setitem(web_assets.TARBALLS, "pkg", replace(pin, sha256="0" * 64))
    with pytest.raises(web_assets.WebAssetError, match="not the pinned file"):
        web_assets.ensure("pkg")
    assert web_assets.missing() == ["pkg"]


def test_web_assets_leaves_no_half_unpacked_folder(fake_tarball, monkeypatch):
    pin, _ = fake_tarball
    monkeypatch.setitem(web_assets.TARBALLS, "pkg", replace(pin, files=(*pin.files, "gone.js")))
    with pytest.raises(web_assets.WebAssetError, match="lacks gone.js"):
        web_assets.ensure("pkg")
    assert list(web_assets.CACHE.iterdir()) == []  # nothing kept, not even the temp folder


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_missing_web_assets_skip_locally_and_fail_in_ci(fake_tarball, monkeypatch, ci, outcome):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="make web-assets"):
        require_web_assets()


# --- the decks in Chromium ---------------------------------------------------------------------


def require_web_assets() -> None:
    """Skip the calling test when build/web-assets/ is incomplete, or fail it under CI."""
    missing = web_assets.missing()
    if missing:
        message = (
            f"build/web-assets/ lacks {', '.join(missing)}: run `make web-assets` (pinned npm "
            "tarballs, fetched once from the npm registry; `make test` runs it)"
        )
        if browser.running_in_ci():
            pytest.fail(f"{message} (CI=true: the deck test must run)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def chromium():
    browser.require_chromium()
    require_web_assets()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser.headless_chromium() as instance:
        yield instance


class DeckLog:
    """Network requests (all refused), console errors and page errors of one deck."""

    def __init__(self):
        self.network, self.console, self.page_errors, self.warnings = [], [], [], []

    def route(self, route):
        self.network.append(route.request.url)
        return route.abort()

    def on_console(self, message):
        if message.type == "error":
            self.console.append((message.text, message.location.get("url", "")))
        elif message.type == "warning":
            self.warnings.append(message.text[:160])




# The deck loads reveal.js as an AMD module (no window.Reveal): its API from require.js.
REVEAL = (
    "require(Object.keys(require.s.contexts._.defined)"
    ".find(k => k.endsWith('/dist/reveal.js')))"
)

GO_TO_SLIDE = f"""img => {{
    const reveal = {REVEAL};
    const at = reveal.getIndices(img.closest('section'));
    reveal.slide(at.h, at.v || 0, 1e6);  // the slide, all its fragments shown
    return reveal.getCurrentSlide().contains(img);
}}"""

# nbconvert's reveal_scroll makes a tall slide a scrolling box: scroll it to the image.
SCROLL_TO_IMAGE = """img => {
    for (let box = img.parentElement; box; box = box.parentElement) {
        if (box.tagName === 'SECTION' && getComputedStyle(box).overflowY === 'scroll') {
            const scale = box.getBoundingClientRect().height / box.offsetHeight;
            const top = img.getBoundingClientRect().top - box.getBoundingClientRect().top;
            box.scrollTop += top / scale - 16;
            return true;
        }
    }
    return false;
}"""

ON_TOP = """img => {
    const r = img.getBoundingClientRect();
    const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max((Math.max(r.top, 0) + Math.min(r.bottom, innerHeight)) / 2, 0),
                       innerHeight - 1);
    return document.elementFromPoint(x, y) === img;
}"""


def stable_box(locator, timeout_s: float = 10.0) -> dict:
    """The element's bounding box once it stops moving (slide transitions take ~1 s)."""
    deadline, last = time.monotonic() + timeout_s, None
    while True:
        box = locator.bounding_box()
        if (box is not None and box == last) or time.monotonic() > deadline:
            return box
        last = box
        time.sleep(0.15)


# The widget output an <img> is in, and the bytes it shows (a blob: URL the manager made).
IMAGE_SOURCE = """async img => {
    const view = img.closest('.jupyter-widgets.jp-OutputArea-output');
    const script = view.querySelector(':scope > script[type$="widget-view+json"]');
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
        text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return [JSON.parse(script.textContent).model_id, btoa(text)];
}"""

WIDGET_OUTPUTS = f'.jupyter-widgets.jp-OutputArea-output:has(> script[type="{WIDGET_VIEW}"])'

ALL_DRAWN = """([selector, expected]) => [...document.querySelectorAll(selector)].every(view => {
    const script = view.querySelector(':scope > script[type$="widget-view+json"]');
    const images = view.querySelectorAll('img.widget-image');
    return images.length === expected[JSON.parse(script.textContent).model_id]
        && [...images].every(i => i.complete && i.naturalWidth > 0);
})"""

DRAWN = """selector => Object.fromEntries([...document.querySelectorAll(selector)].map(view => [
    JSON.parse(view.querySelector(':scope > script[type$="widget-view+json"]').textContent)
        .model_id,
    [...view.querySelectorAll('img.widget-image')].filter(i => i.naturalWidth > 0).length,
]))"""


def compare_painted(screenshot: bytes, saved_b64: str, box: dict, clip: dict) -> dict:
    """How the pixels on screen compare with the saved picture, scaled to the <img> box.

    Returns the number of distinct colours and the grey-level spread on screen (a blank
    rectangle has one colour, spread 0), and the mean absolute difference (0-255) between
    the screen and the saved picture resized the way the slide shows it.
    """
    shown = Image.open(io.BytesIO(screenshot)).convert("RGB")
    saved = Image.open(io.BytesIO(base64.b64decode(saved_b64))).convert("RGB")
    saved = saved.resize((round(box["width"]), round(box["height"])), Image.Resampling.BILINEAR)
    left, top = round(clip["x"] - box["x"]), round(clip["y"] - box["y"])
    saved = saved.crop((left, top, left + shown.width, top + shown.height))
    difference = ImageStat.Stat(ImageChops.difference(shown, saved)).mean
    return {
        "colours": len(shown.getcolors(maxcolors=1 << 24)),
        "grey_std": round(ImageStat.Stat(shown.convert("L")).stddev[0], 1),
        "mean_abs_diff": round(sum(difference) / 3, 1),
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_deck_draws_every_widget_image_offline(chromium, slide_decks, path):
    deck = slide_decks / f"{path.stem}.slides.html"
    expected = expected_images(path)
    log = DeckLog()
    page = chromium.new_page(viewport=VIEWPORT)
    page.set_default_timeout(30_000)
    page.route(re.compile(r"^(https?|wss?)://"), log.route)
    page.on("console", log.on_console)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    report = {"deck": deck.name, "images": []}
    try:
        start = time.monotonic()
        page.goto(deck.as_uri())
        page.locator(".reveal.ready").wait_for(state="attached")
        report["slides"] = page.evaluate(f"() => {REVEAL}.getTotalSlides()")
        assert report["slides"] == slide_count(path), (
            f"{deck.name}: reveal.js laid out {report['slides']} slides, the notebook has "
            f"{slide_count(path)}"
        )
        report["formulas"] = page.evaluate(FORMULAS)
        formulas = report["formulas"]
        assert formulas["typeset"] == formulas["jax"] >= tex_count(path) > 0 or (
            tex_count(path) == 0 and formulas["jax"] == 0), f"{deck.name}: {formulas}"
        assert not formulas["errors"] and not formulas["raw"], f"{deck.name}: {formulas}"
        outputs = page.locator(WIDGET_OUTPUTS).count()
        assert outputs == len(expected), (
            f"{deck.name}: {outputs} widget outputs, {len(expected)} in the notebook"
        )
        counts = {view: len(images) for view, images in expected.items()}
        try:
            page.wait_for_function(ALL_DRAWN, arg=[WIDGET_OUTPUTS, counts], timeout=60_000)
        except PlaywrightTimeoutError:
            drawn = page.evaluate(DRAWN, WIDGET_OUTPUTS)
            pytest.fail(
                f"{deck.name}: widgets not drawn within 60 s; widget images drawn per output "
                f"{drawn}, expected {counts}; network requests {log.network}; "
                f"page errors {log.page_errors}; console errors {log.console}"
            )
        report["seconds_to_draw"] = round(time.monotonic() - start, 1)
        images = page.locator(f"{WIDGET_OUTPUTS} img.widget-image")
        assert images.count() == sum(counts.values())
        for k in range(images.count()):
            image = images.nth(k)
            shot = ARTIFACTS / f"deck-{path.stem}-image{k}.png"
            where = f"{deck.name}, widget image {k} (screenshot {shot.relative_to(ROOT)})"
            view, source = image.evaluate(IMAGE_SOURCE)
            assert source in expected[view], f"{where}: not a picture saved for its widget"
            natural = image.evaluate("i => [i.naturalWidth, i.naturalHeight]")
            assert natural[0] > 0 and natural[1] > 0, f"{where}: not decoded"

            assert image.evaluate(GO_TO_SLIDE), f"{where}: its slide did not come up"
            stable_box(image)
            image.evaluate(SCROLL_TO_IMAGE)
            box = stable_box(image)
            page.screenshot(path=str(shot))
            left, top = max(box["x"], 0), max(box["y"], 0)
            right = min(box["x"] + box["width"], VIEWPORT["width"])
            bottom = min(box["y"] + box["height"], VIEWPORT["height"])
            on_screen = max(right - left, 0) * max(bottom - top, 0) / (box["width"] * box["height"])
            assert image.is_visible(), f"{where}: hidden"
            assert on_screen >= 0.9, f"{where}: {on_screen:.0%} of it on screen, box {box}"
            assert image.evaluate(ON_TOP), f"{where}: covered by another element"

            clip = {"x": left, "y": top, "width": right - left, "height": bottom - top}
            painted = compare_painted(page.screenshot(clip=clip), source, box, clip)
            report["images"].append({
                "screenshot": str(shot.relative_to(ROOT)), "natural": natural,
                "box": {key: round(value) for key, value in box.items()}, **painted,
            })
            assert painted["colours"] >= 8 and painted["grey_std"] >= 2, (
                f"{where}: blank on screen {painted}"
            )
            assert painted["mean_abs_diff"] <= 20, f"{where}: not its picture on screen {painted}"
    finally:
        report.update(
            network_requests=log.network,
            console_errors=log.console, page_errors=log.page_errors, warnings=log.warnings,
        )
        (ARTIFACTS / f"deck-{path.stem}.json").write_text(json.dumps(report, indent=1))
        page.close()
    assert not log.network, f"{deck.name} asked the network for {', '.join(log.network)}"
    assert not log.page_errors, f"{deck.name}: {log.page_errors}"
    assert not log.console, f"{deck.name}: console errors {log.console}"
