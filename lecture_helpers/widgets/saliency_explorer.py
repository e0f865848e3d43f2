"""SaliencyExplorer: pick a photo, one of its top-5 classes and a method; see the image gradient.

A thin shell around :func:`lecture_helpers.saliency.saliency`: maps are cached per photo,
class and method, so switching back and forth never recomputes.  ``explorer.shown`` is the
RGB array on display (the photo, then the coloured map), ``explorer.result`` the
:class:`~lecture_helpers.saliency.Attribution` behind it.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import keras
import numpy as np

from ..alt_text import where_heat
from ..attribution import Attribution
from ..colormaps import HEAT
from ..modelview import view
from ..saliency_maps import METHOD_TITLES, METHODS, fit_image, render_map, saliency
from ..zoo import ZooModel
from ._common import DescribedImage, TopClassMenu, png_bytes

DEFAULT_IMAGES = ("cat_dog", "cat", "coffee", "dog")
GAP = 8  # white pixels between the photo and its map


def side_by_side(photo: np.ndarray, picture: np.ndarray, gap: int = GAP) -> np.ndarray:
    """Two same-height uint8 RGB pictures next to each other with a white gap."""
    spacer = np.full((photo.shape[0], gap, 3), 255, np.uint8)
    return np.concatenate([photo, spacer, picture], axis=1)


class SaliencyExplorer(TopClassMenu, widgets.VBox):
    """Explore image gradients: the photo, a class among its top-k, the method, the map.

    ``model``: a zoo model (``lh.load_model(...)``) or any Keras classifier. ``images``:
    dict name -> image, a list, one image, or None for sample photos. Images the model
    cannot take as they are are resized to its input size (the caption says so). Controls
    (set ``.value`` from code or use them): ``image_dropdown``, ``class_dropdown``,
    ``method_dropdown``. ``options`` are passed to
    :func:`~lecture_helpers.saliency.saliency` (e.g. ``samples=25``).
    """

    def __init__(
        self,
        model: ZooModel | keras.Model,
        images: Any = None,
        top_k: int = 5,
        cmap: str = HEAT,
        display_width: int = 672,
        **options: Any,
    ) -> None:
        self._set_up(model, images, DEFAULT_IMAGES, top_k, cmap)
        self.options = options
        self._fitted: dict[str, np.ndarray] = {}
        self._top: dict[str, list[tuple[int, str, float]]] = {}
        self._results: dict[tuple[str, int, str], Attribution] = {}
        self._quiet = False
        self.computations = 0  # maps computed (not taken from the cache)
        self.result: Attribution | None = None
        self.shown: np.ndarray = np.zeros((1, 1, 3), np.uint8)

        names = list(self.images)
        self.image_dropdown = widgets.Dropdown(options=names, value=names[0], description="image")
        self.class_dropdown = widgets.Dropdown(description="class")
        self.method_dropdown = widgets.Dropdown(
            options=[(METHOD_TITLES[m], m) for m in METHODS], value=METHODS[0],
            description="method",
        )
        self.view = DescribedImage(
            format="png", layout=widgets.Layout(width=f"{display_width}px", max_width="100%")
        )
        self.caption = widgets.HTML()
        self._lay_out(
            [widgets.HBox([self.image_dropdown, self.class_dropdown, self.method_dropdown])],
            [self.class_dropdown, self.method_dropdown],
        )

    # -- data -------------------------------------------------------------------------

    def model_image(self, name: str | None = None) -> np.ndarray:
        """The uint8 photo at the size the model sees it (cached)."""
        name = self.image_dropdown.value if name is None else name
        if name not in self._fitted:
            self._fitted[name] = fit_image(self.model, self.images[name], verbose=False)
        return self._fitted[name]

    def top_classes(self, name: str | None = None) -> list[tuple[int, str, float]]:
        """(index, name, probability) of the photo's ``top_k`` classes, as the model sees it."""
        name = self.image_dropdown.value if name is None else name
        if name not in self._top:
            model_view = view(self.model)
            x = model_view.batch(self.model_image(name), size=self.model_image(name).shape[:2])
            self._top[name] = model_view.top_classes(x, top=self.top_k)[0]
        return self._top[name]

    def compute(self) -> Attribution:
        """The saliency map for the current controls (cached)."""
        key = (
            self.image_dropdown.value,
            int(self.class_dropdown.value),
            self.method_dropdown.value,
        )
        if key not in self._results:
            self._results[key] = saliency(
                self.model, self.model_image(), key[1], key[2], verbose=False, **self.options
            )
            self.computations += 1
        return self._results[key]

    # -- drawing ----------------------------------------------------------------------

    def redraw(self) -> None:
        """Compute (or fetch) the map and redraw the picture and caption."""
        self.result = self.compute()
        self.shown = side_by_side(self.result.image, render_map(self.result, self.cmap))
        self.view.value = png_bytes(self.shown)
        original = self.images[self.image_dropdown.value].shape[:2]
        seen = self.result.image.shape[:2]
        note = (
            f"; the {original[0]}x{original[1]} photo was resized to {seen[0]}x{seen[1]} "
            "for the model"
            if original != seen
            else ""
        )
        gap = self.result.completeness_gap
        gap_note = f"; completeness gap {100 * gap:.0f}%" if gap is not None else ""
        self.view.tooltip = (  # the <img>'s title: what a screen reader reads
            f"{self.result.title} for {self.result.class_name} on the photo "
            f"{self.image_dropdown.value}: the photo, then its map; "
            f"{where_heat(np.abs(self.result.map))}"
        )
        self.caption.value = html.escape(
            f"{self.result.title} for {self.result.class_name} "
            f"(class {self.result.class_index}, logit {self.result.score:.2f}){gap_note}{note}"
        )

