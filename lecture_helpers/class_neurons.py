"""Class neurons: what input maximizes a class score?

The lecture's "Visualizing Filters: Class Neuron" slide: gradient ascent in input space,

    I <- I + eta * grad_I f_c(I)

where f_c is the unnormalized score (logit) of class c, I starts at zeros (or random
noise) and the network's weights stay frozen.  Maximize the logit, not the softmax
probability (Simonyan et al., 2013): the probability can also rise by pushing the other
classes down.

This module holds the class-specific pieces built on the engine in
:mod:`lecture_helpers.optimize`:

* :func:`slide_class_ascent`: the slide's plain loop, in pixel space, compiled once;
* :data:`CLASS_PRESETS` / :func:`visualize_class_preset`: named regularization settings
  (none, L2 decay, blur, jitter, Lucid's Fourier + transforms, and the class recipe that
  ``visualize_class`` uses by default);
* :func:`transform_robustness` and :func:`grayscale_std`: the checks that a picture is a
  real class visualization (it survives random shifts, zooms and rotations) and not a
  grey blob.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from PIL import Image

from ._quiet import tf
from .errors import UnknownNameError
from .images import resize_image
from .modelview import view
from .optimize import (
    CLASS_LR,
    CLASS_PARAM,
    OptimizationResult,
    learning_rate,
    regularizers,
    transforms,
    visualize_class,
)
from .perturbation import ascent_seed, perturb_start
from .zoo import ZooModel

# What "zero" means for a zoo model's input: images are RGB in [0, 255] and the
# normalization is inside the model (efficientnet_lite0: (x - 127) / 128), so the image
# the network sees as all zeros is uniform grey 127, while I = 0 is a black picture.
STARTS = ("grey", "zeros", "noise")

@dataclass
class SlideAscentResult:
    """The slide's loop: the picture, and the logit and probability at every step."""

    image: np.ndarray  # uint8 (H, W, 3)
    raw: np.ndarray  # float32 (H, W, 3), the optimized input in [0, 255]
    logits: np.ndarray  # (steps + 1,): f_c before the first step and after each step
    probabilities: np.ndarray  # (steps + 1,): softmax probability of class c
    class_index: int
    class_name: str
    start: str

    def plot(self, suptitle: str | None = None):
        """The picture next to its logit and probability curves; returns the figure."""
        import matplotlib.pyplot as plt

        fig, (ax_image, ax_logit) = plt.subplots(
            1, 2, figsize=(8.5, 3.4), gridspec_kw={"width_ratios": [1, 1.5]}
        )
        ax_image.imshow(self.image)
        ax_image.set_title(f"{self.class_name} ({self.class_index}) after "
                           f"{len(self.logits) - 1} steps")
        ax_image.axis("off")
        steps = np.arange(len(self.logits))
        ax_logit.plot(steps, self.logits, color="tab:blue")
        ax_logit.set_xlabel("step")
        ax_logit.set_ylabel("logit $f_c(I)$", color="tab:blue")
        ax_prob = ax_logit.twinx()
        ax_prob.plot(steps, self.probabilities, color="tab:red")
        ax_prob.set_ylim(-0.02, 1.02)
        ax_prob.set_ylabel("softmax probability", color="tab:red")
        ax_logit.set_title("gradient ascent on the logit")
        if suptitle:
            fig.suptitle(suptitle)
        fig.tight_layout()
        return fig


