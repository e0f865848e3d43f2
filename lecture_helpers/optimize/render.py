"""Entry points: run gradient ascent and return an :class:`.results.OptimizationResult`.

:func:`maximize` takes any objective (or one per image), binds it to the model, picks the
engine for its configuration and runs the steps; :func:`visualize_filters` (channels of a
layer) and :func:`visualize_class` (class logits) build the objectives for it.
:func:`lecture_gradient_ascent` is the slide's loop, eagerly, for one filter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from .._quiet import tf
from ..perturbation import ascent_seed, perturb_start
from .engine import GRADIENT_EPSILON, _Config, _engine
from .model_info import _ModelInfo
from .objectives import Objective, _check_index, _PerImage, class_logit
from .objectives import channel as channel_objective
from .param import FourierParam, PixelParam, _parameterization
from .regularizers import Blur, _regularizers
from .results import OptimizationResult
from .transform import _transforms

if TYPE_CHECKING:
    from ..zoo import ZooModel


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


def learning_rate(lr: Any) -> float:
    """``lr`` as a float, refused unless it is a positive finite number (a negative one
    would descend, zero or NaN would leave the picture as it started)."""
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise TypeError(f"the learning rate lr must be a number, got {lr!r}") from None
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(
            f"the learning rate lr must be a positive finite number, got {lr!r}: gradient "
            "ascent climbs by lr times the gradient (e.g. lr=0.05)"
        )
    return value


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
    lr = learning_rate(lr)
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
    seed = ascent_seed(seed)
    rng = np.random.default_rng(seed)
    p = tf.constant(perturb_start(parameterization.init(rng, n, height, width)))
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


def _filter_list(channel: int | Iterable[int] | None, channels: int, layer: str) -> list[int]:
    if channel is None:
        channel = range(min(10, channels))
    if isinstance(channel, int | np.integer):
        channel = [channel]
    out = [_check_index(f, "filter index") for f in channel]
    if not out:
        raise ValueError("no filters given: pass an index or a list, e.g. channel=range(10)")
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
    channel: int | Iterable[int] | None = None,
    *,
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

    ``channel``: a filter's index (filter k makes channel k of the layer's output) or a
    list of them (default: the first 10).  The objective is each filter's mean
    activation (``lh.objectives.channel``).  Lucid-like defaults: Fourier
    parameterization with colour decorrelation, standard transforms, Adam with lr 0.05.
    """
    channels = _ModelInfo(model).channels(layer)
    indices = _filter_list(channel, channels, layer)
    return maximize(
        model,
        [channel_objective(layer, f) for f in indices],
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


# The class-picture recipe: visualize_class's defaults (visualize_filters and maximize keep
# Lucid's FourierParam() and lr 0.05).  See visualize_class's docstring for the measurements.
CLASS_PARAM = FourierParam(decay_power=1.75)
CLASS_LR = 0.01


def visualize_class(
    model: ZooModel | keras.Model,
    class_index: int | str | Iterable[int | str],
    *,
    steps: int = 256,
    size: int | tuple[int, int] = 224,
    seed: int = 0,
    lr: float = CLASS_LR,
    param: str | PixelParam | FourierParam = CLASS_PARAM,
    transforms: str | Iterable | None = "standard",
    regularizers: Iterable | None = (),
    progress: bool = True,
    **options: Any,
) -> OptimizationResult:
    """What maximally activates a class? One picture per class, maximizing its logit.

    ``class_index``: an index, a name (``"flamingo"``) or a list of them; all are optimized
    together in one batch.  The objective is the unnormalized class score (the logit,
    as Simonyan et al. do), not the softmax probability: for any Keras classifier a final
    softmax or sigmoid is left out (see :mod:`lecture_helpers.modelview`), and a binary
    (one-unit) model scores class 0 as -z and class 1 as z.

    The defaults are the class-picture recipe: Lucid's Fourier parameterization and
    transforms with a steeper spectrum, ``CLASS_PARAM`` = ``FourierParam(decay_power=1.75)``,
    and ``lr`` = ``CLASS_LR`` = 0.01.  Lucid's own ``param="fourier", lr=0.05`` (the preset
    "Fourier + transforms", and ``visualize_filters``'s defaults) leaves a per-pixel colour
    mosaic on class pictures at 224 px: Adam moves every Fourier coefficient by about the same
    step, so the picture's power follows the 1/f scale, equal in every octave.  Measured at
    224 px, 256 steps, seeds 0-2 (``lh.period2_energy``, ``lh.colourfulness``): Lucid's
    0.040-0.069 and 35-44, this recipe 0.0014-0.0039 and 58-85, the sample photos
    0.0004-0.0054 and 25-76; both keep the class top-5 in 8 of 8 random views.
    Going-further notebook 06 shows the two side by side.
    """
    classes = class_index
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
    lr = learning_rate(lr)
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
