"""The model-randomization sanity check (Adebayo et al. 2018): randomize the weights of the
top layers, layer after layer (on a copy; the cached zoo model is never touched).  An
explanation that depends on what the model learned must change; one that stays similar
(guided backprop is the known case) explains the image more than the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from . import cam
from .errors import UnknownNameError
from .faithfulness import one_class
from .modelview import view
from .zoo import ZooModel, get_keras_model

__all__ = ["SanityCheckResult", "cascading_randomization", "default_stages", "randomize_layers",
           "randomized_copy", "spearman_correlation"]


# ---------------------------------------------------------------------------
# Sanity check: model randomization


def spearman_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two maps of the same shape (NaN if one is constant)."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"maps differ in shape: {a.shape} vs {b.shape}")
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    from scipy.stats import rankdata

    ra, rb = rankdata(a), rankdata(b)
    return float(np.corrcoef(ra, rb)[0, 1])


def _weighted_leaves(model: Any) -> list[tuple[str, keras.layers.Layer]]:
    model_view = view(model)
    return [(p, model_view.layer(p)) for p in model_view.layer_paths if model_view.layer(p).weights]


def default_stages(model: ZooModel | keras.Model, count: int = 4) -> tuple[str, ...]:
    """The cascading-randomization stages of any model: its last ``count`` layers with
    weights, top (the classifier) first, in the model's own layer order."""
    return tuple(path for path, _ in reversed(_weighted_leaves(model)[-count:]))


def _matches(path: str, prefix: str, exact: set[str]) -> bool:
    if prefix in exact:  # a full layer path names that layer alone
        return path == prefix
    return path.split("/")[-1].startswith(prefix) or path.startswith(prefix)


def _matching_layers(model: Any, prefixes: Sequence[str]) -> list[tuple[str, Any]]:
    leaves = _weighted_leaves(model)
    exact = {path for path, _ in leaves} | {path.split("/")[-1] for path, _ in leaves}
    chosen = [
        (path, layer) for path, layer in leaves
        if any(_matches(path, p, exact) or _matches(path.split("/")[-1], p, exact)
               for p in prefixes)
    ]
    if not chosen:
        raise ValueError(
            f"no layer with weights matches {list(prefixes)}; layers with weights: "
            f"{', '.join(path for path, _ in leaves)}"
        )
    return chosen


def randomize_layers(
    model: ZooModel | keras.Model, prefixes: Sequence[str], seed: int = 0
) -> list[str]:
    """Replace, IN PLACE, the weights of every layer whose name starts with one of
    ``prefixes`` by Gaussian noise with each tensor's own mean and standard deviation
    (moving variances: absolute values).  Use it on a copy (:func:`randomized_copy`).
    Returns the randomized layer paths."""
    keras_model = get_keras_model(model)
    from . import zoo

    if any(keras_model is z.model for z in zoo._cache.values()):
        raise ValueError(
            "refusing to randomize a cached zoo model in place (every notebook shares it); "
            "randomize a copy: lh.randomized_copy(model, prefixes)"
        )
    rng = np.random.default_rng(seed)
    chosen = _matching_layers(model, prefixes)
    for _, layer in chosen:
        new = []
        for variable in layer.weights:
            value = np.asarray(variable.numpy(), np.float32)
            noise = rng.normal(value.mean(), value.std(), value.shape).astype(np.float32)
            if "variance" in variable.path:
                noise = np.abs(noise) + 1e-3
            new.append(noise)
        layer.set_weights(new)
    cam.refresh_guided_weights(keras_model)
    return [path for path, _ in chosen]


