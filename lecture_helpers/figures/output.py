"""How a notebook shows a figure: its PNG in an ``<img>`` with its alt text, as text/html,
with the report (:func:`~.rules.figure_report`) and the alt text as metadata; and the
picture and metadata read back from a notebook's outputs."""

from __future__ import annotations

import base64
import html
import io
import re
from typing import Any

from .rules import _render, _report

METADATA_KEY = "lecture_helpers/figure"


def mark_palette(fig: Any) -> Any:
    """Store ``fig`` as a 256-colour PNG when a notebook shows it (for pictures that are
    textures of noise, as gradient ascent makes: a third of the bytes, no visible change)."""
    fig.lecture_palette = True
    return fig


def _palette_png(png: bytes) -> bytes:
    from PIL import Image

    picture = Image.open(io.BytesIO(png)).convert("RGB")
    quantized = picture.quantize(256, method=Image.Quantize.MEDIANCUT,
                                 dither=Image.Dither.FLOYDSTEINBERG)
    buffer = io.BytesIO()
    quantized.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def figure_png(fig: Any) -> tuple[str, dict[str, Any]] | None:
    """IPython's PNG formatter for figures: the picture, with its report (the texts measured
    on the same draw) and its alt text (:func:`lecture_helpers.alt_text.describe`) as
    metadata."""
    png, measured = _render(fig)
    if not png:
        return None  # an empty figure: nothing to show
    report = _report(fig, png, measured)
    if getattr(fig, "lecture_palette", False):
        png = _palette_png(png)
        report["palette"] = True
    from ..alt_text import describe

    return base64.b64encode(png).decode("ascii"), {METADATA_KEY: report, "alt": describe(fig)}


# A figure as a notebook shows it: one <img> with its alt text, as text/html. JupyterLab draws an
# image/png output with no alt attribute (its image renderer sets only src and size), but it
# prefers text/html to image/png in an output and keeps an <img>'s alt and its data: URL when
# it sanitizes, so a screen reader reads the figure's description there, in the HTML pages and
# decks nbconvert writes, and in Colab and VS Code. The PNG is not stored twice.
FIGURE_HTML = re.compile(
    r'<img class="lecture-figure" src="data:image/png;base64,(?P<png>[A-Za-z0-9+/=]+)" '
    r'alt="(?P<alt>[^"]*)">'
)


def figure_html(fig: Any) -> tuple[str, dict[str, Any]] | None:
    """IPython's HTML formatter for figures: the PNG of :func:`figure_png` in an ``<img>`` with
    its alt text, and the same metadata (the report and the alt text)."""
    shown = figure_png(fig)
    if shown is None:
        return None
    png, metadata = shown
    alt = html.escape(metadata["alt"], quote=True)
    return f'<img class="lecture-figure" src="data:image/png;base64,{png}" alt="{alt}">', metadata


def output_png(output: dict[str, Any]) -> str | None:
    """The base64 PNG a notebook output shows: its image/png, or a figure's <img> in text/html."""
    data = output.get("data", {})
    if "image/png" in data:
        return "".join(data["image/png"])
    match = FIGURE_HTML.fullmatch("".join(data.get("text/html", "")).strip())
    return match.group("png") if match else None


def output_metadata(output: dict[str, Any]) -> dict[str, Any]:
    """The metadata of the picture in a notebook output (its report and alt text), or {}."""
    data, metadata = output.get("data", {}), output.get("metadata", {})
    mime = "image/png" if "image/png" in data else "text/html"
    return metadata.get(mime, {}) if output_png(output) is not None else {}


def install_figure_reports() -> bool:
    """Make IPython show every figure as :func:`figure_html` (picture, report and alt text);
    False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    plt.close(plt.figure())  # load the inline backend now, so it does not override us later
    formatters = shell.display_formatter.formatters
    formatters["text/html"].for_type(Figure, figure_html)
    formatters["image/png"].for_type(Figure, lambda fig: None)  # the PNG is in the <img>
    return True
