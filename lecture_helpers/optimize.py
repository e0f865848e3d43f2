"""Feature visualization by gradient ascent in input space: a small, fast, batched engine.

The lecture's idea, for a filter ``n`` of a layer (``f_n``) or a class score ``f_c``::

    I <- I + eta * grad_I f(I)        (with the "trick": divide the gradient by its norm)

This module does the same for a whole batch of images at once, one objective per image
(image ``k`` maximizes objective ``k``), in ONE compiled TensorFlow step that is traced once
per configuration and reused.  The pieces compose like Lucid's:

* **objectives** (``objectives.channel``, ``.neuron``, ``.class_logit``) add with ``+`` and
  scale with ``*``; each gives one value per image;
* **parameterizations**: plain pixels, or a Fourier spectrum with colour decorrelation
  (``param="fourier"``, Lucid's default) — both pass through a sigmoid, so the image is
  always a valid picture in [0, 255];
* **transforms** (``transforms.pad``, ``.jitter``, ``.random_scale``, ``.random_rotate``):
  small random changes applied before each step so the picture must be robust to them;
* **regularizers** (``regularizers.l2``, ``.total_variation``, ``.blur``).

Entry points: :func:`maximize` (any objective), :func:`visualize_filters` (channels of a
layer), :func:`visualize_class` (class logits).  All return an :class:`OptimizationResult`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from ._quiet import tf
from .folding import fold_batch_norm
from .folding import is_current as folding_is_current
from .modelview import ModelView, UnknownNameError, clear_views, view

if TYPE_CHECKING:
    from .zoo import ZooModel

SCORES = "<class scores>"  # the pseudo layer name of the class-score output

# ---------------------------------------------------------------------------
# Objectives
#
# An objective is a small tree.  Its ``key`` is the tree's structure without numbers
# (which layers, which kinds of terms); its ``params`` are the numbers (channel indices,
# weights).  The compiled step depends only on the key; the numbers enter as a tensor, so
# visualizing filters 0-9 and then 10-19 reuses the same compiled step.


class Objective:
    """Something to maximize: maps a batch's activations to one value per image.

    Objectives compose: ``channel(a, 1) + 0.5 * channel(b, 2)``, ``-neuron(a, 3)``.
    """

    name: str = "objective"

    # -- structure ---------------------------------------------------------
    @property
    def key(self) -> tuple:
        raise NotImplementedError

    @property
    def params(self) -> list[float]:
        raise NotImplementedError

    @property
    def layers(self) -> tuple[str, ...]:
        raise NotImplementedError

    def bind(self, info: _ModelInfo) -> Objective:
        """Check the objective against a model (layers, index ranges); resolve names."""
        return self

    def evaluate(self, acts: dict[str, Any], params: Any, offset: int = 0) -> tuple[Any, int]:
        """(values of shape (N,), next parameter column) for activations ``acts``."""
        raise NotImplementedError

    # -- algebra -------------------------------------------------------------
    def __add__(self, other: Objective) -> Objective:
        if not isinstance(other, Objective):
            return NotImplemented
        return Sum((self, other))

    def __radd__(self, other: Any) -> Objective:
        if isinstance(other, int | float) and other == 0:  # makes sum([...]) work
            return self
        return NotImplemented

    def __mul__(self, weight: float) -> Objective:
        if not isinstance(weight, int | float | np.number):
            return NotImplemented
        return Scaled(self, float(weight))

    __rmul__ = __mul__

    def __neg__(self) -> Objective:
        return Scaled(self, -1.0)

    def __sub__(self, other: Objective) -> Objective:
        if not isinstance(other, Objective):
            return NotImplemented
        return Sum((self, Scaled(other, -1.0)))

    def __repr__(self) -> str:
        return self.name


def _check_index(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{what} must be an integer, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise IndexError(f"{what} must be >= 0, got {value}")
    return int(value)


@dataclass(frozen=True, repr=False)
class Channel(Objective):
    """Mean activation of channel ``n`` of ``layer`` (the lecture's "filter output")."""

    layer: str
    n: int

    @property
    def name(self) -> str:
        return f"{self.layer}[{self.n}]"

    @property
    def key(self) -> tuple:
        return ("channel", self.layer)

    @property
    def params(self) -> list[float]:
        return [float(self.n)]

    @property
    def layers(self) -> tuple[str, ...]:
        return (self.layer,)

    def bind(self, info: _ModelInfo) -> Objective:
        channels = info.channels(self.layer)
        if not 0 <= self.n < channels:
            raise IndexError(
                f"filter index {self.n} is out of range: layer {self.layer!r} has {channels} "
                f"channels (filters), so use an index from 0 to {channels - 1}"
            )
        return self

    def evaluate(self, acts, params, offset=0):
        means = tf.reduce_mean(acts[self.layer], axis=(1, 2))  # (N, C)
        index = tf.cast(params[:, offset], tf.int32)
        return tf.gather(means, index, axis=1, batch_dims=1), offset + 1


@dataclass(frozen=True, repr=False)
class Neuron(Objective):
    """Activation of channel ``n`` of ``layer`` at one position (default: the centre)."""

    layer: str
    n: int
    x: int | None = None
    y: int | None = None

    @property
    def name(self) -> str:
        where = "centre" if self.x is None and self.y is None else f"x={self.x}, y={self.y}"
        return f"{self.layer}[{self.n}] at {where}"

    @property
    def key(self) -> tuple:
        return ("neuron", self.layer)

    @property
    def params(self) -> list[float]:
        x = -1.0 if self.x is None else float(self.x)
        y = -1.0 if self.y is None else float(self.y)
        return [float(self.n), x, y]

    @property
    def layers(self) -> tuple[str, ...]:
        return (self.layer,)

    def bind(self, info: _ModelInfo) -> Objective:
        Channel(self.layer, self.n).bind(info)
        return self

    def evaluate(self, acts, params, offset=0):
        a = acts[self.layer]
        shape = tf.shape(a)
        n = tf.cast(params[:, offset], tf.int32)
        x = tf.cast(params[:, offset + 1], tf.int32)
        y = tf.cast(params[:, offset + 2], tf.int32)
        x = tf.where(x < 0, shape[2] // 2, tf.minimum(x, shape[2] - 1))
        y = tf.where(y < 0, shape[1] // 2, tf.minimum(y, shape[1] - 1))
        batch = tf.range(shape[0])
        values = tf.gather_nd(a, tf.stack([batch, y, x, n], axis=1))
        return values, offset + 3


@dataclass(frozen=True, repr=False)
class ClassLogit(Objective):
    """The unnormalized score (logit) of class ``c`` (an index or a class name)."""

    c: int | str

    @property
    def name(self) -> str:
        return f"logit[{self.c}]"

    @property
    def key(self) -> tuple:
        return ("class_logit",)

    @property
    def params(self) -> list[float]:
        if not isinstance(self.c, int | np.integer):
            raise ValueError(
                f"class {self.c!r} is not resolved to an index yet; pass the objective to "
                "lh.maximize with a model (it resolves names), or give the class index"
            )
        return [float(self.c)]

    @property
    def layers(self) -> tuple[str, ...]:
        return (SCORES,)

    def bind(self, info: _ModelInfo) -> Objective:
        index = info.class_index(self.c)
        return ClassLogit(index)

    def evaluate(self, acts, params, offset=0):
        index = tf.cast(params[:, offset], tf.int32)
        return tf.gather(acts[SCORES], index, axis=1, batch_dims=1), offset + 1


@dataclass(frozen=True, repr=False)
class Sum(Objective):
    """The sum of objectives."""

    terms: tuple[Objective, ...]

    def __post_init__(self) -> None:
        flat: list[Objective] = []
        for term in self.terms:
            flat.extend(term.terms if isinstance(term, Sum) else (term,))
        object.__setattr__(self, "terms", tuple(flat))

    @property
    def name(self) -> str:
        return " + ".join(t.name for t in self.terms)

    @property
    def key(self) -> tuple:
        return ("sum", *(t.key for t in self.terms))

    @property
    def params(self) -> list[float]:
        return [p for t in self.terms for p in t.params]

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for t in self.terms for name in t.layers))

    def bind(self, info):
        return Sum(tuple(t.bind(info) for t in self.terms))

    def evaluate(self, acts, params, offset=0):
        total = 0.0
        for term in self.terms:
            value, offset = term.evaluate(acts, params, offset)
            total = total + value
        return total, offset


@dataclass(frozen=True, repr=False)
class Scaled(Objective):
    """An objective times a constant (the constant is a parameter, not a retrace)."""

    term: Objective
    weight: float

    @property
    def name(self) -> str:
        return f"{self.weight:g} * ({self.term.name})"

    @property
    def key(self) -> tuple:
        return ("scaled", self.term.key)

    @property
    def params(self) -> list[float]:
        return [self.weight, *self.term.params]

    @property
    def layers(self) -> tuple[str, ...]:
        return self.term.layers

    def bind(self, info):
        return Scaled(self.term.bind(info), self.weight)

    def evaluate(self, acts, params, offset=0):
        weight = params[:, offset]
        value, offset = self.term.evaluate(acts, params, offset + 1)
        return weight * value, offset


@dataclass(frozen=True, repr=False)
class _PerImage(Objective):
    """Objectives of different structure, one per image (image k takes objective k)."""

    terms: tuple[Objective, ...]

    @property
    def name(self) -> str:
        return "per image: " + ", ".join(t.name for t in self.terms)

    @property
    def key(self) -> tuple:
        return ("per_image", *(t.key for t in self.terms))

    @property
    def params(self) -> list[float]:
        return [p for t in self.terms for p in t.params]

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for t in self.terms for name in t.layers))

    def evaluate(self, acts, params, offset=0):
        values = []
        for k, term in enumerate(self.terms):
            value, offset = term.evaluate(acts, params, offset)
            values.append(value[k])
        return tf.stack(values), offset


