"""GradCAMExplorer: pick a photo, a class among the top-k, a layer and a method; see where
the network finds the evidence.

A thin shell around :mod:`lecture_helpers.cam`: heatmaps come from
:func:`~lecture_helpers.cam.compute_heatmap` (cached per photo, class, layer and method, so
changing the opacity never recomputes), pictures from
:func:`~lecture_helpers.cam.overlay`, shown as PNG bytes in an ``ipywidgets.Image``.
``explorer.shown`` is the RGB array on display, ``explorer.heatmap`` the heatmap behind it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..alt_text import where_heat
from ..attribution import get_method
from ..cam import (
    CAM_METHODS,
    cam_layer_choices,
    compute_heatmap,
    overlay,
    resolve_cam_layer,
)
from ..colormaps import HEAT
from ..errors import UnknownNameError
from ..images import load_image
from ..modelview import view
from ..zoo import ZooModel
from ._common import DescribedImage, TopClassMenu, png_bytes, uploaded_files

DEFAULT_IMAGES = ("cat_dog", "cat", "dog", "coffee")


class GradCAMExplorer(TopClassMenu, widgets.VBox):
    """Explore class activation maps interactively.

    ``model``: a ZooModel or keras.Model (nested models too). ``images``: dict name → image,
    a list, one image, or None for sample photos; more can be uploaded. ``top_k``: how many
    of the image's top classes the class menu offers. ``layers``: the layer menu (default:
    :func:`~lecture_helpers.cam.cam_layer_choices`). ``methods``: names from
    ``lh.CAM_METHODS``. Controls (set ``.value`` from code or click them):
    ``image_dropdown``, ``upload``, ``class_dropdown``, ``layer_dropdown``,
    ``method_dropdown``, ``alpha_input``.
    """

    def __init__(
        self,
        model: ZooModel | Any,
        images: Any = None,
        top_k: int = 5,
        layers: Sequence[str] | None = None,
        methods: Sequence[str] | None = None,
        alpha: float = 0.4,
        cmap: str = HEAT,
        display_width: int = 448,
    ) -> None:
        self._set_up(model, images, DEFAULT_IMAGES, top_k, cmap)
        self.display_width = display_width
        layer_names = (
            [resolve_cam_layer(model, name) for name in layers]
            if layers is not None
            else cam_layer_choices(model)
        )
        method_names = list(methods) if methods is not None else list(CAM_METHODS)
        unknown = [m for m in method_names if m not in CAM_METHODS]
        if unknown:
            raise UnknownNameError(
                f"unknown methods {unknown}; choose from: {', '.join(CAM_METHODS)}"
            )
        self._heatmaps: dict[tuple, np.ndarray] = {}
        self._inputs: dict[str, np.ndarray] = {}
        self._probabilities: dict[str, np.ndarray] = {}
        self._quiet = False
        self.computations = 0  # how many heatmaps were computed (not taken from the cache)
        self.heatmap: np.ndarray = np.zeros((1, 1), np.float32)
        self.shown: np.ndarray = np.zeros((1, 1, 3), np.uint8)

        names = list(self.images)
        self.image_dropdown = widgets.Dropdown(options=names, value=names[0], description="image")
        self.upload = widgets.FileUpload(accept="image/*", multiple=False, description="Upload")
        self.class_dropdown = widgets.Dropdown(description="class")
        self.layer_dropdown = widgets.Dropdown(
            options=layer_names, value=layer_names[0], description="layer"
        )
        self.method_dropdown = widgets.Dropdown(
            options=method_names, value=method_names[0], description="method"
        )
        # a number box, not a slider: ipywidgets' slider handle has no accessible name
        if not 0 <= float(alpha) <= 1:
            raise ValueError(f"alpha (the overlay's opacity) must be in [0, 1], got {alpha}")
        self.alpha_input = widgets.BoundedFloatText(
            value=alpha, min=0.0, max=1.0, step=0.05, description="opacity",
            continuous_update=True,
        )
        self.view = DescribedImage(
            format="png", layout=widgets.Layout(width=f"{display_width}px", max_width="100%")
        )
        self.caption = widgets.HTML()

        self.upload.observe(self._on_upload, names="value")
        self._lay_out(
            [widgets.HBox([self.image_dropdown, self.upload]),
             widgets.HBox([self.class_dropdown, self.layer_dropdown]),
             widgets.HBox([self.method_dropdown, self.alpha_input])],
            [self.class_dropdown, self.layer_dropdown, self.method_dropdown, self.alpha_input],
        )

    # -- data -------------------------------------------------------------------------

    def model_input(self, image_name: str | None = None) -> np.ndarray:
        """The float (1, H, W, 3) batch the model sees for a photo (cached)."""
        name = self.image_dropdown.value if image_name is None else image_name
        if name not in self._inputs:
            image = self.images[name]
            self._inputs[name] = view(self.model).batch(image)
        return self._inputs[name]

    def top_classes(self, image_name: str | None = None) -> list[tuple[int, str, float]]:
        """(index, name, probability) of the photo's ``top_k`` classes."""
        name = self.image_dropdown.value if image_name is None else image_name
        if name not in self._probabilities:
            x = self.model_input(name)
            self._probabilities[name] = view(self.model).run("probabilities", x)[0]
        probs = self._probabilities[name]
        names = view(self.model).class_names
        order = np.argsort(-probs, kind="stable")[: self.top_k]
        return [(int(i), names[i], float(probs[i])) for i in order]

    def compute(self) -> np.ndarray:
        """The heatmap for the current controls (cached)."""
        key = (
            self.image_dropdown.value,
            self.class_dropdown.value,
            self.layer_dropdown.value,
            self.method_dropdown.value,
        )
        if key not in self._heatmaps:
            self._heatmaps[key] = compute_heatmap(
                self.model,
                self.model_input(),
                int(self.class_dropdown.value),
                self.layer_dropdown.value,
                method=self.method_dropdown.value,
            )[0]
            self.computations += 1
        return self._heatmaps[key]

    # -- drawing ----------------------------------------------------------------------

    def redraw(self) -> None:
        """Recompute (or fetch) the heatmap and redraw the overlay and caption."""
        x = self.model_input()
        photo = np.clip(np.round(x[0]), 0, 255).astype(np.uint8)
        self.heatmap = self.compute()
        self.shown = overlay(photo, self.heatmap, alpha=self.alpha_input.value, cmap=self.cmap)
        self.view.value = png_bytes(self.shown)
        label = dict((v, k) for k, v in self.class_dropdown.options)[self.class_dropdown.value]
        layer_note = (
            "" if not get_method(self.method_dropdown.value).layer
            else f", layer {self.layer_dropdown.value} (heatmap {self.heatmap.shape[0]}x"
            f"{self.heatmap.shape[1]})"
        )
        self.view.tooltip = (  # the <img>'s title: what a screen reader reads
            f"{self.method_dropdown.value} for {label} on the photo "
            f"{self.image_dropdown.value}, over the photo at opacity "
            f"{self.alpha_input.value:.2f}: {where_heat(self.heatmap)}"
        )
        self.caption.value = html.escape(
            f"{self.method_dropdown.value} for {label}{layer_note}; input "
            f"{x.shape[1]}x{x.shape[2]} px"
        )

    def _on_upload(self, change: Any) -> None:
        for name, content in uploaded_files(change["new"]):
            self.add_image(f"upload: {name}", content)

    def add_image(self, name: str, image: Any) -> None:
        """Add a photo (array, path, bytes, ...) to the menu and select it."""
        self.images[name] = load_image(image)
        self._inputs.pop(name, None)
        self._probabilities.pop(name, None)
        self._heatmaps = {k: v for k, v in self._heatmaps.items() if k[0] != name}
        self.image_dropdown.options = list(self.images)
        if self.image_dropdown.value == name:
            self._on_image(None)
        else:
            self.image_dropdown.value = name
