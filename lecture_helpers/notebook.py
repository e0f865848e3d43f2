"""One call at the top of every notebook: deterministic, quiet, slide-ready figures."""

from __future__ import annotations

import logging
import os
import random
import warnings

import numpy as np

from ._quiet import tf

IN_COLAB = "google.colab" in __import__("sys").modules


def seed_everything(seed: int = 0) -> None:
    """Seed Python, numpy, TensorFlow and Keras."""
    import keras

    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)
    keras.utils.set_random_seed(seed)


def setup_notebook(seed: int = 0, dpi: int = 100) -> None:
    """Seed everything, silence library chatter, and set figure defaults for slides.

    Figures are drawn at ``dpi`` (100: sharp on a projector) with fonts readable from the
    back of a room, and each figure shown carries its measured size, panels and fonts as
    output metadata (:func:`lecture_helpers.figures.figure_report`).
    """
    import matplotlib

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    seed_everything(seed)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")
    np.set_printoptions(precision=3, suppress=True)
    matplotlib.rcParams.update(
        {
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            "figure.figsize": (8, 4),
            "font.size": 11,
            "axes.titlesize": 12,
            "figure.titlesize": 13,
            "axes.labelsize": 11,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 10,
            "image.interpolation": "nearest",
            "svg.hashsalt": "lecture",  # deterministic SVG ids if SVG output is used
        }
    )
    from .figures import install_figure_reports

    install_figure_reports()


# The first code cell of every notebook, verbatim (checked by
# tests/product/test_notebook_hygiene.py).
# The repository is the one setting [tool.lecture-helpers] in pyproject.toml
# (scripts/set_repository.py changes it everywhere).
DEFAULT_REPOSITORY = "https://github.com/visualizing-convnets/lecture"


def setup_cell(repository: str = DEFAULT_REPOSITORY, branch: str = "main") -> str:
    """The first code cell of every notebook, installing from ``repository`` on Colab."""
    source = f"git+{repository.rstrip('/')}.git" + ("" if branch == "main" else f"@{branch}")
    return f'''# Setup (the same in every notebook). On Colab this installs the helpers; locally `make lab` did.
import sys

if "google.colab" in sys.modules:
    %pip install -q "lecture-helpers @ {source}"
    %pip install -q --no-deps catsordogs==0.0.9

import lecture_helpers as lh

lh.setup_notebook(seed=0)'''


def colab_url(notebook: str, repository: str = DEFAULT_REPOSITORY, branch: str = "main") -> str:
    """The "Open in Colab" address of ``notebook`` (e.g. "01_channels.ipynb")."""
    path = repository.rstrip("/").removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{path}/blob/{branch}/notebooks/{notebook}"


SETUP_CELL = setup_cell()