def channel(layer: str, n: int) -> Objective:
    """Maximize the mean activation of channel (filter) ``n`` of ``layer``."""
    return Channel(str(layer), _check_index(n, "channel index n"))


def neuron(layer: str, n: int, x: int | None = None, y: int | None = None) -> Objective:
    """Maximize channel ``n`` of ``layer`` at one position (column x, row y; default centre)."""
    x = None if x is None else _check_index(x, "x")
    y = None if y is None else _check_index(y, "y")
    return Neuron(str(layer), _check_index(n, "channel index n"), x, y)


def class_logit(c: int | str) -> Objective:
    """Maximize the unnormalized score (logit) of class ``c`` (index or name)."""
    if not isinstance(c, str):
        c = _check_index(c, "class index c")
    return ClassLogit(c)


objectives = SimpleNamespace(
    channel=channel, neuron=neuron, class_logit=class_logit, Objective=Objective
)


class _ModelInfo:
    """What objectives need to know about a model to check themselves (from its view)."""

    def __init__(self, model: ZooModel | keras.Model | ModelView) -> None:
        self.view = view(model)

    def channels(self, layer_name: str) -> int:
        path = _feature_path(self.view, layer_name)
        return int(self.view.layer_output(path).shape[-1])

    def class_index(self, c: int | str) -> int:
        return _class_index(self.view, c)


def _class_index(model_view: ModelView, c: Any) -> int:
    """A class index or name → its index, checked against the model's classes.

    IndexError out of range, TypeError for a wrong type, UnknownNameError (a KeyError and
    a ValueError) for an unknown name.
    """
    try:
        return model_view.class_index(c)
    except UnknownNameError:
        generic = tuple(f"class {i}" for i in range(model_view.num_classes))
        if isinstance(c, str) and model_view.class_names == generic:
            raise UnknownNameError(
                f"class name {c!r} needs a zoo model (lh.load_model(...)) or a model whose "
                "class names were given with lh.modelview.view(model).describe(class_names="
                f"[...]); this model's {model_view.num_classes} classes are only named "
                f"'class 0' to 'class {model_view.num_classes - 1}', so pass the class index"
            ) from None
        raise


def _is_input_layer_name(keras_model: keras.Model, name: str) -> bool:
    layers_ = getattr(keras_model, "_layers", None) or keras_model.layers
    return any(isinstance(layer, keras.layers.InputLayer) and layer.name == name
               for layer in layers_)


def _feature_path(model_view: ModelView, layer_name: str) -> str:
    """The path of ``layer_name`` (a name or ``base/layer``), checked to output feature maps.

    An unknown name raises UnknownNameError (listing the valid names); a layer without
    feature maps (or the input) raises ValueError.
    """
    try:
        return model_view.feature_layer(layer_name)
    except UnknownNameError:
        if not (isinstance(layer_name, str)
                and _is_input_layer_name(model_view.model, layer_name)):
            raise
        why, kind = "is the input", "InputLayer"
    except ValueError:
        path = model_view.layer_path(layer_name)
        shape = tuple(model_view.layer_output(path).shape)
        why = f"outputs shape {shape}, not feature maps (N, H, W, C)"
        kind = type(model_view.layer(path)).__name__
    examples = model_view.conv_layers()[:3]
    raise ValueError(
        f"layer {layer_name!r} ({kind}) {why}, so it has no filters to "
        f"visualize. Pick a convolutional layer or one that follows it (e.g. "
        f"{', '.join(examples)}); for class outputs use lh.visualize_class."
    )


def feature_layer(model: ZooModel | keras.Model, layer_name: str) -> keras.layers.Layer:
    """The layer ``layer_name`` (a name or ``base/layer`` path), checked to output feature
    maps (N, H, W, C).  An unknown name raises ``UnknownNameError`` (a KeyError and a
    ValueError listing the valid names); a layer without feature maps, ValueError."""
    model_view = view(model)
    return model_view.layer(_feature_path(model_view, layer_name))


# ---------------------------------------------------------------------------
# Parameterizations: parameters p -> image in [0, 1], shape (N, H, W, 3)

# Lucid's colour decorrelation: the square root of ImageNet's colour covariance.
COLOR_CORRELATION_SVD_SQRT = np.asarray(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=np.float32
)
_COLOR_MIX = (
    COLOR_CORRELATION_SVD_SQRT / np.max(np.linalg.norm(COLOR_CORRELATION_SVD_SQRT, axis=0))
).T.astype(np.float32)