def randomized_copy(
    model: ZooModel | keras.Model, prefixes: Sequence[str] = (), seed: int = 0
) -> ZooModel | keras.Model:
    """A copy of the model (clone + copied weights) with the layers matching ``prefixes``
    randomized (see :func:`randomize_layers`); the original stays as it was.  A ZooModel
    gives a ZooModel (same classes and layer names)."""
    keras_model = get_keras_model(model)
    clone = keras.models.clone_model(keras_model, recursive=True)
    clone.set_weights(keras_model.get_weights())
    clone.trainable = False
    copy = (
        model.with_model(clone, name=f"{model.name}_copy")
        if isinstance(model, ZooModel)
        else clone
    )
    if not isinstance(model, ZooModel):  # keep the names a plain model's view was given
        source = view(model)
        view(clone).describe(class_names=source.class_names, default_size=source.default_size)
    if prefixes:
        randomize_layers(copy, prefixes, seed=seed)
    return copy


@dataclass
class SanityCheckResult:
    """Maps and rank correlations per method and cascading-randomization stage.

    ``stages[0]`` is "original"; ``maps[method][i]`` the method's map at stage i;
    ``correlations[method][i]`` its Spearman rank correlation with the original map.
    """

    stages: list[str]
    maps: dict[str, list[np.ndarray]]
    correlations: dict[str, list[float]]
    class_index: int

    def table(self) -> str:
        """A text table: one row per stage, one column per method."""
        methods = list(self.maps)
        width = max(len(s) for s in self.stages) + 2
        lines = ["randomized up to".ljust(width) + "".join(m.rjust(18) for m in methods)]
        for i, stage in enumerate(self.stages):
            cells = "".join(f"{self.correlations[m][i]:18.2f}" for m in methods)
            lines.append(stage.ljust(width) + cells)
        return "\n".join(lines)


def cascading_randomization(
    model: ZooModel | keras.Model,
    image: Any,
    class_index: Any = None,
    layer: str | None = None,
    *,
    stages: Sequence[str] | None = None,
    methods: Sequence[str] = ("Grad-CAM", "Guided backprop"),
    size: tuple[int, int] | None = None,
    seed: int = 0,
    map_fn: Callable[..., np.ndarray] | None = None,
) -> SanityCheckResult:
    """Adebayo et al.'s cascading randomization: randomize the layers matching
    ``stages[0]``, then also ``stages[1]``, ... (top of the network first) on ONE private
    copy, and compare each method's map with the trained model's (Spearman rank
    correlation).  The class stays fixed (``class_index``; None = the trained model's top
    class).  ``stages``: layer names or name prefixes (``"block7"``); default: the
    model's last four layers with weights, top first (:func:`default_stages`).
    ``methods``: titles or ids of ``lh.CAM_METHODS`` (the registry's heatmap methods);
    ``map_fn(model, image, class_index, layer, method=...)`` replaces
    :func:`lh.compute_heatmap <lecture_helpers.cam.compute_heatmap>`."""
    compute = map_fn or cam.compute_heatmap
    known = {*cam.CAM_METHODS, *cam.CAM_METHODS.values()}
    for method in methods:
        if method not in known and map_fn is None:
            raise UnknownNameError(
                f"unknown method {method!r}; choose from: {', '.join(cam.CAM_METHODS)}"
            )
    x = view(model).batch(image, size)
    if len(x) != 1:
        raise ValueError(f"the sanity check takes one image, got a batch of {len(x)}")
    probs = view(model).run("probabilities", x)[0]
    cls = one_class(model, class_index, probs)
    stages = default_stages(model) if stages is None else tuple(stages)
    work = randomized_copy(model)
    work_keras = get_keras_model(work)
    try:
        maps: dict[str, list[np.ndarray]] = {
            m: [compute(model, x, cls, layer, method=m)[0]] for m in methods
        }
        names = ["original"]
        for i, stage in enumerate(stages):
            randomize_layers(work, [stage], seed=seed + i)
            names.append(stage)
            for m in methods:
                maps[m].append(compute(work, x, cls, layer, method=m)[0])
    finally:
        cam.forget_model(work_keras)  # the copy's compiled functions go with it
    correlations = {
        m: [spearman_correlation(maps[m][0], other) for other in maps[m]] for m in methods
    }
    return SanityCheckResult(names, maps, correlations, cls)
