"""Objectives: what gradient ascent maximizes, one value per image.

An objective is a small tree (``channel(a, 1) + 0.5 * channel(b, 2)``) built with
:func:`channel`, :func:`neuron` and :func:`class_logit` (the ``objectives`` namespace,
``lh.objectives``).  Its ``key`` is the structure (which layers, which kinds of terms), the
only thing the compiled step in :mod:`.engine` is traced for; its ``params`` are the numbers
(channel indices, weights), which enter that step as a tensor.  ``bind`` checks an objective
against a model's view (:class:`.model_info._ModelInfo`): layer names, channel and class
ranges.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from .._quiet import tf

if TYPE_CHECKING:
    from .model_info import _ModelInfo

SCORES = "<class scores>"  # the pseudo layer name of the class-score output

# An objective is a small tree.  Its ``key`` is the tree's structure without numbers
# (which layers, which kinds of terms); its ``params`` are the numbers (channel indices,
# weights).  The compiled step depends only on the key; the numbers enter as a tensor, so
# visualizing filters 0-9 and then 10-19 reuses the same compiled step.


class Objective:
    """Something to maximize: maps a batch's activations to one value per image.

    Objectives compose: ``channel(a, 1) + 0.5 * channel(b, 2)``, ``-neuron(a, 3)``.
    """

    name: str = "objective"

    # -- structure ---------------------------------------------------------
    @property
    def key(self) -> tuple:
        raise NotImplementedError

    @property
    def params(self) -> list[float]:
        raise NotImplementedError

    @property
    def layers(self) -> tuple[str, ...]:
        raise NotImplementedError

    def bind(self, info: _ModelInfo) -> Objective:
        """Check the objective against a model (layers, index ranges); resolve names."""
        return self

    def evaluate(self, acts: dict[str, Any], params: Any, offset: int = 0) -> tuple[Any, int]:
        """(values of shape (N,), next parameter column) for activations ``acts``."""
        raise NotImplementedError

    # -- algebra -------------------------------------------------------------
    def __add__(self, other: Objective) -> Objective:
        if not isinstance(other, Objective):
            return NotImplemented
        return Sum((self, other))

    def __radd__(self, other: Any) -> Objective:
        if isinstance(other, int | float) and other == 0:  # makes sum([...]) work
            return self
        return NotImplemented

    def __mul__(self, weight: float) -> Objective:
        if not isinstance(weight, int | float | np.number):
            return NotImplemented
        return Scaled(self, float(weight))

    __rmul__ = __mul__

    def __neg__(self) -> Objective:
        return Scaled(self, -1.0)

    def __sub__(self, other: Objective) -> Objective:
        if not isinstance(other, Objective):
            return NotImplemented
        return Sum((self, Scaled(other, -1.0)))

    def __repr__(self) -> str:
        return self.name


def _check_index(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{what} must be an integer, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise IndexError(f"{what} must be >= 0, got {value}")
    return int(value)


@dataclass(frozen=True, repr=False)
class Channel(Objective):
    """Mean activation of channel ``n`` of ``layer`` (the lecture's "filter output")."""

    layer: str
    n: int

    @property
    def name(self) -> str:
        return f"{self.layer}[{self.n}]"

    @property
    def key(self) -> tuple:
        return ("channel", self.layer)

    @property
    def params(self) -> list[float]:
        return [float(self.n)]

    @property
    def layers(self) -> tuple[str, ...]:
        return (self.layer,)

    def bind(self, info: _ModelInfo) -> Objective:
        channels = info.channels(self.layer)
        if not 0 <= self.n < channels:
            raise IndexError(
                f"filter index {self.n} is out of range: layer {self.layer!r} has {channels} "
                f"channels (filters), so use an index from 0 to {channels - 1}"
            )
        return self

    def evaluate(self, acts, params, offset=0):
        means = tf.reduce_mean(acts[self.layer], axis=(1, 2))  # (N, C)
        index = tf.cast(params[:, offset], tf.int32)
        return tf.gather(means, index, axis=1, batch_dims=1), offset + 1


@dataclass(frozen=True, repr=False)
class Neuron(Objective):
    """Activation of channel ``n`` of ``layer`` at one position (default: the centre)."""

    layer: str
    n: int
    x: int | None = None
    y: int | None = None

    @property
    def name(self) -> str:
        where = "centre" if self.x is None and self.y is None else f"x={self.x}, y={self.y}"
        return f"{self.layer}[{self.n}] at {where}"

    @property
    def key(self) -> tuple:
        return ("neuron", self.layer)

    @property
    def params(self) -> list[float]:
        x = -1.0 if self.x is None else float(self.x)
        y = -1.0 if self.y is None else float(self.y)
        return [float(self.n), x, y]

    @property
    def layers(self) -> tuple[str, ...]:
        return (self.layer,)

    def bind(self, info: _ModelInfo) -> Objective:
        Channel(self.layer, self.n).bind(info)
        return self

    def evaluate(self, acts, params, offset=0):
        a = acts[self.layer]
        shape = tf.shape(a)
        n = tf.cast(params[:, offset], tf.int32)
        x = tf.cast(params[:, offset + 1], tf.int32)
        y = tf.cast(params[:, offset + 2], tf.int32)
        x = tf.where(x < 0, shape[2] // 2, tf.minimum(x, shape[2] - 1))
        y = tf.where(y < 0, shape[1] // 2, tf.minimum(y, shape[1] - 1))
        batch = tf.range(shape[0])
        values = tf.gather_nd(a, tf.stack([batch, y, x, n], axis=1))
        return values, offset + 3


@dataclass(frozen=True, repr=False)
class ClassLogit(Objective):
    """The unnormalized score (logit) of class ``c`` (an index or a class name)."""

    c: int | str

    @property
    def name(self) -> str:
        return f"logit[{self.c}]"

    @property
    def key(self) -> tuple:
        return ("class_logit",)

    @property
    def params(self) -> list[float]:
        if not isinstance(self.c, int | np.integer):
            raise ValueError(
                f"class {self.c!r} is not resolved to an index yet; pass the objective to "
                "lh.maximize with a model (it resolves names), or give the class index"
            )
        return [float(self.c)]

    @property
    def layers(self) -> tuple[str, ...]:
        return (SCORES,)

    def bind(self, info: _ModelInfo) -> Objective:
        index = info.class_index(self.c)
        return ClassLogit(index)

    def evaluate(self, acts, params, offset=0):
        index = tf.cast(params[:, offset], tf.int32)
        return tf.gather(acts[SCORES], index, axis=1, batch_dims=1), offset + 1


@dataclass(frozen=True, repr=False)
class _Terms(Objective):
    """Objectives made of several terms: their numbers in order, their layers once each."""

    terms: tuple[Objective, ...]

    @property
    def params(self) -> list[float]:
        return [p for t in self.terms for p in t.params]

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for t in self.terms for name in t.layers))


@dataclass(frozen=True, repr=False)
class Sum(_Terms):
    """The sum of objectives."""

    def __post_init__(self) -> None:
        flat: list[Objective] = []
        for term in self.terms:
            flat.extend(term.terms if isinstance(term, Sum) else (term,))
        object.__setattr__(self, "terms", tuple(flat))

    @property
    def name(self) -> str:
        return " + ".join(t.name for t in self.terms)

    @property
    def key(self) -> tuple:
        return ("sum", *(t.key for t in self.terms))

    def bind(self, info):
        return Sum(tuple(t.bind(info) for t in self.terms))

    def evaluate(self, acts, params, offset=0):
        total = 0.0
        for term in self.terms:
            value, offset = term.evaluate(acts, params, offset)
            total = total + value
        return total, offset


@dataclass(frozen=True, repr=False)
class Scaled(Objective):
    """An objective times a constant (the constant is a parameter, not a retrace)."""

    term: Objective
    weight: float

    @property
    def name(self) -> str:
        return f"{self.weight:g} * ({self.term.name})"

    @property
    def key(self) -> tuple:
        return ("scaled", self.term.key)

    @property
    def params(self) -> list[float]:
        return [self.weight, *self.term.params]

    @property
    def layers(self) -> tuple[str, ...]:
        return self.term.layers

    def bind(self, info):
        return Scaled(self.term.bind(info), self.weight)

    def evaluate(self, acts, params, offset=0):
        weight = params[:, offset]
        value, offset = self.term.evaluate(acts, params, offset + 1)
        return weight * value, offset


@dataclass(frozen=True, repr=False)
class _PerImage(_Terms):
    """Objectives of different structure, one per image (image k takes objective k)."""

    @property
    def name(self) -> str:
        return "per image: " + ", ".join(t.name for t in self.terms)

    @property
    def key(self) -> tuple:
        return ("per_image", *(t.key for t in self.terms))

    def evaluate(self, acts, params, offset=0):
        values = []
        for k, term in enumerate(self.terms):
            value, offset = term.evaluate(acts, params, offset)
            values.append(value[k])
        return tf.stack(values), offset


def channel(layer: str, n: int) -> Objective:
    """Maximize the mean activation of channel (filter) ``n`` of ``layer``."""
    return Channel(str(layer), _check_index(n, "channel index n"))


def neuron(layer: str, n: int, x: int | None = None, y: int | None = None) -> Objective:
    """Maximize channel ``n`` of ``layer`` at one position (column x, row y; default centre)."""
    x = None if x is None else _check_index(x, "x")
    y = None if y is None else _check_index(y, "y")
    return Neuron(str(layer), _check_index(n, "channel index n"), x, y)


def class_logit(c: int | str) -> Objective:
    """Maximize the unnormalized score (logit) of class ``c`` (index or name)."""
    if not isinstance(c, str):
        c = _check_index(c, "class index c")
    return ClassLogit(c)


objectives = SimpleNamespace(
    channel=channel, neuron=neuron, class_logit=class_logit, Objective=Objective
)