def _decorrelated_to_rgb(t: Any) -> Any:
    """(N, H, W, 3) decorrelated colour → RGB in [0, 1] (linear mix, then sigmoid)."""
    return tf.sigmoid(tf.tensordot(t, tf.constant(_COLOR_MIX), axes=[[3], [0]]))


def _fft_freqs(height: int, width: int) -> np.ndarray:
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    return np.sqrt(fx * fx + fy * fy).astype(np.float32)  # (H, W//2 + 1)


def _gaussian_kernel(sigma: float) -> np.ndarray:
    radius = max(1, int(math.ceil(3 * sigma)))
    x = np.arange(-radius, radius + 1, dtype=np.float32)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


@dataclass(frozen=True)
class PixelParam:
    """Plain pixels (colour-decorrelated, then a sigmoid keeps them in [0, 1])."""

    sd: float = 0.01

    def init(self, rng: np.random.Generator, n: int, height: int, width: int) -> np.ndarray:
        return (self.sd * rng.standard_normal((n, height, width, 3))).astype(np.float32)

    def to_image(self, p: Any, height: int, width: int) -> Any:
        return _decorrelated_to_rgb(p)

    def blur(self, p: Any, sigma: float, height: int, width: int) -> Any:
        k = _gaussian_kernel(sigma)
        r = len(k) // 2
        padded = tf.pad(p, [[0, 0], [r, r], [r, r], [0, 0]], mode="REFLECT")
        kx = tf.constant(np.tile(k[None, :, None, None], (1, 1, 3, 1)))
        ky = tf.constant(np.tile(k[:, None, None, None], (1, 1, 3, 1)))
        out = tf.nn.depthwise_conv2d(padded, kx, [1, 1, 1, 1], "VALID")
        return tf.nn.depthwise_conv2d(out, ky, [1, 1, 1, 1], "VALID")


def _irfft2d(real: Any, imag: Any, height: int, width: int) -> Any:
    """``tf.signal.irfft2d(real + i*imag)`` with a cheap exact gradient (one rfft2d).

    TensorFlow's generic irfft2d gradient is ~5x slower than this closed form: for
    ``y = irfft2d(X)``, ``dL/dRe X = c * Re(rfft2d(g)) / (H W)`` and
    ``dL/dIm X = c * Im(rfft2d(g)) / (H W)``, where ``c`` = 2 for the columns that stand
    for two conjugate frequencies and 1 for the DC (and Nyquist) columns.
    """
    columns = width // 2 + 1
    weight = np.full(columns, 2.0, np.float32)
    weight[0] = 1.0
    if width % 2 == 0:
        weight[-1] = 1.0
    weight /= height * width

    @tf.custom_gradient
    def inverse(re, im):
        image = tf.signal.irfft2d(tf.complex(re, im), fft_length=[height, width])

        def grad(upstream):
            spectrum = tf.signal.rfft2d(upstream, fft_length=[height, width])
            w = tf.constant(weight)
            return tf.math.real(spectrum) * w, tf.math.imag(spectrum) * w

        return image, grad

    return inverse(real, imag)


@dataclass(frozen=True)
class FourierParam:
    """Lucid's Fourier parameterization: a scaled spectrum, inverse FFT, colour decorrelation.

    Low frequencies get larger steps than high ones (scale 1/f**decay_power), which makes
    gradient ascent produce smooth, natural-looking pictures.
    """

    sd: float = 0.01
    decay_power: float = 1.0

    def init(self, rng: np.random.Generator, n: int, height: int, width: int) -> np.ndarray:
        shape = (n, 2, 3, height, width // 2 + 1)  # (real, imaginary) first: cheap slices
        return (self.sd * rng.standard_normal(shape)).astype(np.float32)

    def _scale(self, height: int, width: int) -> np.ndarray:
        freqs = _fft_freqs(height, width)
        scale = 1.0 / np.maximum(freqs, 1.0 / max(height, width)) ** self.decay_power
        return (scale * np.sqrt(height * width)).astype(np.float32)

    def to_image(self, p: Any, height: int, width: int) -> Any:
        scale = tf.constant(self._scale(height, width) / 4.0)
        t = _irfft2d(p[:, 0] * scale, p[:, 1] * scale, height, width)  # (N, 3, H, W)
        return _decorrelated_to_rgb(tf.transpose(t, [0, 2, 3, 1]))

    def blur(self, p: Any, sigma: float, height: int, width: int) -> Any:
        freqs = _fft_freqs(height, width)
        gain = np.exp(-2.0 * (np.pi * sigma * freqs) ** 2).astype(np.float32)
        return p * tf.constant(gain)


PARAMETERIZATIONS: dict[str, Callable[[], Any]] = {"pixel": PixelParam, "fourier": FourierParam}


def _parameterization(param: str | PixelParam | FourierParam) -> PixelParam | FourierParam:
    if isinstance(param, PixelParam | FourierParam):
        return param
    if param not in PARAMETERIZATIONS:
        raise ValueError(
            f"unknown parameterization {param!r}; use one of {sorted(PARAMETERIZATIONS)}"
        )
    return PARAMETERIZATIONS[param]()


# ---------------------------------------------------------------------------
# Transforms: (images in [0, 1], seed tensor of shape (2,)) -> images


# Geometric transforms know their sampling map: for each output pixel (x, y, 1), a 3x3
# matrix gives the input position it reads.  Consecutive geometric transforms are fused
# into ONE bilinear resampling (composing their matrices), which is both faster and less
# blurry than resampling once per transform.


def _affine_matrices(a0: Any, a1: Any, a2: Any, b0: Any, b1: Any, b2: Any) -> Any:
    """(N, 3, 3) matrices [[a0, a1, a2], [b0, b1, b2], [0, 0, 1]] from (N,) entries."""
    zero, one = tf.zeros_like(a0), tf.ones_like(a0)
    return tf.reshape(tf.stack([a0, a1, a2, b0, b1, b2, zero, zero, one], 1), (-1, 3, 3))


def _translation(tx: Any, ty: Any) -> Any:
    """(N, 3, 3) matrices: input = output + (tx, ty)."""
    one, zero = tf.ones_like(tx), tf.zeros_like(tx)
    return _affine_matrices(one, zero, tx, zero, one, ty)


def _about_centre(scale: Any, angle: Any, height: int, width: int) -> Any:
    """(N, 3, 3) matrices: zoom by ``scale`` and rotate by ``angle`` about the image centre."""
    cy, cx = (height - 1) / 2.0, (width - 1) / 2.0
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    tx = cx - cos * cx + sin * cy
    ty = cy - sin * cx - cos * cy
    return _affine_matrices(cos, -sin, tx, sin, cos, ty)


def _reflect(index: Any, size: int) -> Any:
    """Reflect integer coordinates into [0, size): ... c b a | a b c ... (edge repeated)."""
    period = tf.math.floormod(index, 2 * size)
    return tf.where(period >= size, 2 * size - 1 - period, period)


def _bilinear(images: Any, matrix: Any, height: int, width: int, fill: float | None) -> Any:
    """Sample each image bilinearly at ``matrix @ (x, y, 1)`` for an output height x width.

    Outside the image: the constant ``fill``, or reflection when ``fill`` is None.
    Written with gathers, which XLA fuses into one fast loop.
    """
    in_h, in_w, channels = int(images.shape[1]), int(images.shape[2]), int(images.shape[3])
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    grid = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)]).astype(np.float32)
    source = tf.einsum("nij,jp->nip", matrix, tf.constant(grid))  # (N, 3, P)
    sx, sy = source[:, 0], source[:, 1]
    x0, y0 = tf.floor(sx), tf.floor(sy)
    fx, fy = sx - x0, sy - y0
    x0, y0 = tf.cast(x0, tf.int32), tf.cast(y0, tf.int32)
    flat = tf.reshape(images, (-1, channels))
    base = (tf.range(tf.shape(images)[0]) * (in_h * in_w))[:, None]
    out, covered = 0.0, 0.0
    for dy, wy in ((0, 1.0 - fy), (1, fy)):
        for dx, wx in ((0, 1.0 - fx), (1, fx)):
            xi, yi = x0 + dx, y0 + dy
            weight = wx * wy
            if fill is None:
                xi, yi = _reflect(xi, in_w), _reflect(yi, in_h)
            else:
                inside = (xi >= 0) & (xi < in_w) & (yi >= 0) & (yi < in_h)
                weight = weight * tf.cast(inside, tf.float32)
                xi = tf.clip_by_value(xi, 0, in_w - 1)
                yi = tf.clip_by_value(yi, 0, in_h - 1)
                covered = covered + weight
            out = out + tf.gather(flat, base + yi * in_w + xi) * weight[..., None]
    if fill is not None and fill != 0.0:
        out = out + float(fill) * (1.0 - covered)[..., None]
    return tf.reshape(out, (-1, height, width, channels))


