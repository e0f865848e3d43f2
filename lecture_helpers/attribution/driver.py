"""``explain``: one driver for every attribution method.

It resolves the model's view, the images and their classes (paired: one class for all,
one per image, or several for one image), and the layer a method reads; calls the method;
and returns one :class:`~.base.Attribution`, whose arrays have a first axis of N rows for
one image as for many.
"""

from __future__ import annotations

import inspect
from typing import Any

import keras

from ..zoo import ZooModel
from .base import Attribution, Inputs
from .layers import resolve_cam_layer
from .registry import get_method


def _check_options(method: Any, options: dict[str, Any]) -> None:
    accepted = [name for name, parameter in inspect.signature(method.compute).parameters.items()
                if parameter.kind is inspect.Parameter.KEYWORD_ONLY]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        offer = f"its options are: {', '.join(accepted)}" if accepted else "it has no options"
        raise TypeError(f"{method.title} takes no option {', '.join(map(repr, unknown))}; {offer}")


def explain(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    layer: str | None = None,
    *,
    method: str = "grad_cam",
    size: Any = None,
    **options: Any,
) -> Attribution:
    """Explain the model's class score on ``image`` with ``method`` (an id of
    ``lh.attribution.METHODS`` or its title).

    ``class_index``: None (each image's top class), an index, a name, or a list (one per
    image, or several classes for one image); ``layer``: the feature layer of a CAM method
    (None = the model's last convolutional layer; ``"base/layer"`` inside a nested model);
    ``size``: (height, width) to resize photos to; ``options``: the method's own (e.g.
    ``samples=25`` for SmoothGrad).  Returns an :class:`Attribution` of N rows.
    """
    spec = get_method(method)
    _check_options(spec, options)
    if layer is not None and not spec.layer:
        raise ValueError(f"{spec.title} works on the pixels and reads no layer; leave layer=None")
    path = resolve_cam_layer(model, layer) if spec.layer else None
    inputs = Inputs(model, image, class_index, path, size)
    result = spec.compute(inputs, **options)
    names = inputs.view.class_names
    return Attribution(
        method=spec.id,
        title=spec.title,
        maps=result.maps,
        images=inputs.x,
        classes=inputs.classes,
        class_names=tuple(names[int(c)] for c in inputs.classes),
        scores=inputs.scores,
        layer=path,
        attributions=result.attributions,
        details=dict(result.details),
    )
