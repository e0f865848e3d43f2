"""Results: what gradient ascent returns and the plots of it.

:class:`OptimizationResult` (uint8 pictures, one objective curve each, the configuration)
with ``plot`` and ``plot_history``; :func:`plot_results` compares results row by row and
:func:`plot_ascent` draws objective-per-step curves, optionally next to the picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..figures import mark_palette


@dataclass
class OptimizationResult:
    """What gradient ascent produced: one picture and one objective curve per objective."""

    images: np.ndarray  # uint8 (N, H, W, 3)
    history: np.ndarray  # float32 (N, steps): the objective at each step (transformed input)
    objectives: list[str]
    titles: list[str] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    tracing_count: int = 0

    def __len__(self) -> int:
        return len(self.images)

    def select(self, indices: Sequence[int]) -> OptimizationResult:
        """The same result restricted to some pictures (by position), e.g. ``[1, 3, 9]``."""
        picks = [int(i) for i in indices]
        for i in picks:
            if not -len(self) <= i < len(self):
                raise IndexError(f"picture {i} does not exist: this result has {len(self)}")
        return OptimizationResult(
            images=self.images[picks],
            history=self.history[picks],
            objectives=[self.objectives[i] for i in picks],
            titles=[self.titles[i] for i in picks] if self.titles else [],
            config=dict(self.config),
            tracing_count=self.tracing_count,
        )

    def plot(
        self,
        titles: Sequence[str] | None = None,
        ncols: int | None = None,
        size: float = 2.0,
        suptitle: str | None = None,
    ):
        """A grid of the pictures, titled by objective; returns the figure."""
        import matplotlib.pyplot as plt

        titles = list(titles) if titles is not None else (self.titles or self.objectives)
        n = len(self.images)
        ncols = ncols or min(n, 5)
        nrows = math.ceil(n / ncols)
        height = (size + 0.3) * nrows + (0.4 if suptitle else 0)
        fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, height), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, image, title in zip(axes.flat, self.images, titles, strict=False):
            ax.imshow(image)
            ax.set_title(title, fontsize=10)
        for ax in axes.flat[n:]:  # a short last row: no empty panels
            ax.remove()
        if suptitle:
            fig.suptitle(suptitle)
        fig.tight_layout()
        return mark_palette(fig)

    def plot_history(self, ax=None, labels: Sequence[str] | None = None, title: str = ""):
        """The objective per step, one line per picture; returns the Figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 3.2))
        labels = list(labels) if labels is not None else (self.titles or self.objectives)
        for curve, label in zip(self.history, labels, strict=False):
            ax.plot(np.arange(1, curve.size + 1), curve, label=label, linewidth=1.2)
        ax.set_xlabel("step")
        ax.set_ylabel("objective")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if len(self.history) <= 12:
            ax.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.figure.tight_layout()
        return ax.figure


def plot_results(
    results: dict[str, OptimizationResult],
    indices: Sequence[int] | None = None,
    size: float = 2.0,
    suptitle: str | None = None,
):
    """One row of pictures per result (labelled by its key), for side-by-side comparisons.

    ``indices`` picks the same pictures from every result (default: all).
    """
    import matplotlib.pyplot as plt

    rows = list(results.items())
    if not rows:
        raise ValueError("no results to plot: pass {'label': result, ...}")
    picks = [list(range(len(r))) if indices is None else list(indices) for _, r in rows]
    ncols = max(len(p) for p in picks)
    fig, axes = plt.subplots(
        len(rows), ncols, figsize=(size * ncols + 1.2, (size + 0.3) * len(rows)), squeeze=False
    )
    for (label, result), pick, axes_row in zip(rows, picks, axes, strict=True):
        for ax in axes_row:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_frame_on(False)
        for ax, index in zip(axes_row, pick, strict=False):
            ax.imshow(result.images[index])
            ax.set_title(result.titles[index] if result.titles else str(index), fontsize=10)
        axes_row[0].set_ylabel(label, fontsize=10)
        for ax in axes_row[len(pick):]:  # a shorter row: no empty panels
            ax.remove()
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return mark_palette(fig)


def plot_ascent(
    curves: dict[str, Any],
    image: np.ndarray | None = None,
    image_title: str = "",
    ylabel: str = "mean activation of the filter",
):
    """Objective-per-step curves (one per label), optionally next to the image; returns the figure.

    A float image (any range, e.g. the slide loop's unclipped ``I``) is stretched to [0, 1].
    """
    import matplotlib.pyplot as plt

    panels = 2 if image is not None else 1
    fig, axes = plt.subplots(
        1, panels, figsize=(4.2 * panels + 1.0, 3.4), squeeze=False,
        gridspec_kw={"width_ratios": [1, 1.4][-panels:]},
    )
    axes = axes[0]
    if image is not None:
        shown = np.asarray(image)
        if shown.dtype != np.uint8:
            shown = shown.astype(np.float64)
            shown = (shown - shown.min()) / max(float(np.ptp(shown)), 1e-12)
        axes[0].imshow(shown)
        axes[0].axis("off")
        axes[0].set_title(image_title)
    ax = axes[-1]
    for label, curve in curves.items():
        curve = np.asarray(curve)
        ax.plot(np.arange(1, curve.size + 1), curve, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=10)
    fig.tight_layout()
    return fig
