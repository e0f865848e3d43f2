"""Pieces every widget shares: PNG encoding, the image menu, uploaded files."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import traitlets
from PIL import Image

from ..images import load_image, sample_image


class DescribedImage(widgets.Image):
    """An ``ipywidgets.Image`` whose ``tooltip`` says what the picture shows: the front end makes
    it the <img>'s title, its accessible name (what a screen reader reads).

    ipywidgets 8's front end sets that title only when the model's ``description`` is empty, and
    reads ``description.length`` to know: an Image model has no description, so a plain Image
    with a tooltip fails to draw at all (in JupyterLab and in html-manager). This one carries an
    empty description.
    """

    description = traitlets.Unicode("", help="always empty: see the class docstring").tag(
        sync=True)


def png_bytes(image: np.ndarray) -> bytes:
    """Encode a uint8 image as PNG (zlib level 6: a few ms more per redraw than the fastest
    level, and a third fewer bytes in the saved widget state of the committed notebooks)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def image_dict(images: Any, default_names: Sequence[str]) -> dict[str, np.ndarray]:
    """Photos for a widget's menu as {name: uint8 RGB}.

    ``images``: a dict name → image, a list, one image, or None for the sample photos
    ``default_names``.
    """
    if images is None:
        return {name: sample_image(name) for name in default_names}
    if isinstance(images, Mapping):
        items = list(images.items())
    elif isinstance(images, list | tuple):
        items = [(f"image {i}", image) for i, image in enumerate(images)]
    else:
        items = [("image", images)]
    if not items:
        raise ValueError("images is empty; pass a dict name → image (e.g. lh.sample_image('cat'))")
    return {str(name): load_image(image) for name, image in items}


def uploaded_files(value: Any) -> Iterator[tuple[str, bytes]]:
    """(file name, content) of each file in a ``FileUpload.value`` (ipywidgets 7 or 8)."""
    items = value.values() if isinstance(value, Mapping) else value
    for item in items:
        name = item["name"] if isinstance(item, Mapping) else item.name
        content = item["content"] if isinstance(item, Mapping) else item.content
        yield str(name), bytes(content)


class TopClassMenu:
    """Mixin for explorers with a photo menu, a top-k class menu and a ``redraw()``.

    Needs ``top_classes()`` → rows (index, name, probability), ``image_dropdown``,
    ``class_dropdown``, ``view``, ``caption``, ``redraw()`` and a ``_quiet`` flag (True while
    the class menu is being refilled).
    """

    def _set_up(self, model: Any, images: Any, default_names: Sequence[str], top_k: int,
                cmap: str) -> None:
        """The model (checked), the photo menu's images, how many top classes, the colours."""
        from ..modelview import view

        view(model)  # a clear TypeError for a non-model, an error for an unsupported one
        self.model = model
        self.images = image_dict(images, default_names)
        self.top_k = max(1, int(top_k))
        self.cmap = cmap

    def _lay_out(self, rows: Sequence[widgets.Widget], controls: Sequence[widgets.Widget]) -> None:
        """Rows of controls above ``view`` and ``caption``; redraw when a control changes (the
        image menu also refills the class menu); draw the first picture."""
        self.image_dropdown.observe(self._on_image, names="value")
        for control in controls:
            control.observe(self._on_control, names="value")
        widgets.VBox.__init__(self, children=[*rows, self.view, self.caption])
        self._update_classes()
        self.redraw()

    def _update_classes(self) -> None:
        options = [(f"{name} ({prob:.2f})", index) for index, name, prob in self.top_classes()]
        self._quiet = True
        try:
            self.class_dropdown.options = options
            self.class_dropdown.value = options[0][1]
        finally:
            self._quiet = False

    def _on_image(self, _change: Any) -> None:
        self._update_classes()
        self.redraw()

    def _on_control(self, _change: Any) -> None:
        if not self._quiet:
            self.redraw()
