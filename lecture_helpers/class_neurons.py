"""Class neurons: what input maximizes a class score?

The lecture's "Visualizing Filters: Class Neuron" slide: gradient ascent in input space,

    I <- I + eta * grad_I f_c(I)

where f_c is the unnormalized score (logit) of class c, I starts at zeros (or random
noise) and the network's weights stay frozen.  Maximize the logit, not the softmax
probability (Simonyan et al., 2013): the probability can also rise by pushing the other
classes down.

The class-specific pieces built on the engine in :mod:`lecture_helpers.optimize`, one job
per module; this one re-exports the others' public names (``lh.class_neurons.X``):

* here, :func:`slide_class_ascent`: the slide's plain loop, in pixel space, compiled once;
* :mod:`lecture_helpers.class_presets`: :data:`CLASS_PRESETS` /
  :func:`visualize_class_preset`, named regularization settings (none, L2 decay, blur,
  jitter, Lucid's Fourier + transforms, and the class recipe that ``visualize_class`` uses
  by default), and :func:`plot_preset_comparison`;
* :mod:`lecture_helpers.class_robustness`: :func:`transform_robustness` and
  :func:`grayscale_std`: the checks that a picture is a real class visualization (it
  survives random shifts, zooms and rotations) and not a grey blob.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from ._quiet import tf
from .class_presets import (
    CLASS_PRESETS,
    DEFAULT_PRESET,
    compare_class_presets,
    plot_preset_comparison,
    visualize_class_preset,
)
from .class_robustness import (
    grayscale_std,
    half_resolution,
    high_frequency_share,
    random_view,
    transform_robustness,
    view_probabilities,
)
from .errors import UnknownNameError
from .modelview import view
from .optimize import learning_rate
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
