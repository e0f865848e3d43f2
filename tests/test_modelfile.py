"""A user's model file (lecture_helpers/modelfile.py, through lh.load_model(path)): a file that
is not a model is named, and a file with code in it is refused before any of it runs."""

from __future__ import annotations

import keras
import pytest
from keras import layers

import lecture_helpers as lh


def test_a_file_that_is_not_a_model_is_named(tmp_path):
    for name in ("notes.h5", "notes.keras"):
        path = tmp_path / name
        path.write_text("not a model")
        with pytest.raises(ValueError, match=f"{name} is not a Keras model file"):
            lh.load_model(str(path))
    with pytest.raises(FileNotFoundError, match="model file not found"):
        lh.load_model(str(tmp_path / "missing.keras"))
    with pytest.raises(ValueError, match="not a model file this loader knows"):
        (tmp_path / "model.pt").write_bytes(b"x")
        lh.load_model(str(tmp_path / "model.pt"))


RAN: list[str] = []


def _marker(x):
    RAN.append("the Lambda ran")
    return x


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_model_file_with_code_is_refused_and_nothing_in_it_runs(tmp_path, suffix):
    inputs = keras.Input((16, 16, 3))
    x = layers.Lambda(_marker, name="sneaky")(layers.Conv2D(2, 3)(inputs))
    model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(x)))
    path = tmp_path / f"sneaky{suffix}"
    model.save(path)
    RAN.clear()
    with pytest.raises(lh.UnsafeModelFileError, match="sneaky is a Lambda layer.*nothing in it"):
        lh.load_model(str(path))
    assert RAN == []  # the file's code never ran