def _invert_affine(matrix: Any) -> Any:
    """Inverse of (N, 3, 3) affine matrices [[A, t], [0, 0, 1]], in closed form."""
    a, b, tx = matrix[:, 0, 0], matrix[:, 0, 1], matrix[:, 0, 2]
    c, d, ty = matrix[:, 1, 0], matrix[:, 1, 1], matrix[:, 1, 2]
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return _affine_matrices(ia, ib, -(ia * tx + ib * ty), ic, id_, -(ic * tx + id_ * ty))


def _resample(images: Any, matrix: Any, height: int, width: int, fill: float | None) -> Any:
    """Bilinear resampling of each image at ``matrix @ (x, y, 1)``; output height x width.

    The gradient resamples the upstream gradient with the inverse map (as TensorFlow's
    ImageProjectiveTransform does): exact for whole-pixel shifts, a close approximation
    for the small rotations and zooms used here, and ~6x cheaper than the exact scatter.
    """
    in_h, in_w = int(images.shape[1]), int(images.shape[2])

    @tf.custom_gradient
    def resample(x):
        def grad(upstream):
            return _bilinear(upstream, _invert_affine(matrix), in_h, in_w, 0.0)

        return _bilinear(x, matrix, height, width, fill), grad

    return resample(images)


class GeometricTransform:
    """A transform that is a (random) change of coordinates; see :func:`_apply_transforms`."""

    fill: float | None = None  # constant fill value it needs outside the image (None: reflect)

    def sample(self, n: Any, height: int, width: int, seed: Any) -> tuple[Any, int, int]:
        """(N, 3, 3) output->input matrices and the output height and width."""
        raise NotImplementedError

    def __call__(self, images: Any, seed: Any) -> Any:
        height, width = int(images.shape[1]), int(images.shape[2])
        matrix, out_h, out_w = self.sample(tf.shape(images)[0], height, width, seed)
        return _resample(images, matrix, out_h, out_w, self.fill)


@dataclass(frozen=True)
class Pad(GeometricTransform):
    """Pad every side by ``width`` pixels of constant ``value`` (or mode="reflect")."""

    width: int
    mode: str = "constant"
    value: float = 0.5

    @property
    def fill(self) -> float | None:
        return self.value if self.mode == "constant" else None

    def sample(self, n, height, width, seed):
        shift = tf.fill([n], -float(self.width))
        return _translation(shift, shift), height + 2 * self.width, width + 2 * self.width


@dataclass(frozen=True)
class Jitter(GeometricTransform):
    """Crop ``d`` pixels off each axis at a random offset per image (a random shift)."""

    d: int

    def sample(self, n, height, width, seed):
        offsets = tf.random.stateless_uniform((2, n), seed, 0, self.d + 1, dtype=tf.int32)
        offsets = tf.cast(offsets, tf.float32)
        return _translation(offsets[0], offsets[1]), height - self.d, width - self.d


@dataclass(frozen=True)
class RandomScale(GeometricTransform):
    """Zoom each image by a random factor in [low, high] about its centre."""

    low: float = 0.9
    high: float = 1.1

    def sample(self, n, height, width, seed):
        scale = tf.random.stateless_uniform((n,), seed, self.low, self.high)
        return _about_centre(scale, tf.zeros_like(scale), height, width), height, width


@dataclass(frozen=True)
class RandomRotate(GeometricTransform):
    """Rotate each image by a random angle in [-degrees, degrees] about its centre."""

    degrees: float = 10.0

    def sample(self, n, height, width, seed):
        limit = math.radians(self.degrees)
        angle = tf.random.stateless_uniform((n,), seed, -limit, limit)
        return _about_centre(tf.ones_like(angle), angle, height, width), height, width


def _apply_transforms(images: Any, transform_list: Sequence, seed: Any) -> Any:
    """Apply the transforms in order; runs of geometric ones become one resampling.

    Transform ``i`` draws its randomness from ``fold_in(seed, i)``.
    """
    n = tf.shape(images)[0]
    pending = None  # (matrix, height, width, fill) of the geometric run so far
    height, width = int(images.shape[1]), int(images.shape[2])

    def flush(x, pending):
        if pending is None:
            return x
        matrix, h, w, fill = pending
        return _resample(x, matrix, h, w, fill)

    for i, transform in enumerate(transform_list):
        step_seed = tf.random.experimental.stateless_fold_in(seed, i)
        if isinstance(transform, GeometricTransform):
            in_h, in_w = (height, width) if pending is None else pending[1:3]
            matrix, out_h, out_w = transform.sample(n, in_h, in_w, step_seed)
            if pending is None:
                pending = (matrix, out_h, out_w, transform.fill)
            else:
                fill = pending[3] if pending[3] is not None else transform.fill
                pending = (tf.matmul(pending[0], matrix), out_h, out_w, fill)
        else:
            images = flush(images, pending)
            pending = None
            images = transform(images, step_seed)
            height, width = int(images.shape[1]), int(images.shape[2])
    return flush(images, pending)


def pad(width: int = 12, mode: str = "constant", value: float = 0.5) -> Pad:
    """Pad by ``width`` pixels (constant grey ``value`` or ``mode='reflect'``)."""
    if mode not in ("constant", "reflect"):
        raise ValueError(f"pad mode must be 'constant' or 'reflect', got {mode!r}")
    return Pad(int(width), mode, float(value))


def jitter(d: int = 8) -> Jitter:
    """Random shift: crop ``d`` pixels off each axis at a random offset."""
    if int(d) < 1:
        raise ValueError(f"jitter needs d >= 1 pixel, got {d}")
    return Jitter(int(d))


def random_scale(low: float = 0.9, high: float = 1.1) -> RandomScale:
    """Random zoom by a factor in [low, high]."""
    if not 0 < low <= high:
        raise ValueError(f"random_scale needs 0 < low <= high, got low={low}, high={high}")
    return RandomScale(float(low), float(high))


