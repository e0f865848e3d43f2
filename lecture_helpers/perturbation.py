"""A maintainer's hook: make every gradient ascent differ the way another CPU makes it differ.

oneDNN picks its kernels by instruction set, so float rounding differs from one CPU to the
next, and hundreds of steps of gradient ascent grow that into other pictures and numbers. No
machine can run a code path above its own instruction set, so the notebook checks are proven
against a stand-in instead: with these variables set, every gradient ascent of the package
starts from a slightly different point, and the seeded ones from another seed.

* ``LECTURE_HELPERS_PERTURB=1e-5``: each ascent's starting point (the pixels of
  :func:`lecture_helpers.class_neurons.start_image`, the Fourier or pixel parameters of
  :func:`lecture_helpers.maximize`) is multiplied by ``1 + scale * n``, with ``n`` a fixed
  standard-normal draw: a relative change about 100 times float32's rounding step. That alone
  makes a long ascent end elsewhere, as another CPU's rounding does (notebook 3's Fourier
  pictures: structural similarity 0.38-0.64 with the committed ones).
* ``LECTURE_HELPERS_SEED_SHIFT=1``: every ascent seed ``s`` becomes ``s + 1`` (the random
  start and the random transforms of each step): the worst case, a run that shares nothing
  with the committed one but its settings.

Both are off by default (unset, empty or 0) and nothing in a notebook shows them. ``make
test-cpu`` runs the notebooks with both, on another oneDNN code path (README, "Tests").
"""

from __future__ import annotations

import os

import numpy as np

PERTURB_VARIABLE = "LECTURE_HELPERS_PERTURB"
SEED_SHIFT_VARIABLE = "LECTURE_HELPERS_SEED_SHIFT"
# The draw n does not depend on the ascent's own seed, so that two starts that are equal
# without the hook (a student's loop and the helper's) stay equal with it.
_NOISE_SEED = 20261203


def _setting(name: str, kind: type) -> float | int:
    text = os.environ.get(name, "").strip()
    if not text:
        return kind(0)
    try:
        value = kind(text)
    except ValueError:
        what, example = ("a number", "1e-5") if kind is float else ("a whole number", "1")
        raise ValueError(
            f"{name}={text!r} is not {what}; unset it, or set e.g. {name}={example}"
        ) from None
    if kind is float and not (np.isfinite(value) and 0 <= value < 0.01):
        raise ValueError(f"{name}={text!r}: use a relative size in [0, 0.01), e.g. 1e-5")
    return value


def perturbation_scale() -> float:
    """The relative size of the start's perturbation (0.0: off)."""
    return float(_setting(PERTURB_VARIABLE, float))


def ascent_seed(seed: int) -> int:
    """The seed an ascent uses: ``seed`` itself, or shifted by ``LECTURE_HELPERS_SEED_SHIFT``."""
    return int(seed) + int(_setting(SEED_SHIFT_VARIABLE, int))


def perturb_start(start: np.ndarray) -> np.ndarray:
    """An ascent's starting point, times ``1 + scale * n`` (unchanged when the hook is off)."""
    scale = perturbation_scale()
    if scale == 0.0:
        return start
    start = np.asarray(start)
    noise = np.random.default_rng(_NOISE_SEED).standard_normal(start.shape)
    return (start * (1.0 + scale * noise)).astype(start.dtype)


__all__ = ["ascent_seed", "perturb_start", "perturbation_scale"]
