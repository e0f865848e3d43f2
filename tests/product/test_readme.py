"""The README's "Your own model and images" example runs as printed, on a user's saved model."""

from __future__ import annotations

import re

import keras
import matplotlib
import numpy as np
from PIL import Image

import lecture_helpers as lh
from tests.notebook_files import ROOT

README = ROOT / "README.md"


def _own_model_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Your own model and images") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def _students_convnet() -> keras.Model:
    """A small two-class convnet as a student would write it (Sequential, softmax head)."""
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((96, 96, 3)),
            keras.layers.Rescaling(1 / 255.0),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv2d"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(16, 3, activation="relu", name="conv2d_1"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )


def test_the_own_model_example_runs_as_printed(tmp_path, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    _students_convnet().save("my_convnet.keras")
    Image.fromarray(lh.sample_image("dog")).save("my_photo.jpg")
    code = _own_model_example()
    assert "lh.load_model(\"my_convnet.keras\"" in code
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    model = namespace["model"]
    assert model.class_names == ("cat", "dog") and model.input_size == (96, 96)
    assert namespace["heatmap"].shape == (45, 45)  # conv2d_1: 96 - 2, pooled, - 2
    assert 0.0 <= namespace["heatmap"].min() and namespace["heatmap"].max() <= 1.0
    assert namespace["saliency"].map.shape == (96, 96)
    assert namespace["saliency"].class_name == "dog"
    assert namespace["filters"].images.shape == (3, 128, 128, 3)
    assert namespace["dog"].titles == ["dog (1)"]
    assert np.all(np.isfinite(namespace["dog"].history))
    matplotlib.pyplot.close("all")