def random_rotate(degrees: float = 10.0) -> RandomRotate:
    """Random rotation by up to ``degrees`` either way."""
    return RandomRotate(abs(float(degrees)))


def standard_transforms() -> tuple:
    """Lucid's standard robustness transforms, sized so the network input keeps its size.

    Pad 6 (grey), jitter 8, scale 0.9-1.1, rotate ±10°, jitter 4: the 12 pixels the
    two jitters crop are the 12 the pad added, so fixed-size models (VGG16 at 224) work.
    """
    return (pad(6), jitter(8), random_scale(0.9, 1.1), random_rotate(10.0), jitter(4))


transforms = SimpleNamespace(
    pad=pad,
    jitter=jitter,
    random_scale=random_scale,
    random_rotate=random_rotate,
    standard=standard_transforms,
)


def _transforms(value: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        if value != "standard":
            raise ValueError(
                f"transforms={value!r}: use 'standard', None, or a list of transforms "
                "such as [lh.transforms.jitter(8), lh.transforms.random_rotate(5)]"
            )
        return standard_transforms()
    out = tuple(value)
    for t in out:
        if not callable(t):
            raise TypeError(f"a transform must be callable(images, seed), got {t!r}")
        try:
            hash(t)
        except TypeError as exc:
            raise TypeError(
                f"transform {t!r} is not hashable; use the lh.transforms constructors or a "
                "frozen dataclass (the compiled step is cached per configuration)"
            ) from exc
    return out


# ---------------------------------------------------------------------------
# Regularizers


@dataclass(frozen=True)
class L2:
    """Decay towards grey: subtracts ``weight * mean((image - 0.5)**2)`` per image."""

    weight: float = 1.0

    def penalty(self, images: Any) -> Any:
        return self.weight * tf.reduce_mean(tf.square(images - 0.5), axis=(1, 2, 3))


@dataclass(frozen=True)
class TotalVariation:
    """Smoothness: subtracts ``weight * mean(|dx| + |dy|)`` per image (image in [0, 1])."""

    weight: float = 1.0

    def penalty(self, images: Any) -> Any:
        dy = tf.reduce_mean(tf.abs(images[:, 1:] - images[:, :-1]), axis=(1, 2, 3))
        dx = tf.reduce_mean(tf.abs(images[:, :, 1:] - images[:, :, :-1]), axis=(1, 2, 3))
        return self.weight * (dx + dy)


@dataclass(frozen=True)
class Blur:
    """Every ``every`` steps, blur the image parameters with a Gaussian of ``sigma`` pixels."""

    sigma: float = 0.5
    every: int = 4


def l2(weight: float = 1.0) -> L2:
    """L2 decay of the image towards grey, weighted by ``weight``."""
    return L2(float(weight))


def total_variation(weight: float = 1.0) -> TotalVariation:
    """Total-variation penalty, weighted by ``weight``."""
    return TotalVariation(float(weight))


def blur(sigma: float = 0.5, every: int = 4) -> Blur:
    """Gaussian blur of ``sigma`` pixels every ``every`` steps (Yosinski et al.)."""
    if sigma <= 0 or int(every) < 1:
        raise ValueError(f"blur needs sigma > 0 and every >= 1, got sigma={sigma}, every={every}")
    return Blur(float(sigma), int(every))


regularizers = SimpleNamespace(l2=l2, total_variation=total_variation, blur=blur)


def _regularizers(value: Any) -> tuple:
    out = tuple(value or ())
    for r in out:
        if not isinstance(r, L2 | TotalVariation | Blur):
            raise TypeError(
                f"unknown regularizer {r!r}; use lh.regularizers.l2(...), "
                ".total_variation(...) or .blur(...)"
            )
    return out


# ---------------------------------------------------------------------------
# The compiled engine


@dataclass(frozen=True)
class _Config:
    layers: tuple[str, ...]
    objective_key: tuple
    size: tuple[int, int]
    param: PixelParam | FourierParam
    transforms: tuple
    penalties: tuple
    blur: Blur | None
    optimizer: str
    normalize_gradient: bool
    redirect_relu: bool = True


def _relu_bounds(layer: keras.layers.Layer) -> tuple[float, float] | None:
    """(low, high) if ``layer`` is a plain ReLU (or ReLU6) layer, else None."""
    if isinstance(layer, keras.layers.ReLU):
        config = layer.get_config()
        if config.get("negative_slope", 0.0) == 0.0 and config.get("threshold", 0.0) == 0.0:
            high = config.get("max_value")
            return 0.0, math.inf if high is None else float(high)
        return None
    if isinstance(layer, keras.layers.Activation):
        name = getattr(layer.activation, "__name__", "")
        if name in ("relu", "relu6"):
            return 0.0, 6.0 if name == "relu6" else math.inf
    return None


def _redirected_relu(x: Any, low: float, high: float) -> Any:
    """``clip(x, low, high)`` whose gradient is never zero for a whole image (Lucid's trick).

    A filter that is off everywhere for an image (a "dead" start) gets no gradient through
    a ReLU, so gradient ascent could never switch it on.  Per image, when the ordinary
    gradient is zero everywhere, this passes the gradient through instead, except where it
    would push a value further outside [low, high].
    """

    @tf.custom_gradient
    def relu(x):
        def grad(upstream):
            inside = (x > low) & (x < high)
            ordinary = tf.where(inside, upstream, tf.zeros_like(upstream))
            outward = ((x <= low) & (upstream < 0)) | ((x >= high) & (upstream > 0))
            redirected = tf.where(outward, tf.zeros_like(upstream), upstream)
            axes = list(range(1, len(x.shape)))
            alive = tf.reduce_any(tf.not_equal(ordinary, 0.0), axis=axes, keepdims=True)
            return tf.where(alive, ordinary, redirected)

        return tf.clip_by_value(x, low, high), grad

    return relu(x)


GRADIENT_EPSILON = 1e-8
# XLA compiles the image parameterization, the transforms and the optimizer update.
JIT_COMPILE = True
ADAM_BETAS = (0.9, 0.999)
ADAM_EPSILON = 1e-8


class _Engine:
    """One model + layers + configuration: the sub-model and its compiled step."""

    def __init__(self, model_view: ModelView, config: _Config, objective: Objective):
        # Objectives name layers as the user gave them ("conv", "base/conv"); the view
        # resolves each to its tensor in the model's flat graph.
        outputs = []
        self.relu_bounds: dict[str, tuple[float, float]] = {}
        for name in config.layers:
            if name == SCORES:
                outputs.append(model_view.scores)  # the logits: softmax/sigmoid removed
            else:
                path = model_view.layer_path(name)
                layer = model_view.layer(path)
                bounds = _relu_bounds(layer) if config.redirect_relu else None
                if bounds is not None:  # read the pre-activation; the ReLU is applied below
                    self.relu_bounds[name] = bounds
                    outputs.append(model_view.layer_input(path))
                else:
                    outputs.append(model_view.layer_output(path))
        # Batch norms are merged into the convolutions before them (same numbers, one op
        # instead of two, constant kernels, no batch-norm gradients): about 0.8x the time
        # per step.  The merged weights are a snapshot: see ``is_current``.
        self.submodel = fold_batch_norm(
            model_view.probe_model(outputs, "visualization_submodel")
        )
        self.config = config
        self.objective = objective  # evaluates the structure; its numbers come in as params
        self.fixed_input = model_view.fixed_size
        # The image parameterization, transforms and optimizer update: XLA-compiled and
        # shared by every engine with the same image settings (see _image_functions).
        self.prepare, self.update = _image_functions(config)
        # One trace for every batch size: the batch dimension is left open, so 4 classes
        # and then 8 reuse the same compiled step (and its constants) instead of adding one.
        h, w = config.size
        param_shape = config.param.init(np.random.default_rng(0), 1, h, w).shape[1:]
        p_spec = tf.TensorSpec((None, *param_shape), tf.float32)
        scalar = tf.TensorSpec((), tf.float32)
        self.step = tf.function(
            self._step,
            input_signature=[
                p_spec,
                p_spec,
                p_spec,
                scalar,
                tf.TensorSpec((None, None), tf.float32),
                tf.TensorSpec((2,), tf.int32),
                scalar,
            ],
        )
        self.blur = tf.function(self._blur)
        self.render = tf.function(self._render)

    def is_current(self) -> bool:
        """False once the model's weights have changed since this engine was built."""
        return folding_is_current(self.submodel)

    def _activations(self, images01: Any) -> dict[str, Any]:
        x = images01 * 255.0
        if self.fixed_input is not None and tuple(x.shape[1:3]) != self.fixed_input:
            x = tf.image.resize(x, self.fixed_input)
        outputs = self.submodel(x, training=False)
        if not isinstance(outputs, list | tuple):
            outputs = [outputs]
        acts = dict(zip(self.config.layers, outputs, strict=True))
        for name, (low, high) in self.relu_bounds.items():
            acts[name] = _redirected_relu(acts[name], low, high)
        return acts

    def _render(self, p: Any) -> Any:
        h, w = self.config.size
        return self.config.param.to_image(p, h, w)

    def _blur(self, p: Any) -> Any:
        h, w = self.config.size
        return self.config.param.blur(p, self.config.blur.sigma, h, w)

    def _step(self, p, m, v, t, objective_params, seed, lr):
        cfg = self.config
        with tf.GradientTape() as tape:
            tape.watch(p)
            images, x = self.prepare(p, seed)
            values, _ = self.objective.evaluate(self._activations(x), objective_params)
            loss = values
            for regularizer in cfg.penalties:
                loss = loss - regularizer.penalty(images)
            total = tf.reduce_sum(loss)
        grad = tape.gradient(total, p, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        p, m, v = self.update(p, m, v, grad, t, lr)
        return p, m, v, values


# XLA-compiled (image parameterization + transforms, optimizer update) pairs, one per
# image setting, shared by all models and layers and kept for the session: XLA keeps each
# compilation for the life of the process, so re-creating these per engine would only add
# compilations (about 80 MB per engine in the test suite).
_IMAGE_FUNCTIONS: dict[tuple, tuple[Callable, Callable]] = {}


def _image_functions(config: _Config) -> tuple[Callable, Callable]:
    """(prepare, update) for ``config``'s size, parameterization, transforms and optimizer."""
    key = (config.size, config.param, config.transforms, config.optimizer,
           config.normalize_gradient)
    if key not in _IMAGE_FUNCTIONS:
        height, width = config.size
        param, transform_list = config.param, config.transforms
        optimizer, normalize = config.optimizer, config.normalize_gradient

        def prepare(p: Any, seed: Any) -> tuple[Any, Any]:
            """Parameters → (picture, randomly transformed picture the network sees)."""
            images = param.to_image(p, height, width)
            return images, _apply_transforms(images, transform_list, seed)

        def update(p, m, v, grad, t, lr):
            """Normalize each image's gradient (the lecture's "trick"), then take one step."""
            if normalize:  # per image, and safe for zero gradients
                axes = list(range(1, len(p.shape)))
                rms = tf.sqrt(tf.reduce_mean(tf.square(grad), axis=axes, keepdims=True))
                grad = grad / (rms + GRADIENT_EPSILON)
            if optimizer == "adam":
                b1, b2 = ADAM_BETAS
                m = b1 * m + (1.0 - b1) * grad
                v = b2 * v + (1.0 - b2) * tf.square(grad)
                m_hat = m / (1.0 - tf.pow(b1, t))
                v_hat = v / (1.0 - tf.pow(b2, t))
                return p + lr * m_hat / (tf.sqrt(v_hat) + ADAM_EPSILON), m, v
            return p + lr * grad, m, v  # plain gradient ascent: I <- I + eta * grad

        # Elementwise and FFT work that XLA fuses well (2-3x faster on CPU); the network
        # itself stays on oneDNN kernels.
        _IMAGE_FUNCTIONS[key] = (
            tf.function(prepare, jit_compile=JIT_COMPILE),
            tf.function(update, jit_compile=JIT_COMPILE),
        )
    return _IMAGE_FUNCTIONS[key]


# Compiled steps kept per model (in its view's store, so they go away with the model);
# beyond this, the least recently used goes.  Each holds its own copy of the merged
# constant kernels and its gradient graph (about 150 MB for EfficientNet-Lite0), so an
# unbounded cache would grow with every configuration tried.
ENGINES_PER_MODEL = 3
_ENGINE_TAG = "optimize_engine"  # the tag of this module's keys in a view's store


def clear_cache() -> None:
    """Forget every compiled gradient-ascent step (each is rebuilt on its next use).

    The steps live in each model's view, next to the other helpers' compiled functions;
    this empties every view's store (what ``lh.clear_caches`` does anyway).
    """
    clear_views()


def _engine(model_view: ModelView, config: _Config, objective: Objective) -> _Engine:
    key = (_ENGINE_TAG, config)

    def build() -> _Engine:
        return _Engine(model_view, config, objective)

    engine = model_view.cached(key, build, limit=ENGINES_PER_MODEL)
    if not engine.is_current():  # the model's weights changed since it was built
        model_view.forget(key)
        engine = model_view.cached(key, build, limit=ENGINES_PER_MODEL)
    return engine


class _ModelEngines(Mapping):
    """{config: engine} a model keeps, least recently used first (read-only, live)."""

    def __init__(self, model_view: ModelView) -> None:
        self._view = model_view

    def _entries(self) -> dict:
        store = self._view._cache  # read without touching the least-recently-used order
        return {key[1]: store[key] for key in self._view.cache_keys()
                if isinstance(key, tuple) and key[:1] == (_ENGINE_TAG,)}

    def __getitem__(self, config: _Config) -> _Engine:
        return self._entries()[config]

    def __iter__(self) -> Iterator[_Config]:
        return iter(self._entries())

    def __len__(self) -> int:
        return len(self._entries())


class _EnginesByModel:
    """``_ENGINES[model]``: the engines a model keeps, for inspection (tests, debugging)."""

    def __getitem__(self, model: ZooModel | keras.Model) -> _ModelEngines:
        return _ModelEngines(view(model))


_ENGINES = _EnginesByModel()


# ---------------------------------------------------------------------------
# Results


@dataclass
class OptimizationResult:
    """What gradient ascent produced: one picture and one objective curve per objective."""

    images: np.ndarray  # uint8 (N, H, W, 3)
    history: np.ndarray  # float32 (N, steps): the objective at each step (transformed input)
    objectives: list[str]
    titles: list[str] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    tracing_count: int = 0

    def __len__(self) -> int:
        return len(self.images)

    def select(self, indices: Sequence[int]) -> OptimizationResult:
        """The same result restricted to some pictures (by position), e.g. ``[1, 3, 9]``."""
        picks = [int(i) for i in indices]
        for i in picks:
            if not -len(self) <= i < len(self):
                raise IndexError(f"picture {i} does not exist: this result has {len(self)}")
        return OptimizationResult(
            images=self.images[picks],
            history=self.history[picks],
            objectives=[self.objectives[i] for i in picks],
            titles=[self.titles[i] for i in picks] if self.titles else [],
            config=dict(self.config),
            tracing_count=self.tracing_count,
        )

    def plot(
        self,
        titles: Sequence[str] | None = None,
        ncols: int | None = None,
        size: float = 2.0,
        suptitle: str | None = None,
    ):
        """A grid of the pictures, titled by objective; returns the figure."""
        import matplotlib.pyplot as plt

        titles = list(titles) if titles is not None else (self.titles or self.objectives)
        n = len(self.images)
        ncols = ncols or min(n, 5)
        nrows = math.ceil(n / ncols)
        height = (size + 0.3) * nrows + (0.4 if suptitle else 0)
        fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, height), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, image, title in zip(axes.flat, self.images, titles, strict=False):
            ax.imshow(image)
            ax.set_title(title, fontsize=9)
        if suptitle:
            fig.suptitle(suptitle)
        fig.tight_layout()
        return fig

    def plot_history(self, ax=None, labels: Sequence[str] | None = None, title: str = ""):
        """The objective per step, one line per picture; returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 3.2))
        labels = list(labels) if labels is not None else (self.titles or self.objectives)
        for curve, label in zip(self.history, labels, strict=False):
            ax.plot(np.arange(1, curve.size + 1), curve, label=label, linewidth=1.2)
        ax.set_xlabel("step")
        ax.set_ylabel("objective")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if len(self.history) <= 12:
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.figure.tight_layout()
        return ax


# ---------------------------------------------------------------------------
# Entry points


def _as_batch(objective: Objective | Sequence[Objective], batch: int | None) -> list[Objective]:
    if isinstance(objective, Objective):
        return [objective] * (1 if batch is None else int(batch))
    items = list(objective)
    if not items:
        raise ValueError("no objectives given: pass an objective or a non-empty list of them")
    for item in items:
        if not isinstance(item, Objective):
            raise TypeError(
                f"expected lh.objectives.* objects, got {item!r} ({type(item).__name__})"
            )
    if batch is not None and batch != len(items):
        raise ValueError(f"batch={batch} but {len(items)} objectives were given (one per image)")
    return items


def _size(size: int | tuple[int, int]) -> tuple[int, int]:
    h, w = (size, size) if isinstance(size, int | np.integer) else tuple(size)
    if h < 16 or w < 16:
        raise ValueError(f"size {size!r} is too small; use at least 16 pixels (e.g. 128)")
    return int(h), int(w)


def maximize(
    model: ZooModel | keras.Model,
    objective: Objective | Sequence[Objective],
    steps: int = 256,
    size: int | tuple[int, int] = 128,
    seed: int = 0,
    lr: float = 0.05,
    param: str | PixelParam | FourierParam = "fourier",
    transforms: str | Iterable | None = "standard",
    regularizers: Iterable | None = (),
    optimizer: str = "adam",
    normalize_gradient: bool = True,
    redirect_relu: bool = True,
    batch: int | None = None,
    progress: bool = True,
    callback: Callable[[int, np.ndarray], None] | None = None,
    titles: Sequence[str] | None = None,
    description: str = "gradient ascent",
) -> OptimizationResult:
    """Gradient ascent in input space: maximize ``objective`` (one per image) by changing pixels.

    ``objective`` is one objective (applied to ``batch`` images) or a list (image k
    maximizes objective k).  Every image is optimized together in one compiled step,
    traced once per configuration.  The gradient of each image is divided by its RMS
    (the lecture's "trick"; with an epsilon, so a zero gradient stays zero), then Adam
    (``optimizer="adam"``) or plain ascent (``"sgd"``: ``I <- I + lr * grad``) updates the
    parameters.  Deterministic for a given ``seed``.  ``callback(step, values)`` is called
    after each step.  ``redirect_relu``: when the target layer is a ReLU, let gradient
    reach filters that are off everywhere (see ``_redirected_relu``).  Returns uint8
    pictures and each objective's history.
    """
    items = _as_batch(objective, batch)
    info = _ModelInfo(model)
    bound = [item.bind(info) for item in items]
    keys = {item.key for item in bound}
    evaluator = bound[0] if len(keys) == 1 else _PerImage(tuple(bound))
    if len(keys) == 1:
        params = np.asarray([item.params for item in bound], dtype=np.float32)
    else:
        flat = evaluator.params
        params = np.tile(np.asarray(flat, dtype=np.float32), (len(bound), 1))
    steps = int(steps)
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    height, width = _size(size)
    parameterization = _parameterization(param)
    transform_list = _transforms(transforms)
    regularizer_list = _regularizers(regularizers)
    blurs = [r for r in regularizer_list if isinstance(r, Blur)]
    if len(blurs) > 1:
        raise ValueError("give at most one blur regularizer")
    config = _Config(
        layers=evaluator.layers,
        objective_key=evaluator.key,
        size=(height, width),
        param=parameterization,
        transforms=transform_list,
        penalties=tuple(r for r in regularizer_list if not isinstance(r, Blur)),
        blur=blurs[0] if blurs else None,
        optimizer=optimizer,
        normalize_gradient=bool(normalize_gradient),
        redirect_relu=bool(redirect_relu),
    )
    engine = _engine(info.view, config, evaluator)

    n = len(bound)
    rng = np.random.default_rng(seed)
    p = tf.constant(parameterization.init(rng, n, height, width))
    m = tf.zeros_like(p)
    v = tf.zeros_like(p)
    params_t = tf.constant(params)
    lr_t = tf.constant(float(lr), tf.float32)
    history = np.zeros((n, steps), dtype=np.float32)

    from tqdm.auto import tqdm

    with tqdm(total=steps, desc=description, disable=not progress, leave=False) as bar:
        for i in range(steps):
            seed_t = tf.constant([int(seed), i], dtype=tf.int32)
            t = tf.constant(float(i + 1), tf.float32)
            p, m, v, values = engine.step(p, m, v, t, params_t, seed_t, lr_t)
            if config.blur is not None and (i + 1) % config.blur.every == 0:
                p = engine.blur(p)
            history[:, i] = values.numpy()
            bar.update(1)
            if callback is not None:
                callback(i + 1, history[:, i].copy())
    images = engine.render(p).numpy()
    images = np.clip(np.round(images * 255.0), 0, 255).astype(np.uint8)
    names = [item.name for item in bound]
    return OptimizationResult(
        images=images,
        history=history,
        objectives=names,
        titles=list(titles) if titles is not None else names,
        config={
            "steps": steps,
            "size": (height, width),
            "seed": seed,
            "lr": float(lr),
            "param": parameterization,
            "transforms": transform_list,
            "regularizers": regularizer_list,
            "optimizer": optimizer,
        },
        tracing_count=engine.step.experimental_get_tracing_count(),
    )


def _filter_list(filters: int | Iterable[int] | None, channels: int, layer: str) -> list[int]:
    if filters is None:
        filters = range(min(10, channels))
    if isinstance(filters, int | np.integer):
        filters = [filters]
    out = [_check_index(f, "filter index") for f in filters]
    if not out:
        raise ValueError("no filters given: pass an index or a list, e.g. filters=range(10)")
    bad = [f for f in out if f >= channels]
    if bad:
        raise IndexError(
            f"filter index {bad[0]} is out of range: layer {layer!r} has {channels} channels "
            f"(filters), so use indices from 0 to {channels - 1}"
        )
    return out


def visualize_filters(
    model: ZooModel | keras.Model,
    layer: str,
    filters: int | Iterable[int] | None = None,
    steps: int = 256,
    size: int | tuple[int, int] = 128,
    seed: int = 0,
    lr: float = 0.05,
    param: str | PixelParam | FourierParam = "fourier",
    transforms: str | Iterable | None = "standard",
    regularizers: Iterable | None = (),
    progress: bool = True,
    **options: Any,
) -> OptimizationResult:
    """What maximally activates each filter? One picture per filter of ``layer``, in one batch.

    ``filters``: an index or a list (default: the first 10).  The objective is each
    filter's mean activation (``lh.objectives.channel``).  Lucid-like defaults: Fourier
    parameterization with colour decorrelation, standard transforms, Adam with lr 0.05.
    """
    channels = _ModelInfo(model).channels(layer)
    indices = _filter_list(filters, channels, layer)
    return maximize(
        model,
        [channel(layer, f) for f in indices],
        steps=steps,
        size=size,
        seed=seed,
        lr=lr,
        param=param,
        transforms=transforms,
        regularizers=regularizers,
        progress=progress,
        titles=[f"filter {f}" for f in indices],
        description=f"{layer}: {len(indices)} filters",
        **options,
    )


def visualize_class(
    model: ZooModel | keras.Model,
    classes: int | str | Iterable[int | str],
    steps: int = 256,
    size: int | tuple[int, int] = 224,
    seed: int = 0,
    lr: float = 0.05,
    param: str | PixelParam | FourierParam = "fourier",
    transforms: str | Iterable | None = "standard",
    regularizers: Iterable | None = (),
    progress: bool = True,
    **options: Any,
) -> OptimizationResult:
    """What maximally activates a class? One picture per class, maximizing its logit.

    ``classes``: an index, a name (``"flamingo"``) or a list of them; all are optimized
    together in one batch.  The objective is the unnormalized class score (the logit,
    as Simonyan et al. do), not the softmax probability: for any Keras classifier a final
    softmax or sigmoid is left out (see :mod:`lecture_helpers.modelview`), and a binary
    (one-unit) model scores class 0 as -z and class 1 as z.
    """
    if isinstance(classes, str | int | np.integer):
        classes = [classes]
    items = list(classes)
    if not items:
        raise ValueError("no classes given: pass an index, a name, or a list of them")
    info = _ModelInfo(model)
    indices = [info.class_index(c) for c in items]
    names = [info.view.class_names[i] for i in indices]
    return maximize(
        model,
        [class_logit(i) for i in indices],
        steps=steps,
        size=size,
        seed=seed,
        lr=lr,
        param=param,
        transforms=transforms,
        regularizers=regularizers,
        progress=progress,
        titles=[f"{name} ({i})" for name, i in zip(names, indices, strict=True)],
        description=f"{len(indices)} classes",
        **options,
    )


def lecture_gradient_ascent(
    submodel: keras.Model,
    filter_index: int,
    size: int = 64,
    steps: int = 30,
    lr: float = 10.0,
    normalize: bool = True,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The slide's loop, eagerly, one filter: returns (final image as float, objective per step).

    ``I`` starts at zeros (or ``start``); each step takes the mean of the filter's output,
    its gradient w.r.t. ``I``, optionally divides it by its norm (the "trick"), and adds it.
    """
    image = np.zeros((1, size, size, 3), np.float32) if start is None else start
    I = tf.Variable(image, dtype=tf.float32)  # noqa: E741  (the slide's name)
    curve = []
    for _ in range(steps):
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(I)
            channel_out = submodel(I)[:, :, :, filter_index]
            filter_output_to_maximize = tf.reduce_mean(channel_out)
        grad_fn = tape.gradient(filter_output_to_maximize, I)
        if normalize:
            grad_fn /= tf.sqrt(tf.reduce_mean(tf.square(grad_fn))) + GRADIENT_EPSILON
        I.assign_add(lr * grad_fn)
        curve.append(float(filter_output_to_maximize))
    return I.numpy()[0], np.asarray(curve, np.float32)


def plot_results(
    results: dict[str, OptimizationResult],
    indices: Sequence[int] | None = None,
    size: float = 2.0,
    suptitle: str | None = None,
):
    """One row of pictures per result (labelled by its key), for side-by-side comparisons.

    ``indices`` picks the same pictures from every result (default: all).
    """
    import matplotlib.pyplot as plt

    rows = list(results.items())
    if not rows:
        raise ValueError("no results to plot: pass {'label': result, ...}")
    picks = [list(range(len(r))) if indices is None else list(indices) for _, r in rows]
    ncols = max(len(p) for p in picks)
    fig, axes = plt.subplots(
        len(rows), ncols, figsize=(size * ncols + 1.2, (size + 0.3) * len(rows)), squeeze=False
    )
    for (label, result), pick, axes_row in zip(rows, picks, axes, strict=True):
        for ax in axes_row:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_frame_on(False)
        for ax, index in zip(axes_row, pick, strict=False):
            ax.imshow(result.images[index])
            ax.set_title(result.titles[index] if result.titles else str(index), fontsize=9)
        axes_row[0].set_ylabel(label, fontsize=10)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_ascent(
    curves: dict[str, Any],
    image: np.ndarray | None = None,
    image_title: str = "",
    ylabel: str = "mean activation of the filter",
):
    """Objective-per-step curves (one per label), optionally next to the image; returns the figure.

    A float image (any range, e.g. the slide loop's unclipped ``I``) is stretched to [0, 1].
    """
    import matplotlib.pyplot as plt

    panels = 2 if image is not None else 1
    fig, axes = plt.subplots(
        1, panels, figsize=(4.2 * panels + 1.0, 3.4), squeeze=False,
        gridspec_kw={"width_ratios": [1, 1.4][-panels:]},
    )
    axes = axes[0]
    if image is not None:
        shown = np.asarray(image)
        if shown.dtype != np.uint8:
            shown = shown.astype(np.float64)
            shown = (shown - shown.min()) / max(float(np.ptp(shown)), 1e-12)
        axes[0].imshow(shown)
        axes[0].axis("off")
        axes[0].set_title(image_title)
    ax = axes[-1]
    for label, curve in curves.items():
        curve = np.asarray(curve)
        ax.plot(np.arange(1, curve.size + 1), curve, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig
