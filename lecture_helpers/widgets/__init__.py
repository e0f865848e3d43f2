"""ipywidgets controls: thin shells around lecture_helpers functions.

Each widget lives in its own module and is imported on first use
(``lh.widgets.ActivationBrowser``), so importing lecture_helpers stays fast.
"""

from __future__ import annotations

import importlib

_WIDGETS = {
    "ActivationBrowser": "activation_browser",
    "FilterExplorer": "filter_explorer",
    "ClassVisualizer": "class_visualizer",
    "SaliencyExplorer": "saliency_explorer",
    "GradCAMExplorer": "gradcam_explorer",
}

__all__ = sorted(_WIDGETS)


def __getattr__(name: str):
    if name == "snapshot":
        from ._snapshot import snapshot

        return snapshot
    if name not in _WIDGETS:
        raise AttributeError(f"lecture_helpers.widgets has no {name!r}; widgets: {__all__}")
    module = importlib.import_module(f".{_WIDGETS[name]}", __name__)
    return getattr(module, name)
