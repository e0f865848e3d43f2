"""Every attribution method, by id, in the order menus and tables show them.

Adding a method: write its module (a ``METHOD``) and list it here; the driver, the
widgets, the sanity check and the faithfulness curves read this table.
"""

from __future__ import annotations

from ..errors import UnknownNameError
from . import (
    eigen_cam,
    grad_cam,
    grad_cam_plus_plus,
    guided_backprop,
    guided_grad_cam,
    integrated_gradients,
    layer_cam,
    occlusion,
    score_cam,
    smoothgrad,
    vanilla,
)
from .base import Method

METHODS: dict[str, Method] = {
    module.METHOD.id: module.METHOD
    for module in (
        grad_cam, grad_cam_plus_plus, score_cam, layer_cam, eigen_cam, guided_grad_cam,
        guided_backprop, occlusion, vanilla, smoothgrad, integrated_gradients,
    )
}


def get_method(name: str) -> Method:
    """A method by its id (``"grad_cam"``) or its title (``"Grad-CAM"``)."""
    if name in METHODS:
        return METHODS[name]
    for method in METHODS.values():
        if name == method.title:
            return method
    raise UnknownNameError(
        f"unknown method {name!r}; choose one of: {', '.join(METHODS)} "
        "(or their titles, such as 'Grad-CAM')"
    )
