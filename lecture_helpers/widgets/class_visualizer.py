"""ClassVisualizer: search a class, pick steps and a regularization preset, press Run.

A thin shell around :func:`lecture_helpers.class_neurons.visualize_class_preset` (the
gradient-ascent engine with named presets).  Typing in the search box lists the matching
classes (``lh.find_class``); Run optimizes the picked class and shows the picture next to
its objective curve.  ``visualizer.shown`` is the RGB array on display (picture and
curve), ``visualizer.picture`` the optimized image, ``visualizer.result`` the engine's
:class:`~lecture_helpers.optimize.OptimizationResult`.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import keras
import numpy as np

from ..class_neurons import CLASS_PRESETS, DEFAULT_PRESET, visualize_class_preset
from ..classes import find_class, imagenet_class_names
from ..errors import UnknownNameError
from ..modelview import view
from ..optimize import OptimizationResult
from ..zoo import ZooModel
from ._common import DescribedImage, png_bytes

SIZES = (128, 224)


def class_choices(
    model: ZooModel | keras.Model, query: str, limit: int = 50
) -> list[tuple[str, int]]:
    """Dropdown options ``("name (index)", index)`` for the classes matching ``query``."""
    text = query.strip()
    class_names = view(model).class_names
    if not text:
        return []
    if text.isdigit():
        index = int(text)
        if index >= len(class_names):
            return []
        return [(f"{class_names[index]} ({index})", index)]
    names = None if tuple(class_names) == imagenet_class_names() else class_names
    return [(f"{name} ({i})", i) for i, name in find_class(text, names)[:limit]]


class ClassVisualizer(widgets.VBox):
    """Class-neuron visualization with controls: search, class, steps, preset, size, Run.

    ``model``: a zoo model or any Keras classifier. Controls (set ``.value`` from code, or
    call ``run()``): ``search`` (text), ``class_dropdown``, ``steps_input``, ``preset_dropdown``,
    ``size_dropdown``, ``run_button``; ``progress`` shows the steps done.
    ``options`` go to the engine (e.g. ``seed=1``).
    """

    def __init__(
        self,
        model: ZooModel | keras.Model,
        query: str = "flamingo",
        steps: int = 128,
        preset: str = DEFAULT_PRESET,
        size: int = 224,
        display_width: int = 700,
        **options: Any,
    ) -> None:
        view(model)  # a clear TypeError for a non-model, an error for an unsupported one
        if preset not in CLASS_PRESETS:
            raise UnknownNameError(
                f"unknown preset {preset!r}; choose one of {', '.join(CLASS_PRESETS)}"
            )
        if size not in SIZES:
            raise ValueError(f"size must be one of {SIZES}, got {size}")
        if not 8 <= int(steps) <= 512:
            raise ValueError(f"steps must be between 8 and 512 (the steps box), got {steps}")
        self.model = model
        self.options = options
        self.result: OptimizationResult | None = None
        self.picture: np.ndarray = np.zeros((1, 1, 3), np.uint8)  # the optimized image
        self.shown: np.ndarray = np.zeros((1, 1, 3), np.uint8)  # picture + curve on display
        self.runs = 0

        self.search = widgets.Text(value=query, description="search", placeholder="e.g. flamin",
                                   continuous_update=False)
        self.class_dropdown = widgets.Dropdown(description="class")
        self.steps_input = widgets.BoundedIntText(value=steps, min=8, max=512, step=8,
                                                  description="steps")
        self.preset_dropdown = widgets.Dropdown(options=list(CLASS_PRESETS), value=preset,
                                                description="preset")
        self.size_dropdown = widgets.Dropdown(options=list(SIZES), value=size, description="size")
        self.run_button = widgets.Button(description="Run", button_style="primary", icon="play")
        self.progress = widgets.IntProgress(value=0, min=0, max=steps, description="steps done")
        self.view = DescribedImage(
            format="png", layout=widgets.Layout(width=f"{display_width}px", max_width="100%")
        )
        self.status = widgets.HTML()

        self.search.observe(self._on_search, names="value")
        self.run_button.on_click(self._on_run)
        super().__init__(
            children=[
                widgets.HBox([self.search, self.class_dropdown]),
                widgets.HBox([self.steps_input, self.preset_dropdown, self.size_dropdown]),
                widgets.HBox([self.run_button, self.progress]),
                self.view,
                self.status,
            ]
        )
        self._on_search(None)

    # -- events -----------------------------------------------------------------------

    def _on_search(self, _change: Any) -> None:
        options = class_choices(self.model, self.search.value)
        self.class_dropdown.options = options
        if options:
            self.class_dropdown.value = options[0][1]
            self.run_button.disabled = False
            shown = ", ".join(label for label, _ in options[:3])
            more = f" and {len(options) - 3} more" if len(options) > 3 else ""
            self.status.value = html.escape(f"{len(options)} matching classes: {shown}{more}")
        else:
            self.run_button.disabled = True
            self.status.value = html.escape(
                f"no class matches {self.search.value!r}; try part of a name, e.g. 'flamin'"
            )

    def _on_run(self, _button: Any) -> None:
        self.run()

    # -- work -------------------------------------------------------------------------

    def run(self) -> OptimizationResult:
        """Optimize the picked class with the current controls and show the result."""
        if self.class_dropdown.value is None:
            raise ValueError(f"no class picked: no class matches {self.search.value!r}")
        index = int(self.class_dropdown.value)
        steps = int(self.steps_input.value)
        self.progress.max = steps
        self.progress.value = 0
        self.run_button.disabled = True
        name = view(self.model).class_names[index]
        self.status.value = html.escape(f"running {steps} steps for {name}")

        def advance(step: int, _values: np.ndarray) -> None:
            self.progress.value = step

        try:
            self.result = visualize_class_preset(
                self.model, [index], self.preset_dropdown.value, steps=steps,
                size=int(self.size_dropdown.value), progress=False, callback=advance,
                **self.options,
            )
        finally:
            self.run_button.disabled = False
        self.runs += 1
        self.picture = self.result.images[0]
        self.shown, self.view.tooltip = self._render()  # the title: what it shows
        self.view.value = png_bytes(self.shown)
        model_view = view(self.model)
        x = model_view.batch(self.picture)
        probability = float(model_view.run("probabilities", x)[0, index])
        self.status.value = html.escape(
            f"{model_view.class_names[index]} ({index}), preset {self.preset_dropdown.value!r}: "
            f"logit {self.result.history[0, -1]:.1f} after {steps} steps; the model gives the "
            f"picture probability {probability:.2f}"
        )
        return self.result

    def _render(self) -> tuple[np.ndarray, str]:
        """The picture next to its objective curve, as one RGB array, and its description."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from ..alt_text import describe

        assert self.result is not None
        fig = Figure(figsize=(7.0, 3.2), dpi=100)
        ax_image, ax_curve = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.1]})
        ax_image.imshow(self.result.images[0])
        ax_image.set_title(self.result.titles[0], fontsize=10)
        ax_image.axis("off")
        curve = self.result.history[0]
        ax_curve.plot(np.arange(1, curve.size + 1), curve)
        ax_curve.set_xlabel("step")
        ax_curve.set_ylabel("logit (objective)")
        ax_curve.set_title("objective per step", fontsize=10)
        fig.tight_layout()
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba())[..., :3].copy(), describe(fig)
