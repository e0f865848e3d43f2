"""Loading a user's model file without running anything inside it.

A Keras model file can carry code: a ``Lambda`` layer stores Python bytecode, and a
custom function or class is imported by name.  :func:`load_safely` reads the file's
configuration first (JSON, no code runs), refuses any of that with an error that says
why, and only then lets Keras build the model, with ``safe_mode=True``.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import keras

from .errors import UnsafeModelFileError, existing_file

__all__ = ["UnsafeModelFileError", "load_safely", "read_config"]

# Layer classes that hold Python code (Keras 3's Lambda; Keras 2's op wrappers).
_CODE_CLASSES = {"Lambda", "TFOpLambda", "SlicingOpLambda"}
# Modules whose registered classes are trusted (Keras itself, and this package's own).
_TRUSTED_MODULES = ("keras", "tf_keras", "tensorflow", "lecture_helpers")


def read_config(path: Path) -> dict:
    """The model configuration stored in a ``.keras`` (zip) or ``.h5`` (HDF5) file."""
    suffix = path.suffix.lower()
    if suffix == ".keras":
        try:
            with zipfile.ZipFile(path) as archive:
                return json.loads(archive.read("config.json"))
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
            raise ValueError(
                f"{path} is not a Keras model file: a .keras file is a zip archive with a "
                f"config.json ({exc}). Save a model with model.save('name.keras')."
            ) from None
    if suffix in (".h5", ".hdf5"):
        import h5py

        try:
            with h5py.File(path, "r") as file:
                raw = file.attrs.get("model_config")
        except OSError as exc:
            raise ValueError(
                f"{path} is not a Keras model file: it cannot be read as HDF5 ({exc})."
            ) from None
        if raw is None:
            raise ValueError(
                f"{path} is an HDF5 file without a model configuration (weights only?). "
                "Load it into a model you build yourself with model.load_weights(path), "
                "or save the whole model with model.save('name.keras')."
            )
        return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    raise ValueError(
        f"{path} is not a model file this loader knows: use a .keras file (Keras 3) or a "
        ".h5 / .hdf5 file (Keras 2)"
    )


def _code_in(config: Any, where: str = "model") -> str | None:
    """A description of the first piece of code in a configuration, or None."""
    if isinstance(config, dict):
        class_name = config.get("class_name")
        name = (config.get("config") or {}).get("name") if isinstance(
            config.get("config"), dict) else None
        here = f"{where} > {name or class_name}" if class_name else where
        if class_name in _CODE_CLASSES:
            return f"layer {name or '?'} is a {class_name} layer, which stores Python code"
        if class_name in ("function", "__lambda__") or "__lambda__" in config:
            module = config.get("module", "")
            if class_name == "__lambda__" or "__lambda__" in config or not str(
                module
            ).startswith(_TRUSTED_MODULES):
                return f"{here} uses a Python function ({config.get('config')!r})"
        module = config.get("module")
        if class_name and module and not str(module).startswith(_TRUSTED_MODULES):
            return f"{here} is the custom class {class_name} from module {module}"
        registered = config.get("registered_name")
        if (
            class_name
            and isinstance(registered, str)
            and ">" in registered
            and not registered.startswith("lecture_helpers>")
        ):
            return f"{here} is the custom class {registered}"
        for key, value in config.items():
            found = _code_in(value, here if key == "config" else where)
            if found:
                return found
    elif isinstance(config, list):
        for item in config:
            found = _code_in(item, where)
            if found:
                return found
    return None


def load_safely(path: str | Path) -> keras.Model:
    """Load a ``.keras`` or ``.h5`` model (``compile=False``) after checking that its
    configuration carries no code; raises :class:`UnsafeModelFileError` if it does."""
    path = existing_file(
        path, "model", "a model file (.keras or .h5)", "load a zoo model by name: lh.list_models()"
    )
    config = read_config(path)
    problem = _code_in(config)
    if problem:
        raise UnsafeModelFileError(
            f"refused to load {path.name}: {problem}. Loading it would run code from the "
            "file, so nothing in it was run. If you trust the file, load it yourself with "
            "keras.models.load_model(path, safe_mode=False, custom_objects=...) and pass "
            "the model to the helpers; better, rebuild the model without a Lambda layer."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras 2 files: "do not pass input_shape" notices
        try:
            model = keras.models.load_model(path, compile=False, safe_mode=True)
        except Exception as exc:  # noqa: BLE001 - reported with the file's name
            raise ValueError(
                f"Keras could not load {path.name} as a model ({type(exc).__name__}: {exc})"
            ) from exc
    if not isinstance(model, keras.Model):
        raise ValueError(f"{path.name} holds a {type(model).__name__}, not a Keras model")
    return model
