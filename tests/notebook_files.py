"""The notebooks of the lecture, for the hygiene, slide and browser tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
EXPECTED_NOTEBOOKS = (
    "01_channels.ipynb",
    "02_filters.ipynb",
    "03_class_neurons.ipynb",
    "04_grad_cam.ipynb",
)


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
