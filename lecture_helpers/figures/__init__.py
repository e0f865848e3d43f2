"""Figures for a projector: measure what a figure shows, and the rules a slide's figure meets.

:func:`figure_report` measures a drawn Matplotlib figure: its size and resolution, every
panel's size on screen, the smallest tile of a channel grid, the smallest font, whether
each colour-mapped image has a colorbar, texts that overlap or are cut off, and empty
panels. :func:`rule_violations` checks a report against
:data:`SLIDE_RULES`. In a notebook, :func:`lecture_helpers.setup_notebook` attaches the
report to every figure it shows (output metadata ``lecture_helpers/figure``), so the
committed notebooks can be checked figure by figure (``tests/product/test_figure_rules.py``).

Layout, one job per module: :mod:`.rules` (:data:`SLIDE_RULES`, :func:`figure_report`,
:func:`rule_violations`, the panels and the marks a helper puts on its axes), :mod:`.texts`
(the texts a viewer reads, and which overlap or are cut off; colorbars), :mod:`.layout`
(text widths, titles wrapped to a panel, row heights) and :mod:`.output` (how a notebook
shows a figure: the PNG in an ``<img>`` with its alt text and the report as metadata, and
reading them back from a notebook's outputs).  Every name is importable from here.
"""

from __future__ import annotations

# ``name as name``: private names (outside ``__all__``) that alt_text reaches as
# ``figures.name``.
from .layout import TITLE_LINE_IN, row_height, text_width, wrap_text
from .output import (
    FIGURE_HTML,
    METADATA_KEY,
    figure_html,
    figure_png,
    install_figure_reports,
    mark_palette,
    output_metadata,
    output_png,
)
from .rules import (
    SLIDE_RULES,
    FigureRules,
    figure_report,
    mark_grid,
    mark_picture,
    mark_tile,
    rule_violations,
)
from .rules import _has_content as _has_content
from .texts import OVERLAP_PX, TEXT_CHARS, colorbar_of
from .texts import _is_colorbar as _is_colorbar

__all__ = [
    "FIGURE_HTML",
    "METADATA_KEY",
    "OVERLAP_PX",
    "SLIDE_RULES",
    "TEXT_CHARS",
    "TITLE_LINE_IN",
    "FigureRules",
    "colorbar_of",
    "figure_html",
    "figure_png",
    "figure_report",
    "install_figure_reports",
    "mark_grid",
    "mark_palette",
    "mark_picture",
    "mark_tile",
    "output_metadata",
    "output_png",
    "row_height",
    "rule_violations",
    "text_width",
    "wrap_text",
]
