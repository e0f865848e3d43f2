"""Layout helpers: how wide a text is drawn, a title wrapped to its panel's width, and the
height a row of panels needs under its titles."""

from __future__ import annotations

from typing import Any


def text_width(text: str, fontsize: float | str | None = None, dpi: float | None = None) -> float:
    """How wide ``text`` (its widest line) is drawn, in pixels at ``dpi`` (default: the
    figure dpi of matplotlib's rcParams); ``fontsize`` in points or a name like "large"
    (default: the axes title size)."""
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    size = mpl.rcParams["axes.titlesize"] if fontsize is None else fontsize
    prop = FontProperties(size=size)
    dpi = float(mpl.rcParams["figure.dpi"] if dpi is None else dpi)
    widths = []
    for line in str(text).split("\n"):
        math = line.count("$") >= 2 and line.count("$") % 2 == 0
        width = text_to_path.get_text_width_height_descent(line, prop, ismath=math)[0]
        widths.append(width * dpi / 72.0)
    return max(widths)


def _greedy(chunks: list[str], fits: Any) -> list[str]:
    lines: list[str] = []
    for chunk in chunks:
        if lines and fits(f"{lines[-1]} {chunk}"):
            lines[-1] = f"{lines[-1]} {chunk}"
        else:
            lines.append(chunk)
    return lines


TITLE_LINE_IN = 0.2  # the height of one line of a panel's title (11-12 pt), in inches


def row_height(panel_in: float, title_lines: int = 1) -> float:
    """The height (inches) of a row of panels ``panel_in`` tall under titles of ``title_lines``
    lines: what a figure gives each row so that wrapped titles never reach the row above."""
    return panel_in + 0.25 + TITLE_LINE_IN * title_lines


def wrap_text(text: str, width_in: float, fontsize: float | str | None = None) -> str:
    """``text`` broken into lines no wider than ``width_in`` inches at ``fontsize`` (see
    :func:`text_width`), for a title over a panel of that width: breaks go after a colon
    or before a bracket first ("kitten (P(dog) = 0.28): evidence for cat" ->
    "kitten (P(dog) = 0.28):" / "evidence for cat"), else between words. Words are never
    split (a word wider than the panel keeps a line of its own); line breaks already in
    ``text`` stay."""
    import re

    import matplotlib as mpl

    limit = float(width_in) * float(mpl.rcParams["figure.dpi"])

    def fits(line: str) -> bool:
        return text_width(line, fontsize) <= limit

    lines = []
    for line in str(text).split("\n"):
        if fits(line):
            lines.append(line)
            continue
        words = line.split(" ")
        fewest = _greedy(words, fits)  # the fewest lines words can make
        chunks = [c for c in re.split(r"(?<=:) | (?=\()", line) if c]
        preferred = []
        for part in _greedy(chunks, fits):
            preferred += [part] if fits(part) else _greedy(part.split(" "), fits)
        if len(preferred) <= len(fewest):
            lines += preferred
        else:  # the fewest lines; two of them of about the same width
            splits = [(" ".join(words[:k]), " ".join(words[k:])) for k in range(1, len(words))]
            balanced = min((pair for pair in splits if all(map(fits, pair))), default=None,
                           key=lambda pair: max(text_width(part, fontsize) for part in pair))
            lines += list(balanced) if len(fewest) == 2 and balanced else fewest
    return "\n".join(lines)
