"""FilterExplorer: pick a layer and a filter, run gradient ascent, see the picture and its curve.

A thin shell around :func:`lecture_helpers.optimize.visualize_filters`.  Controls: layer,
filter index, steps, learning rate, picture size, parameterization (Fourier / pixels), the
robustness transforms, and the regularizers (L2 decay, total variation, blur).  Run
optimizes; a progress bar follows the steps.  The picture and the objective curve are shown
as one PNG in an ``ipywidgets.Image``.  ``explorer.result`` is the engine's
:class:`~lecture_helpers.optimize.OptimizationResult`, ``explorer.picture`` the image.
"""

from __future__ import annotations

import io
from typing import Any

import ipywidgets as widgets
import keras
import numpy as np

from ..modelview import view
from ..optimize import (
    OptimizationResult,
    feature_layer,
    regularizers,
    visualize_filters,
)
from ..zoo import ZooModel
from ._common import DescribedImage

SIZES = (64, 96, 128, 160, 224)
# The learning rates the menu offers (log-spaced; the one passed in is added when not here).
LEARNING_RATES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)


def explorable_layers(model: ZooModel | keras.Model) -> list[str]:
    """Layers worth exploring: convolutions and activations with feature-map outputs."""
    kinds = (
        keras.layers.Conv2D,
        keras.layers.DepthwiseConv2D,
        keras.layers.ReLU,
        keras.layers.Activation,
    )
    model_view = view(model)
    return [
        path for path in model_view.spatial_layers() if isinstance(model_view.layer(path), kinds)
    ]


