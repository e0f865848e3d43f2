"""What the tests of the library's figures share: a drawn figure's rule violations, the scene
they draw on, and the panels that show a given photo."""

from __future__ import annotations

import numpy as np

from lecture_helpers import figures


def problems(fig) -> list[str]:
    return figures.rule_violations(figures.figure_report(fig))


def cat_dog_scene():
    import lecture_helpers as lh

    return lh.sample_image("cat_dog")  # 224 x 448: a cat (left) and a dog (right)


def photo_panels(fig, photo):
    return [ax for ax in fig.axes if ax.images and np.array_equal(ax.images[0].get_array(), photo)]
