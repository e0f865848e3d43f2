"""The checks of ``activation_model(model, layer_names)``: cases, comparison and hints.

The cases: the slide's small convnet (its top 8 layers, and one layer) and a tiny model with
two branches that merge, whose names are asked for out of layer order.  A wrong model is named
by the layer each of its outputs is the activation of.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._channels_common import _describe, _num, _small_convnet
from ._core import Case, call


@functools.lru_cache(maxsize=1)
def _two_branch_model() -> Any:
    """A tiny Functional model: two branches from the input that merge, then a head."""
    import keras
    from keras import layers

    def init(seed: int) -> Any:
        return keras.initializers.GlorotUniform(seed=seed)

    inputs = keras.Input(shape=(12, 12, 3), name="photo")
    left = layers.Conv2D(4, 3, padding="same", activation="relu", name="left",
                         kernel_initializer=init(1))(inputs)
    right = layers.Conv2D(4, 1, activation="relu", name="right",
                          kernel_initializer=init(2))(inputs)
    merged = layers.Add(name="merge")([left, right])
    top = layers.Conv2D(6, 3, activation="relu", name="top", kernel_initializer=init(3))(merged)
    pooled = layers.GlobalAveragePooling2D(name="pool")(top)
    score = layers.Dense(2, name="score", kernel_initializer=init(4))(pooled)
    return keras.Model(inputs, score, name="two_branches")


def _seeded_image(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 1.0, shape).astype("float32")


@functools.lru_cache(maxsize=4)
def _activation_model_cases() -> tuple[Case, ...]:
    convnet = _small_convnet()
    top8 = [layer.name for layer in convnet.layers[1:9]]  # the slide's "top 8 layers"
    branches = _two_branch_model()
    return (
        Case(
            "the slide's small convnet, its top 8 layers",
            (convnet, top8),
            info={"image": _seeded_image((1, 150, 150, 3), 0)},
        ),
        Case(
            "a model with two branches that merge, names not in layer order",
            (branches, ["top", "right", "merge", "left"]),
            info={"image": _seeded_image((1, 12, 12, 3), 1)},
        ),
        Case(
            "one layer name, 'conv2d_2'",
            (convnet, ["conv2d_2"]),
            info={"image": _seeded_image((1, 150, 150, 3), 2)},
        ),
    )


def _outputs_as_list(outputs: Any) -> list[np.ndarray]:
    if isinstance(outputs, dict):
        outputs = list(outputs.values())
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [np.asarray(o) for o in outputs]


def _observe_activation_model(function: Any, case: Case) -> dict[str, Any]:
    """Build the model, then run it on the case's image: its outputs as arrays."""
    import keras

    result = call(function, case)
    if not isinstance(result, keras.Model):
        return {"model": False, "what": _describe(result)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "the structure of inputs doesn't match" notices
        outputs = _outputs_as_list(result(case.info["image"], training=False))
    return {"model": True, "outputs": outputs}


@functools.lru_cache(maxsize=4)
def _every_layer(case_name: str) -> dict[str, np.ndarray]:
    """Every layer's activation on the case's image, by name, in layer order."""
    import keras

    case = next(c for c in _activation_model_cases() if c.name == case_name)
    model = case.args[0]
    names = [layer.name for layer in model.layers]
    every = keras.Model(model.inputs, [model.get_layer(n).output for n in names])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = _outputs_as_list(every(case.info["image"], training=False))
    return dict(zip(names, outputs, strict=True))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-6)
    return bool(np.allclose(a, b, rtol=1e-3, atol=1e-3 * scale))


def _which_layer(
    output: np.ndarray, every: dict[str, np.ndarray], prefer: Sequence[str]
) -> str | None:
    """The layer whose activation the output is (preferring the names in ``prefer``)."""
    matches = [name for name, value in every.items() if _same(output, value)]
    for name in prefer:
        if name in matches:
            return name
    return matches[0] if matches else None


def _compare_activation_model(case: Case, got: dict, expected: dict) -> str | None:
    names = case.args[1]
    if not got["model"]:
        return (
            f"activation_model returned {got['what']}, not a keras.Model: "
            "return keras.Model(inputs=model.input, outputs=lay_outputs)"
        )
    outputs, wanted = got["outputs"], expected["outputs"]
    if len(outputs) != len(wanted):
        count = len(outputs)
        return (
            f"your model has {count} output{'s' if count != 1 else ''}; it needs one per name "
            f"in layer_names ({len(wanted)})"
        )
    if all(_same(o, w) for o, w in zip(outputs, wanted, strict=True)):
        return None
    every = _every_layer(case.name)
    shown = [_which_layer(o, every, [n]) for o, n in zip(outputs, names, strict=True)]
    if None not in shown and sorted(shown) == sorted(names):
        i = next(i for i, (s, n) in enumerate(zip(shown, names, strict=True)) if s != n)
        return (
            f"the outputs are in another order: output {i} is layer '{shown[i]}', not "
            f"'{names[i]}'; keep the order of layer_names"
        )
    for i, (output, name) in enumerate(zip(outputs, names, strict=True)):
        if _same(output, wanted[i]):
            continue
        if shown[i] is not None:
            return (
                f"output {i} is the activation of layer '{shown[i]}', not of '{name}': take "
                "model.get_layer(name).output for each name in layer_names"
            )
        if output.shape != wanted[i].shape:
            return (
                f"output {i} has shape {output.shape}, but the activation of layer '{name}' "
                f"has shape {wanted[i].shape}"
            )
        worst = np.unravel_index(np.argmax(np.abs(output - wanted[i])), output.shape)
        return (
            f"output {i} is not the activation of layer '{name}': value at "
            f"{tuple(map(int, worst))} is {_num(output[worst])}, expected {_num(wanted[i][worst])}"
        )
    return None  # pragma: no cover - some output differed above


def _explain_activation_model(error: BaseException, case: Case) -> str | None:
    text = str(error)
    if "not connected" in text or "disconnected" in text.lower():
        return (
            "Build the new model on the original model's input, inputs=model.input: "
            "a new keras.Input is not connected to the layers' outputs"
        )
    if "must be KerasTensors" in text:
        return (
            "The outputs must be the layers' outputs, not the layers: "
            "model.get_layer(name).output"
        )
    if isinstance(error, ValueError) and "No such layer" in text:
        return "Use the names in layer_names exactly, with model.get_layer(name)"
    return None