def _default_layer(names: list[str]) -> str:
    preferred = [n for n in names if n.endswith("expand_activation")]
    if preferred:
        return preferred[len(preferred) // 2]
    return names[len(names) // 2]


class FilterExplorer(widgets.VBox):
    """Interactive filter visualization: ``FilterExplorer(lh.load_model('efficientnet_lite0'))``."""

    def __init__(
        self,
        model: ZooModel | keras.Model,
        layer: str | None = None,
        channel: int = 0,
        *,
        steps: int = 128,
        lr: float = 0.05,
        size: int = 128,
        seed: int = 0,
        run: bool = False,
    ):
        self.model = model
        self.seed = seed
        self.result: OptimizationResult | None = None
        self.picture: np.ndarray = np.zeros((1, 1, 3), np.uint8)
        view(model).last_conv_layer()  # a model without convolutions: says what is supported
        names = explorable_layers(model)
        layer = layer or _default_layer(names)
        feature_layer(model, layer)  # a clear error for a bad name
        if layer not in names:
            names.append(layer)
        if size not in SIZES:
            raise ValueError(f"size must be one of {SIZES}, got {size}")
        if not 8 <= int(steps) <= 512:
            raise ValueError(f"steps must be between 8 and 512 (the steps box), got {steps}")
        if not 0 < float(lr) <= 1:
            raise ValueError(f"lr must be in (0, 1], got {lr}")

        style = {"description_width": "110px"}
        wide = widgets.Layout(width="360px")
        self.layer_dropdown = widgets.Dropdown(
            options=names, value=layer, description="layer", style=style, layout=wide
        )
        self.filter_input = widgets.BoundedIntText(
            value=0, min=0, max=self._channels(layer) - 1, description="filter", style=style
        )
        self.filter_input.value = int(channel)
        # number boxes and menus, not sliders: ipywidgets' slider handle has no accessible name
        self.steps_input = widgets.BoundedIntText(
            value=int(steps), min=8, max=512, step=8, description="steps", style=style
        )
        rates = sorted({*LEARNING_RATES, float(lr)})
        self.lr_dropdown = widgets.Dropdown(
            options=[(f"{rate:g}", rate) for rate in rates], value=float(lr),
            description="learning rate", style=style,
        )
        self.size_dropdown = widgets.Dropdown(
            options=list(SIZES), value=int(size), description="size (px)", style=style
        )
        self.param_toggle = widgets.ToggleButtons(
            options=[("Fourier + decorrelation", "fourier"), ("pixels", "pixel")],
            value="fourier",
            description="image",
            style=style,
        )
        self.transforms_box = widgets.Checkbox(
            value=True, description="transforms (pad, jitter, scale, rotate)", indent=False
        )
        self.l2_box = widgets.Checkbox(value=False, description="L2 decay", indent=False)
        self.tv_box = widgets.Checkbox(value=False, description="total variation", indent=False)
        self.blur_box = widgets.Checkbox(value=False, description="blur (every 4)", indent=False)
        self.run_button = widgets.Button(description="Run", button_style="primary", icon="play")
        self.progress = widgets.IntProgress(value=0, min=0, max=int(steps),
                                            description="steps done")
        self.status = widgets.HTML(value="Press Run to optimize the filter's picture.")
        self.image = DescribedImage(format="png", layout=widgets.Layout(max_width="820px"))

        self.layer_dropdown.observe(self._on_layer, names="value")
        self.run_button.on_click(lambda _: self.run())

        controls = widgets.VBox(
            [
                self.layer_dropdown,
                widgets.HBox([self.filter_input, self.size_dropdown]),
                self.steps_input,
                self.lr_dropdown,
                self.param_toggle,
                widgets.HBox([self.transforms_box]),
                widgets.HBox([self.l2_box, self.tv_box, self.blur_box]),
                widgets.HBox([self.run_button, self.progress]),
                self.status,
            ]
        )
        super().__init__([controls, self.image])
        if run:
            self.run()

    # -- pieces ----------------------------------------------------------------------
    def _channels(self, layer: str) -> int:
        feature_layer(self.model, layer)  # a clear error for a layer without filters
        model_view = view(self.model)
        return int(model_view.layer_output(layer).shape[-1])

    def _on_layer(self, change: dict[str, Any]) -> None:
        channels = self._channels(change["new"])
        self.filter_input.max = channels - 1
        self.filter_input.value = min(self.filter_input.value, channels - 1)

    def selected_regularizers(self) -> list:
        """The regularizers the checkboxes ask for."""
        chosen = []
        if self.l2_box.value:
            chosen.append(regularizers.l2(1.0))
        if self.tv_box.value:
            chosen.append(regularizers.total_variation(1.0))
        if self.blur_box.value:
            chosen.append(regularizers.blur(0.5, every=4))
        return chosen

    def run(self) -> OptimizationResult:
        """Optimize the chosen filter with the chosen settings and show the result."""
        steps = int(self.steps_input.value)
        self.progress.max = steps
        self.progress.value = 0
        self.run_button.disabled = True
        self.status.value = "optimizing..."

        def advance(step: int, values: np.ndarray) -> None:
            self.progress.value = step

        try:
            self.result = visualize_filters(
                self.model,
                self.layer_dropdown.value,
                [int(self.filter_input.value)],
                steps=steps,
                size=int(self.size_dropdown.value),
                seed=self.seed,
                lr=float(self.lr_dropdown.value),
                param=self.param_toggle.value,
                transforms="standard" if self.transforms_box.value else None,
                regularizers=self.selected_regularizers(),
                progress=False,
                callback=advance,
            )
        except Exception as exc:  # show the message in the widget, then re-raise
            self.status.value = f"<b>Error:</b> {type(exc).__name__}: {exc}"
            raise
        finally:
            self.run_button.disabled = False
        self.picture = self.result.images[0]
        self.image.value, self.image.tooltip = self._render()  # the title: what it shows
        final = float(self.result.history[0, -1])
        self.status.value = (
            f"{self.layer_dropdown.value}, filter {self.filter_input.value}: "
            f"objective {float(self.result.history[0, 0]):.2f} → {final:.2f} in {steps} steps"
        )
        return self.result

    def render_png(self) -> bytes:
        """The current picture next to its objective curve, as PNG bytes."""
        return self._render()[0]

    def _render(self) -> tuple[bytes, str]:
        """The PNG of the picture next to its curve, and the figure's description."""
        from matplotlib.figure import Figure  # no pyplot: nothing is displayed twice

        from ..alt_text import describe

        if self.result is None:
            raise RuntimeError("nothing to show yet: call run() first")
        fig = Figure(figsize=(8.0, 3.4), dpi=100)
        ax_image, ax_curve = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
        ax_image.imshow(self.picture)
        ax_image.axis("off")
        ax_image.set_title(f"{self.layer_dropdown.value}, filter {self.filter_input.value}")
        curve = self.result.history[0]
        ax_curve.plot(np.arange(1, curve.size + 1), curve, color="tab:blue")
        ax_curve.set_xlabel("step")
        ax_curve.set_ylabel("mean activation of the filter")
        ax_curve.set_title("objective during gradient ascent")
        ax_curve.grid(alpha=0.3)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue(), describe(fig)
