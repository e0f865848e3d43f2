"""Drive a real JupyterLab in Debian's Chromium with Playwright (used by
tests/product/test_browser.py)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


CHROMIUM_MISSING = (
    "Chromium not found: install Debian's package (`sudo apt-get install chromium`; .ci/run "
    "does it) or set CHROMIUM=/path/to/chromium"
)


def find_chromium() -> str | None:
    """The Chromium to drive: $CHROMIUM, else `chromium` or `chromium-browser` on PATH."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def running_in_ci() -> bool:
    """CI services set CI=true; .ci/run sets it too."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require_chromium() -> str:
    """Chromium's path; without one, skip the calling test, or fail it under CI."""
    import pytest

    path = find_chromium()
    if path is None:
        if running_in_ci():
            pytest.fail(f"{CHROMIUM_MISSING} (CI=true: the browser tests must run)")
        pytest.skip(CHROMIUM_MISSING)
    return path


@contextmanager
def headless_chromium():
    """Debian's Chromium under Playwright, headless (the calling test skips without it)."""
    from playwright.sync_api import sync_playwright

    path = require_chromium()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield instance
        finally:
            instance.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyterlab(root: Path, log_path: Path):
    """Start JupyterLab on a free loopback port with a token; yield its base URL and token."""
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR"):
        env[name] = str(root / ".jupyter" / name.lower())
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(root / ".jupyter" / "workspaces")
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"JupyterLab did not start; its log: {log_path}"
                        ) from None
                    time.sleep(0.5)
            yield base, token
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def current_notebook(page):
    """The notebook panel on display (other open notebooks are hidden tabs)."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first


def run_menu_command(page, menu: str, label: str) -> None:
    """Click ``menu`` in JupyterLab's menu bar, then its item ``label``."""
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    item = page.locator(".lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel", has_text=label)
    item.first.click()


def wait_until_all_cells_ran(page, timeout_s: float = 900) -> None:
    """Wait until no cell is queued or running and every code cell has an execution count."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        prompts = current_notebook(page).locator(".jp-CodeCell .jp-InputArea-prompt")
        prompts = prompts.all_inner_texts()
        if prompts and all(p.strip() not in ("[ ]:", "[*]:", "") for p in prompts):
            return
        time.sleep(1.0)
    raise TimeoutError(f"cells still running after {timeout_s} s: {prompts}")


def error_outputs(page) -> list[str]:
    selector = (
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'
    )
    return current_notebook(page).locator(selector).all_inner_texts()


def prepare_root(root: Path) -> None:
    """Lab settings for tests: render every cell (no virtual scrolling), no autosave."""
    settings = root / ".jupyter" / "jupyterlab_settings_dir"
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text('{"windowingMode": "none"}')
    docmanager = settings / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings"
    docmanager.parent.mkdir(parents=True, exist_ok=True)
    docmanager.write_text('{"autosave": false}')


def open_notebook(page, base: str, token: str, name: str) -> None:
    # ?reset: a fresh workspace, so notebooks opened by earlier tests are not restored.
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}", wait_until="domcontentloaded")
    page.locator(".jp-Notebook").first.wait_for(state="visible", timeout=120_000)
    news = page.locator(".jp-toast-button", has_text="No")
    if news.count():
        news.first.click()  # "get notified about official Jupyter news?": no
    deadline = time.monotonic() + 120
    status = page.locator(".jp-StatusBar-TextItem", has_text="| Idle")
    while status.count() == 0:
        select = page.locator(".jp-Dialog button.jp-mod-accept", has_text="Select")
        if select.count():
            select.first.click()  # the "Select Kernel" dialog: take the notebook's python3
        if time.monotonic() > deadline:
            raise TimeoutError("the notebook's kernel did not become idle within 120 s")
        time.sleep(0.5)


def number_box(page, label: str):
    """The <input> of the ipywidgets number box whose description is ``label``."""
    panel = current_notebook(page)
    box = panel.locator(".widget-text", has=page.locator(".widget-label", has_text=label))
    return box.first.locator("input").first


# axe-core (pinned in scripts/web_assets.py) on what the notebook shows: its rendered markdown
# and its outputs (figures, printed text, widgets), not JupyterLab's own editor and toolbars.
CONTENT = (".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownOutput",
           ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_content(page, axe_script: Path) -> dict:
    """axe-core's WCAG 2.1 A/AA result on the open notebook's content, as axe gives it."""
    page.add_script_tag(path=str(axe_script))
    return page.evaluate(
        """([include, tags]) => axe.run({include: include.map(s => [s])},
                                        {runOnly: {type: 'tag', values: tags}})""",
        [list(CONTENT), WCAG_21_AA],
    )


def widget_image_sources(page) -> list[str]:
    images = current_notebook(page).locator("img.widget-image")
    return images.evaluate_all("els => els.map(e => e.src)")
