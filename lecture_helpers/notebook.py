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


def setup_notebook(seed: int = 0, dpi: int = 72) -> None:
    """Seed everything, silence library chatter, and set figure defaults for slides."""
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
            "axes.titlesize": 11,
            "image.interpolation": "nearest",
            "svg.hashsalt": "lecture",  # deterministic SVG ids if SVG output is used
        }
    )


# The first code cell of every notebook, verbatim (tests/test_notebook_hygiene.py checks it).
SETUP_CELL = '''# Setup (the same in every notebook). On Colab this installs the helpers; locally `make lab` did.
import sys

if "google.colab" in sys.modules:
    %pip install -q "lecture-helpers @ git+https://github.com/visualizing-convnets/lecture.git"
    %pip install -q --no-deps catsordogs==0.0.9

import lecture_helpers as lh

lh.setup_notebook(seed=0)'''
