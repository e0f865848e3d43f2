"""The notebooks of the lecture, for the hygiene, slide and browser tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
# The lecture: one core notebook per part, sized for one lab session.
CORE_NOTEBOOKS = (
    "01_channels.ipynb",
    "02_filters.ipynb",
    "03_class_neurons.ipynb",
    "04_grad_cam.ipynb",
)
# Everything beyond the slides, by topic, linked from the end of the core notebooks.
FURTHER_NOTEBOOKS = (
    "05_further_layers.ipynb",
    "06_further_class_pictures.ipynb",
    "07_further_attribution.ipynb",
)
EXPECTED_NOTEBOOKS = CORE_NOTEBOOKS + FURTHER_NOTEBOOKS


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
