"""One view of any Keras image classifier: layers, class scores, classes and images.

Every helper turns its ``(model, image, class_index, layer)`` into tensors here, by one
set of rules, so that a zoo model (``lh.load_model("efficientnet_lite0")``) and a
student's own ``keras.Model`` (Functional, Sequential, nested for transfer learning,
softmax or sigmoid output) behave the same way:

* **Layers** are named by their Keras names; a layer inside a nested model is
  ``"base/layer"`` (a plain ``"layer"`` works when it is unique).  Every lookup error lists
  the valid names.
* **The class score** f_c is the logit: a final softmax or sigmoid is removed, also when
  it is fused into the last ``Dense`` layer.  A binary (one-unit) model scores
  ``[-z, z]``, so class 0 and class 1 have opposite gradients.
* **Classes** are an index, a name, or None (each image's top class).
* **Images**: paths, PIL images, bytes, uint8 arrays and float arrays, one or a batch.
  Floats are pixel values in [0, 255], exactly what the model takes; they are never
  rescaled or rounded.  See :meth:`ModelView.batch` for the size rule.

:func:`view` builds a :class:`ModelView` once per Keras model (a ``Sequential`` that was
never called, and any nested model, is traced into one flat functional graph here) and
keeps it on the model itself, so it goes away with the model.  Compiled functions that
helpers build for a model live in the view's bounded :meth:`ModelView.cached` store.

Layout, one job per module: :mod:`.model_view` (:class:`ModelView` and :func:`view`), and
the four parts :class:`ModelView` is made of: :mod:`.layers` (the model traced into one flat
functional graph; layers by name or path), :mod:`.scores` (the class score and the classes),
:mod:`.batches` (images in any form -> the float batch the model takes) and :mod:`.cache`
(the bounded per-model store and the compiled functions kept in it).  The names the helpers,
tests and notebooks use are importable from here, as before the split.
"""

from __future__ import annotations

# ``name as name``: names outside ``__all__`` (as before the split) that the helpers and
# tests reach as ``modelview.name``.
from ..errors import UnknownNameError, UnsupportedModelError
from .cache import CACHE_LIMIT as CACHE_LIMIT
from .model_view import ModelView, clear_views, keras_model_of, view
from .scores import Score
from .scores import _activation_name as _activation_name

__all__ = [
    "ModelView",
    "Score",
    "UnknownNameError",
    "UnsupportedModelError",
    "clear_views",
    "keras_model_of",
    "view",
]
