"""The compiled engine: one gradient-ascent step per (model, configuration), traced once.

:class:`_Config` is everything a step is traced for (layers, the objective's ``key``, size,
parameterization, transforms, penalties, optimizer); the objective's numbers and the seed
come in as tensors, so new filters or classes reuse the step.  :class:`_Engine` holds the
model's probe sub-model (batch norms folded in; a ReLU target read before the ReLU and
redirected, :func:`_redirected_relu`) and the step; the XLA-compiled image functions
(parameterization + transforms, optimizer update) are shared by every engine with the same
image settings.  Engines are kept per model in its view's store (``_engine``, at most
``ENGINES_PER_MODEL``); :func:`cached_engines` lists a model's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from .._quiet import tf
from ..folding import fold_batch_norm
from ..folding import is_current as folding_is_current
from ..folding import refresh as folding_refresh
from ..modelview import ModelView, view
from .objectives import SCORES, Objective
from .param import FourierParam, PixelParam
from .regularizers import Blur
from .transform import _apply_transforms

if TYPE_CHECKING:
    from ..zoo import ZooModel


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
        # instead of two, no batch-norm gradients): about 0.8x the time per step.  The
        # merged weights are one snapshot per model, shared by its engines (see ``refresh``).
        self.submodel = fold_batch_norm(
            model_view.probe_model(outputs, "visualization_submodel"),
            shared=model_view.cached((_FOLDED_TAG,), dict),
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
        """False once the model's weights have changed since they were last merged."""
        return folding_is_current(self.submodel)

    def refresh(self) -> None:
        """Merge the model's current weights again; the compiled step reads them as is."""
        folding_refresh(self.submodel)

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
# beyond this, the least recently used goes.  The merged weights are shared, but each step
# holds its own gradient graph and runtime state (about 0.35 GB for EfficientNet-Lite0 at
# batch 4, 224 px, with the compiled image functions), so an unbounded cache would grow
# with every configuration tried.  Two: fewer held steps keep a
# notebook kernel's memory down (benchmarks/bench_notebooks.py measures it), and a widget
# going back and forth between two settings still compiles nothing.
ENGINES_PER_MODEL = 2
_ENGINE_TAG = "optimize_engine"  # the tag of this module's keys in a view's store
_FOLDED_TAG = "optimize_folded_layers"  # {convolution: merged layer}, shared by the engines


def _engine(model_view: ModelView, config: _Config, objective: Objective) -> _Engine:
    key = (_ENGINE_TAG, config)

    def build() -> _Engine:
        return _Engine(model_view, config, objective)

    engine = model_view.cached(key, build, limit=ENGINES_PER_MODEL)
    if not engine.is_current():  # the model's weights changed since they were merged
        engine.refresh()
    return engine


def cached_engines(model: ZooModel | keras.Model) -> dict[_Config, _Engine]:
    """The compiled engines ``model``'s view keeps, least recently used first.

    A snapshot ({config: engine}) for inspection (tests, benchmarks, debugging); reading it
    leaves the least-recently-used order as it is.
    """
    model_view = view(model)
    store = model_view._cache  # read without touching the least-recently-used order
    return {key[1]: store[key] for key in model_view.cache_keys()
            if isinstance(key, tuple) and key[:1] == (_ENGINE_TAG,)}