def start_image(start: str, size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """The starting picture, float32 (H, W, 3) in [0, 255].

    ``"grey"``: 127 everywhere, the input the model normalizes to zero; ``"zeros"``: a
    black picture (I = 0 taken literally; far from zero once normalized); ``"noise"``:
    grey plus small random noise (sigma 8).
    """
    height, width = size
    if start == "grey":
        return perturb_start(np.full((height, width, 3), 127.0, np.float32))
    if start == "zeros":
        return np.zeros((height, width, 3), np.float32)
    if start == "noise":
        rng = np.random.default_rng(seed)
        noise = 127.0 + 8.0 * rng.standard_normal((height, width, 3))
        return perturb_start(np.clip(noise, 0, 255).astype(np.float32))
    raise UnknownNameError(f"unknown start {start!r}; use one of {', '.join(STARTS)}")


def _slide_step(model: ZooModel | keras.Model):
    """The compiled step ``I, c, lr -> (I + lr * g / rms(g)) clipped, logits`` (cached)."""
    model_view = view(model)

    def build():
        score_model = model_view.score_model()

        @tf.function(
            input_signature=[
                tf.TensorSpec([1, *model_view.input.shape[1:]], tf.float32),
                tf.TensorSpec([], tf.int32),
                tf.TensorSpec([], tf.float32),
            ]
        )
        def step(image, class_index, lr):
            with tf.GradientTape() as tape:
                tape.watch(image)
                scores = score_model(image, training=False)
                objective = scores[0, class_index]  # the logit, not the softmax
            grad = tape.gradient(objective, image)
            grad = grad / (tf.sqrt(tf.reduce_mean(tf.square(grad))) + 1e-8)  # the "trick"
            return tf.clip_by_value(image + lr * grad, 0.0, 255.0), scores[0]

        return step

    return model_view.cached(("slide_step",), build)


def slide_class_ascent(
    model: ZooModel | keras.Model,
    class_index: int | str = "flamingo",
    steps: int = 100,
    lr: float = 1.0,
    size: int | tuple[int, int] | None = None,
    start: str = "grey",
    seed: int = 0,
) -> SlideAscentResult:
    """The slide's loop for a class neuron: ``I <- I + lr * grad f_c(I) / rms``, no regularizer.

    Starts from ``start`` (see :func:`start_image`; default grey = the model's zero),
    keeps I a valid picture by clipping to [0, 255] and records the logit f_c and the
    probability at every step.  ``lr`` is in grey levels per step.  ``size``: default the
    model's input size (224 for a model that takes any size).
    """
    model_view = view(model)
    index = model_view.class_index(class_index)
    height, width = model_view.target_size((224, 224), size)
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    lr = learning_rate(lr)
    step = _slide_step(model)
    first = model_view.batch(
        start_image(start, (height, width), ascent_seed(seed)), size=(height, width)
    )
    image = tf.constant(first)
    c, rate = tf.constant(index, tf.int32), tf.constant(float(lr), tf.float32)
    scores = []
    for _ in range(int(steps)):
        image, s = step(image, c, rate)
        scores.append(s.numpy())
    final = model_view.run("scores", image.numpy())[0]
    scores = np.asarray([*scores, final], np.float64)  # f before each step, and at the end
    if model_view.binary:  # binary models score [-z, z]; P(class) = sigmoid(its score)
        probabilities = 1.0 / (1.0 + np.exp(-scores[:, index]))
    else:
        probabilities = _softmax(scores)[:, index]
    raw = image.numpy()[0]
    if raw.shape[-1] == 1:
        raw = np.repeat(raw, 3, axis=-1)
    return SlideAscentResult(
        image=np.clip(np.round(raw), 0, 255).astype(np.uint8),
        raw=raw,
        logits=scores[:, index].astype(np.float32),
        probabilities=probabilities.astype(np.float32),
        class_index=index,
        class_name=model_view.class_names[index],
        start=start,
    )


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------------------
# Regularization presets (all on the engine's public pieces)


def _presets() -> dict[str, dict[str, Any]]:
    """Each preset changes one thing against "none" (plain pixels, no transforms), except the
    last two: Lucid's recipe, and the class recipe (``visualize_class``'s defaults: Lucid's
    with a steeper spectrum and smaller steps).  Pixel presets take larger steps (lr 0.3)
    than the Fourier parameterizations (0.05 and 0.01), so that 128 steps give a visible
    picture."""
    pixel = dict(param="pixel", transforms=None, regularizers=(), lr=0.3)
    return {
        "none": pixel,
        # Simonyan et al.: L2 decay of the image (here towards grey), weighed against the logit
        "L2 decay": {**pixel, "regularizers": (regularizers.l2(2000.0),)},
        # Yosinski et al.: Gaussian blur of radius 1 px every 4 steps
        "blur": {**pixel, "regularizers": (regularizers.blur(1.0, 4),)},
        # cs231n: a random shift of up to 16 px at every step
        "jitter": {**pixel, "transforms": (transforms.jitter(16),)},
        # Lucid: Fourier + colour-decorrelated image, pad/jitter/scale/rotate, Adam lr 0.05
        "Fourier + transforms": dict(param="fourier", transforms="standard", regularizers=(),
                                     lr=0.05),
        # lh.visualize_class's defaults: a 1/f**1.75 spectrum, Adam lr 0.01 (no speckle)
        "class recipe": dict(param=CLASS_PARAM, transforms="standard", regularizers=(),
                             lr=CLASS_LR),
    }


CLASS_PRESETS: dict[str, dict[str, Any]] = _presets()
DEFAULT_PRESET = "class recipe"


def visualize_class_preset(
    model: ZooModel | keras.Model,
    class_index: int | str | Iterable[int | str],
    preset: str = DEFAULT_PRESET,
    *,
    steps: int = 256,
    size: int = 224,
    seed: int = 0,
    progress: bool = True,
    **options: Any,
) -> OptimizationResult:
    """``lh.visualize_class`` with a named regularization preset (see ``CLASS_PRESETS``)."""
    if preset not in CLASS_PRESETS:
        raise UnknownNameError(
            f"unknown preset {preset!r}; choose one of {', '.join(CLASS_PRESETS)}"
        )
    settings = {**CLASS_PRESETS[preset], **options}
    return visualize_class(
        model, class_index, steps=steps, size=size, seed=seed, progress=progress, **settings
    )


def compare_class_presets(
    model: ZooModel | keras.Model,
    class_index: int | str = "flamingo",
    presets: Sequence[str] | None = None,
    *,
    steps: int = 128,
    size: int = 224,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, OptimizationResult]:
    """The same class under several presets (default: all), same steps and seed each."""
    names = list(CLASS_PRESETS) if presets is None else list(presets)
    return {
        name: visualize_class_preset(
            model, [class_index], name, steps=steps, size=size, seed=seed, progress=progress
        )
        for name in names
    }


def plot_preset_comparison(
    results: dict[str, OptimizationResult],
    view_probs: dict[str, np.ndarray] | None = None,
    panel_size: float = 2.35,
    suptitle: str | None = None,
):
    """Pictures (one per preset) and their objective curves (one plot): a row of pictures
    with the curves below, or two rows with the curves beside them when one row would be
    wider than a slide.

    ``view_probs`` (preset -> probabilities from :func:`view_probabilities`) adds the mean
    probability of the class over random views of the picture.  Returns the figure.
    """
    import matplotlib.pyplot as plt

    from .figures import SLIDE_RULES, row_height

    names = list(results)
    titles = []
    for name in names:
        title = name
        if view_probs is not None and name in view_probs:
            values = np.asarray(view_probs[name]).ravel()
            title += f"\np = {values.mean():.2f} in {values.size} random views"
        titles.append(title)
    slide_in = 0.96 * SLIDE_RULES.max_width_px / SLIDE_RULES.min_dpi
    lines = max(title.count("\n") + 1 for title in titles)
    if panel_size * len(names) <= slide_in:  # one row of pictures, the curves below
        rows, columns = 1, len(names)
        top = row_height(panel_size, lines)
        fig = plt.figure(figsize=(panel_size * columns, top + 0.85 * panel_size + 0.5
                                  + (0.4 if suptitle else 0.0)), layout="constrained")
        grid = fig.add_gridspec(2, columns, height_ratios=[top, 0.85 * panel_size + 0.5])
        ax_curves = fig.add_subplot(grid[1, :])
    else:  # too many for one row: two rows of pictures, the curves beside them
        rows, columns, curves_in = 2, -(-len(names) // 2), 4.2
        panel_size = min(panel_size, (slide_in - curves_in) / columns)
        top = row_height(panel_size, lines)
        fig = plt.figure(figsize=(panel_size * columns + curves_in,
                                  rows * top + (0.4 if suptitle else 0.0)), layout="constrained")
        grid = fig.add_gridspec(rows, columns + 1,
                                width_ratios=[panel_size] * columns + [curves_in])
        ax_curves = fig.add_subplot(grid[:, columns])
    for index, (name, title) in enumerate(zip(names, titles, strict=True)):
        result = results[name]
        ax_image = fig.add_subplot(grid[index // columns, index % columns])
        ax_image.imshow(result.images[0])
        ax_image.axis("off")
        ax_image.set_title(title, fontsize=10)
        curve = result.history[0]
        ax_curves.plot(np.arange(1, curve.size + 1), curve, label=name)
    ax_curves.set_xlabel("step")
    ax_curves.set_ylabel("objective (logit)")
    ax_curves.grid(alpha=0.3)
    if rows == 1:
        ax_curves.legend(fontsize=10, loc="upper left", ncol=len(names))
    else:
        ax_curves.legend(fontsize=10, loc="lower right", ncol=2)
    if suptitle:
        fig.suptitle(suptitle)
    from .figures import mark_palette

    return mark_palette(fig)


# ---------------------------------------------------------------------------
# Quality checks


def random_view(
    image: np.ndarray,
    rng: np.random.Generator,
    shift: float = 16.0,
    scale: tuple[float, float] = (0.9, 1.1),
    degrees: float = 10.0,
) -> np.ndarray:
    """One random view of a uint8 image: shift up to ``shift`` px, zoom, rotate (PIL, bilinear).

    Pixels that come from outside the picture are filled by mirroring its border.
    """
    height, width = image.shape[:2]
    margin = int(math.ceil(max(height, width) * 0.3 + shift))
    padded = Image.fromarray(np.pad(image, ((margin, margin), (margin, margin), (0, 0)),
                                    mode="reflect"))
    dx, dy = rng.uniform(-shift, shift, size=2)
    zoom = rng.uniform(*scale)
    angle = math.radians(rng.uniform(-degrees, degrees))
    # output pixel (u, v) reads input (a u + b v + c, d u + e v + f): rotate + zoom about
    # the centre, then shift.
    cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    a, b, d, e = cos, -sin, sin, cos
    c = margin + cx - a * cx - b * cy - dx
    f = margin + cy - d * cx - e * cy - dy
    out = padded.transform((width, height), Image.Transform.AFFINE, (a, b, c, d, e, f),
                           resample=Image.Resampling.BILINEAR)
    return np.asarray(out, dtype=np.uint8)


def _view_probabilities(
    model: ZooModel | keras.Model,
    image: np.ndarray | Sequence[np.ndarray],
    class_index: Sequence[int | str],
    trials: int,
    seed: int,
    shift: float,
    scale: tuple[float, float],
    degrees: float,
) -> tuple[np.ndarray, list[int]]:
    """(N * trials, C) probabilities of random views of each image, and the class indices."""
    model_view = view(model)
    pictures = [np.asarray(im) for im in image]
    classes = [class_index] if isinstance(class_index, str | int | np.integer) else class_index
    indices = [model_view.class_index(c) for c in classes]
    if len(pictures) != len(indices):
        raise ValueError(f"{len(pictures)} images but {len(indices)} classes: give one per image")
    if int(trials) < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    rng = np.random.default_rng(seed)
    views = [random_view(im, rng, shift, scale, degrees) for im in pictures for _ in range(trials)]
    probabilities = model_view.run("probabilities", model_view.batch(views))  # chunks of 8
    return probabilities, indices


def transform_robustness(
    model: ZooModel | keras.Model,
    image: np.ndarray | Sequence[np.ndarray],
    class_index: Sequence[int | str],
    *,
    trials: int = 8,
    top: int = 5,
    seed: int = 0,
    shift: float = 16.0,
    scale: tuple[float, float] = (0.9, 1.1),
    degrees: float = 10.0,
) -> np.ndarray:
    """(N, trials) booleans: is image k's class in the model's top-``top`` for each random view?

    ``image``: N pictures (a batch or a list); ``class_index``: one class per picture.

    Each view shifts by up to ``shift`` px, zooms by a factor in ``scale`` and rotates by
    up to ``degrees`` (see :func:`random_view`); views are classified at the model's
    input size, in batches.
    """
    probabilities, indices = _view_probabilities(
        model, image, class_index, trials, seed, shift, scale, degrees
    )
    ranks = np.argsort(-probabilities, axis=1, kind="stable")[:, : max(1, int(top))]
    hits = np.array([indices[i // trials] in ranks[i] for i in range(len(ranks))])
    return hits.reshape(len(indices), trials)


def view_probabilities(
    model: ZooModel | keras.Model,
    image: np.ndarray | Sequence[np.ndarray],
    class_index: Sequence[int | str],
    *,
    trials: int = 8,
    seed: int = 0,
    shift: float = 16.0,
    scale: tuple[float, float] = (0.9, 1.1),
    degrees: float = 10.0,
) -> np.ndarray:
    """(N, trials): the probability of image k's class in each random view (as above)."""
    probabilities, indices = _view_probabilities(
        model, image, class_index, trials, seed, shift, scale, degrees
    )
    rows = np.repeat(np.asarray(indices), trials)
    return probabilities[np.arange(len(rows)), rows].reshape(len(indices), trials)


def half_resolution(images: np.ndarray) -> np.ndarray:
    """Each uint8 picture at half its resolution, scaled back to its size (bilinear, PIL).

    What is left of a picture without its finest, pixel-level detail: a class visualization
    survives it, an adversarial pattern does not.
    """
    batch = np.asarray(images)
    single = batch.ndim == 3
    if single:
        batch = batch[None]
    if batch.ndim != 4 or batch.shape[-1] != 3:
        raise ValueError(
            f"expected uint8 RGB pictures (H, W, 3) or (N, H, W, 3), got shape {batch.shape}"
        )
    height, width = batch.shape[1:3]
    half = (max(1, height // 2), max(1, width // 2))
    out = np.stack([
        resize_image(resize_image(image, half), (height, width))
        for image in batch.astype(np.uint8)
    ])
    return out[0] if single else out


def high_frequency_share(images: np.ndarray) -> np.ndarray:
    """The share of each picture's spectral energy in the upper half of its spatial frequencies.

    Grayscale, mean removed; "upper half" is a radius above half the Nyquist frequency (in
    units where the Nyquist frequency is 1 along each axis). White noise scores ~0.8 and grainy
    plain-pixel pictures ~0.6; smooth shapes and broad strokes score ~0.1-0.2.
    """
    batch = np.asarray(images, dtype=np.float64)
    if batch.ndim == 3:
        batch = batch[None]
    gray = batch @ np.array([0.299, 0.587, 0.114])
    gray = gray - gray.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fft2(gray)) ** 2
    fy = np.fft.fftfreq(gray.shape[1])[:, None] * 2.0  # in units of the Nyquist frequency
    fx = np.fft.fftfreq(gray.shape[2])[None, :] * 2.0
    high = np.sqrt(fy**2 + fx**2) > 0.5
    total = power.sum(axis=(1, 2))
    return np.where(total > 0, (power * high).sum(axis=(1, 2)) / np.maximum(total, 1e-12), 0.0)


def grayscale_std(images: np.ndarray) -> np.ndarray:
    """Standard deviation of each uint8 image's grayscale (0-255): a grey blob has ~0."""
    batch = np.asarray(images, dtype=np.float64)
    if batch.ndim == 3:
        batch = batch[None]
    gray = batch @ np.array([0.299, 0.587, 0.114])
    return gray.reshape(len(batch), -1).std(axis=1)


__all__ = [
    "CLASS_PRESETS",
    "compare_class_presets",
    "plot_preset_comparison",
    "DEFAULT_PRESET",
    "SlideAscentResult",
    "grayscale_std",
    "half_resolution",
    "high_frequency_share",
    "random_view",
    "slide_class_ascent",
    "start_image",
    "transform_robustness",
    "view_probabilities",
    "visualize_class_preset",
]
