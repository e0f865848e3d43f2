"""ActivationBrowser: pick a photo, a layer and a channel; see what the network computes there.

A thin shell around :mod:`lecture_helpers.activations`: activations come from one cached
activation model (one forward pass per photo, cached per photo), pictures from
:func:`~lecture_helpers.activations.channel_grid` / ``channel_image``, shown as PNG bytes
in an ``ipywidgets.Image``. ``browser.current_image`` is the RGB array on display.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..activations import (
    STATISTICS_IMAGES,
    activation_model,
    channel_grid,
    channel_image,
    describe_layer,
    grid_shape,
)
from ..alt_text import where_heat
from ..colormaps import SEQUENTIAL
from ..images import load_image
from ..modelview import view
from ..zoo import ZooModel
from ._common import DescribedImage, image_dict, png_bytes, uploaded_files

HIGHLIGHT = np.array([228, 26, 28], dtype=np.uint8)  # red frame around the selected tile


def colormap_lut(cmap: str = SEQUENTIAL) -> np.ndarray:
    """(256, 3) uint8 lookup table of a matplotlib colormap."""
    import matplotlib

    colors = matplotlib.colormaps[cmap](np.linspace(0.0, 1.0, 256))[:, :3]
    return (colors * 255.0 + 0.5).astype(np.uint8)


def colorize(values: np.ndarray, lut: np.ndarray, background: int = 255) -> np.ndarray:
    """[0, 1] values → RGB uint8 through ``lut``; values below 0 (tile borders) → white."""
    index = (np.clip(values, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    rgb = lut[index]
    rgb[values < 0] = background
    return rgb


def tile_padding(height: int, width: int) -> int:
    """Border between tiles: about 3 % of the tile, at least 1 px (survives downscaling)."""
    return max(1, round(0.03 * max(height, width)))


def highlight_tile(
    rgb: np.ndarray,
    channel: int,
    tile_shape: tuple[int, int],
    channels: int,
    cols: int | None,
    padding: int,
) -> np.ndarray:
    """Draw a frame on tile ``channel`` of a channel-grid picture (in place; returned)."""
    height, width = tile_shape
    _, cols = grid_shape(channels, cols)
    row, col = divmod(int(channel), cols)
    top, left = row * (height + padding), col * (width + padding)
    thick = max(1, padding, max(height, width) // 40)
    tile = rgb[top : top + height, left : left + width]
    tile[:thick] = tile[-thick:] = HIGHLIGHT
    tile[:, :thick] = tile[:, -thick:] = HIGHLIGHT
    return rgb


def upscale(image: np.ndarray, target: int) -> np.ndarray:
    """Enlarge by a whole factor (nearest neighbour) so the longer side nears ``target`` px."""
    factor = max(1, int(target) // max(image.shape[:2]))
    if factor == 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


class ActivationBrowser(widgets.VBox):
    """Browse a model's intermediate activations: photo, layer, channel or whole layer.

    ``model``: a ZooModel or keras.Model. ``images``: dict name → image (uint8 arrays, paths,
    ...), a list, one image, or None for the sample photos; more can be uploaded.
    ``layers``: the layers offered (default: every conv/pool feature map, in order).
    Controls: ``image_dropdown``, ``upload``, ``layer_dropdown``, ``channel_input``,
    ``whole_layer`` (all tiles, the selected channel framed in red; off: that channel alone,
    enlarged); set their ``.value`` from code or click them. ``cols=None`` lays the
    tiles out about twice as wide as tall.
    """

    def __init__(
        self,
        model: ZooModel | Any,
        images: Any = None,
        layers: str | Sequence[str] | None = None,
        norm: str = "minmax",
        cols: int | None = None,
        cmap: str = SEQUENTIAL,
        display_size: int = 512,
    ) -> None:
        view(model)  # a clear TypeError for a non-model, an error for an unsupported one
        self.activation_model = activation_model(model, layers)
        self.images = image_dict(images, STATISTICS_IMAGES)
        self.norm = norm
        self.cols = cols
        self.display_size = display_size
        self._lut = colormap_lut(cmap)
        self._activations: dict[str, dict[str, np.ndarray]] = {}
        self._quiet = False
        self.current_image: np.ndarray = np.zeros((1, 1, 3), np.uint8)
        self.forward_passes = 0  # how many images were run through the network

        names = list(self.images)
        layer_names = list(self.activation_model.layer_names)
        self.image_dropdown = widgets.Dropdown(options=names, value=names[0], description="image")
        self.upload = widgets.FileUpload(accept="image/*", multiple=False, description="Upload")
        self.layer_dropdown = widgets.Dropdown(
            options=layer_names, value=layer_names[0], description="layer"
        )
        self.whole_layer = widgets.ToggleButton(
            value=True, description="whole layer", tooltip="all channels of the layer as tiles"
        )
        # a number box, not a slider: ipywidgets' slider handle has no accessible name
        self.channel_input = widgets.BoundedIntText(value=0, min=0, max=1, description="channel",
                                                    continuous_update=True)
        self.photo = DescribedImage(
            format="png", layout=widgets.Layout(width="200px", height="auto", object_fit="contain")
        )
        self.view = DescribedImage(format="png", layout=widgets.Layout(max_width="100%"))
        self.caption = widgets.HTML()

        self.image_dropdown.observe(self._on_image, names="value")
        self.layer_dropdown.observe(self._on_layer, names="value")
        self.channel_input.observe(self._on_control, names="value")
        self.whole_layer.observe(self._on_control, names="value")
        self.upload.observe(self._on_upload, names="value")

        super().__init__(
            children=[
                widgets.HBox([self.image_dropdown, self.upload]),
                widgets.HBox([self.layer_dropdown, self.whole_layer, self.channel_input]),
                widgets.HBox(
                    [self.photo, self.view], layout=widgets.Layout(align_items="flex-start")
                ),
                self.caption,
            ]
        )
        self._show_photo()
        self._update_channel_bounds()
        self.redraw()

    # -- data -------------------------------------------------------------------------

    def activations(self, image_name: str | None = None) -> dict[str, np.ndarray]:
        """``{layer: (H, W, C)}`` for a photo (default: the selected one); one forward pass,
        then cached."""
        name = self.image_dropdown.value if image_name is None else image_name
        if name not in self._activations:
            batch = self.activation_model(self.images[name])
            self.forward_passes += 1
            self._activations[name] = {layer: out[0] for layer, out in batch.items()}
        return self._activations[name]

    @property
    def current_activation(self) -> np.ndarray:
        """The selected layer's (H, W, C) activation for the selected photo."""
        return self.activations()[self.layer_dropdown.value]

    def add_image(self, name: str, image: Any, select: bool = True) -> str:
        """Add a photo (any form ``lh.load_image`` takes) under a unique name; returns it."""
        array = load_image(image)
        unique, n = str(name), 2
        while unique in self.images:
            unique, n = f"{name} ({n})", n + 1
        self.images[unique] = array
        self._quiet = True
        try:
            self.image_dropdown.options = list(self.images)
            self.image_dropdown.value = unique if select else self.image_dropdown.value
        finally:
            self._quiet = False
        if select:
            self._on_image()
        return unique

    # -- drawing ------------------------------------------------------------------------

    def render(self) -> np.ndarray:
        """The RGB picture for the current controls (no widget update)."""
        activation = self.current_activation
        channel = self.channel_input.value
        if not self.whole_layer.value:
            values = channel_image(activation, channel, norm=self.norm)
            return upscale(colorize(values, self._lut), self.display_size)
        height, width, channels = activation.shape
        padding = tile_padding(height, width)
        values = channel_grid(
            activation, cols=self.cols, norm=self.norm, padding=padding, pad_value=-1.0
        )
        rgb = highlight_tile(
            colorize(values, self._lut), channel, (height, width), channels, self.cols, padding
        )
        return upscale(rgb, self.display_size)

    def redraw(self) -> None:
        """Recompute the picture and caption from the controls."""
        self.current_image = self.render()
        self.view.value = png_bytes(self.current_image)
        self.view.tooltip = self._description()  # the <img>'s title: what a screen reader reads
        self.caption.value = self._caption_text()

    def _description(self) -> str:
        """What the picture shows, in words and numbers from the activations it draws."""
        activation = self.current_activation
        layer, channel = self.layer_dropdown.value, self.channel_input.value
        photo = self.image_dropdown.value
        if self.whole_layer.value:
            dead = int(np.sum(np.all(activation == 0, axis=(0, 1))))
            return (f"All {activation.shape[-1]} channels of layer {layer} for the photo "
                    f"{photo}, as tiles (channel {channel} framed); {dead} of them all zero here")
        values = activation[..., channel]
        if not np.any(values):
            return f"Channel {channel} of layer {layer} for the photo {photo}: all zero here"
        return (f"Channel {channel} of layer {layer} for the photo {photo}: "
                f"{100 * np.mean(values > 0):.0f}% of its units active; {where_heat(values)}")

    def _caption_text(self) -> str:
        activation = self.current_activation
        text = describe_layer(self.layer_dropdown.value, activation)
        if self.whole_layer.value:
            values = activation
            what = f"all channels (channel {self.channel_input.value} framed)"
        else:
            values = activation[..., self.channel_input.value]
            what = f"channel {self.channel_input.value}"
        zeros = 100.0 * float(np.mean(values == 0))
        dead = " (dead: all zero)" if not self.whole_layer.value and zeros == 100.0 else ""
        return (
            f"<b>{html.escape(text)}</b> · showing {what}{dead} · {zeros:.0f}% zeros · "
            f"photo: {html.escape(str(self.image_dropdown.value))}"
        )

    def _show_photo(self) -> None:
        batch = self.activation_model.prepare(self.images[self.image_dropdown.value])
        photo = np.clip(batch[0], 0, 255).astype(np.uint8)
        self.photo.value = png_bytes(photo if photo.shape[-1] == 3 else photo[..., 0])
        self.photo.tooltip = (f"The photo {self.image_dropdown.value}, as the model sees it "
                              f"({photo.shape[1]}x{photo.shape[0]} px)")

    def _update_channel_bounds(self) -> None:
        channels = self.current_activation.shape[-1]
        self._quiet = True
        try:
            self.channel_input.value = min(self.channel_input.value, channels - 1)
            self.channel_input.max = channels - 1
        finally:
            self._quiet = False

    # -- events -------------------------------------------------------------------------

    def _on_image(self, change: Any = None) -> None:
        if self._quiet:
            return
        self._show_photo()
        self.redraw()

    def _on_layer(self, change: Any = None) -> None:
        if self._quiet:
            return
        self._update_channel_bounds()
        self.redraw()

    def _on_control(self, change: Any = None) -> None:
        if self._quiet:
            return
        self.redraw()

    def _on_upload(self, change: Any) -> None:
        for name, content in uploaded_files(change["new"]):
            try:
                self.add_image(name, content)
            except (ValueError, TypeError, OSError) as exc:
                self.caption.value = (
                    f"<b>Could not use {html.escape(str(name))}:</b> {html.escape(str(exc))}. "
                    "Upload a PNG or JPEG photo."
                )
