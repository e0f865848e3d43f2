"""Feature visualization by gradient ascent in input space: a small, fast, batched engine.

The lecture's idea, for a filter ``n`` of a layer (``f_n``) or a class score ``f_c``::

    I <- I + eta * grad_I f(I)        (with the "trick": divide the gradient by its norm)

This package does the same for a whole batch of images at once, one objective per image
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
The first two default to Lucid's settings (``param="fourier"``, lr 0.05); class pictures
default to a steeper spectrum, ``CLASS_PARAM`` and ``CLASS_LR`` (1/f**1.75, lr 0.01), which
at 224 px leaves no per-pixel mosaic (see :func:`visualize_class`).

Layout, one job per module (as Lucent's ``optvis``): :mod:`.objectives`, :mod:`.model_info`
(layers and classes of a model, checked), :mod:`.param`, :mod:`.transform`,
:mod:`.regularizers`, :mod:`.engine` (the compiled step and its per-model cache),
:mod:`.render` (the entry points) and :mod:`.results`.  Every name is
re-exported here; note that ``objectives`` and ``regularizers`` here are the namespaces
(``lh.objectives``, ``lh.regularizers``), not the submodules of the same name.  A setting
is changed in the module that owns it (``lh.optimize.engine.JIT_COMPILE = False``,
``lh.optimize.param._COLOR_MIX = ...``): assigning the package's copy changes nothing.
"""

# ``_name as _name``: private names re-exported because tests reach them as
# ``optimize._name``; ``__all__`` lists the public ones.
from .engine import (
    ADAM_BETAS,
    ADAM_EPSILON,
    ENGINES_PER_MODEL,
    GRADIENT_EPSILON,
    JIT_COMPILE,
)
from .engine import _Config as _Config
from .engine import _Engine as _Engine
from .engine import _redirected_relu as _redirected_relu
from .model_info import feature_layer
from .objectives import (
    SCORES,
    Channel,
    ClassLogit,
    Neuron,
    Objective,
    Scaled,
    Sum,
    channel,
    class_logit,
    neuron,
    objectives,
)
from .param import COLOR_CORRELATION_SVD_SQRT, PARAMETERIZATIONS, FourierParam, PixelParam
from .param import _irfft2d as _irfft2d
from .regularizers import L2, Blur, TotalVariation, blur, l2, regularizers, total_variation
from .render import (
    CLASS_LR,
    CLASS_PARAM,
    learning_rate,
    lecture_gradient_ascent,
    maximize,
    visualize_class,
    visualize_filters,
)
from .results import OptimizationResult, plot_ascent, plot_results
from .transform import (
    GeometricTransform,
    Jitter,
    Pad,
    RandomRotate,
    RandomScale,
    jitter,
    pad,
    random_rotate,
    random_scale,
    standard_transforms,
    transforms,
)
from .transform import _about_centre as _about_centre
from .transform import _apply_transforms as _apply_transforms
from .transform import _bilinear as _bilinear
from .transform import _resample as _resample
from .transform import _translation as _translation

__all__ = [
    "ADAM_BETAS",
    "ADAM_EPSILON",
    "CLASS_LR",
    "CLASS_PARAM",
    "COLOR_CORRELATION_SVD_SQRT",
    "ENGINES_PER_MODEL",
    "GRADIENT_EPSILON",
    "JIT_COMPILE",
    "L2",
    "PARAMETERIZATIONS",
    "SCORES",
    "Blur",
    "Channel",
    "ClassLogit",
    "FourierParam",
    "GeometricTransform",
    "Jitter",
    "Neuron",
    "Objective",
    "OptimizationResult",
    "Pad",
    "PixelParam",
    "RandomRotate",
    "RandomScale",
    "Scaled",
    "Sum",
    "TotalVariation",
    "blur",
    "channel",
    "class_logit",
    "feature_layer",
    "jitter",
    "l2",
    "learning_rate",
    "lecture_gradient_ascent",
    "maximize",
    "neuron",
    "objectives",
    "pad",
    "plot_ascent",
    "plot_results",
    "random_rotate",
    "random_scale",
    "regularizers",
    "standard_transforms",
    "total_variation",
    "transforms",
    "visualize_class",
    "visualize_filters",
]
