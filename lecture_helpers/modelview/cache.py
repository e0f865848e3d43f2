"""The bounded per-model store of compiled functions and sub-models, and the compiled
functions of a model's view kept in it (probes, class scores, probabilities)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import keras
import numpy as np

from .._quiet import tf

# Compiled functions and sub-models one model keeps (least recently used go first).
CACHE_LIMIT = 24


class CompiledStore:
    """The compiled-function store of a :class:`~lecture_helpers.modelview.ModelView` (a part
    of it), and the compiled functions it keeps."""

    def cached(self, key: Hashable, build: Callable[[], Any], limit: int | None = None) -> Any:
        """``build()`` once per ``key`` for this model; least recently used entries go first.

        ``limit`` bounds the entries whose key starts with the same tag (``key[0]``), e.g.
        the few gradient-ascent engines a model keeps; the whole store holds at most
        :data:`CACHE_LIMIT`.
        """
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        tag = key[0] if isinstance(key, tuple) and key else key
        evicted = 0
        if limit is not None:
            same = [k for k in self._cache if (k[0] if isinstance(k, tuple) and k else k) == tag]
            for old in same[: max(0, len(same) - limit + 1)]:
                del self._cache[old]
                evicted += 1
        while len(self._cache) >= CACHE_LIMIT:
            self._cache.popitem(last=False)
            evicted += 1
        if evicted:
            # Compiled functions sit in reference cycles: collect them now, so that their
            # memory is reused by the build below instead of adding to the kernel's peak.
            gc.collect()
        value = self._cache[key] = build()
        return value

    def forget(self, key: Hashable) -> None:
        """Drop one entry of the store (no error if absent)."""
        self._cache.pop(key, None)

    def clear_cache(self) -> None:
        """Drop every compiled function and sub-model kept for this model."""
        self._cache.clear()

    def cache_keys(self) -> list:
        """The keys in the store, least recently used first."""
        return list(self._cache)

    # -- probes -------------------------------------------------------------------------

    def probe_model(self, tensors: Sequence[Any], name: str = "probe") -> keras.Model:
        """A ``keras.Model`` from the image to several tensors of :attr:`graph`."""
        return keras.Model(self.input, list(tensors), name=f"{self.model.name}_{name}")

    def probe(self, layers: Sequence[str]) -> Callable[[Any], list]:
        """A compiled function: float batch → [output of each layer] in ONE forward pass
        (built once per list of layers)."""
        paths = tuple(self.layer_path(name) for name in layers)

        def build() -> Callable:
            sub = self.probe_model([self.layer_output(p) for p in paths], "probe")

            @tf.function(input_signature=[self.input_spec()], reduce_retracing=True)
            def forward(x):
                outputs = sub(x, training=False)
                return list(outputs) if isinstance(outputs, list | tuple) else [outputs]

            return forward

        return self.cached(("probe", paths), build)

    def input_spec(self) -> tf.TensorSpec:
        """The ``tf.TensorSpec`` of a float batch: batch size (and free sizes) left open."""
        return tf.TensorSpec(tuple(self.input.shape), tf.float32)

    def score_model(self) -> keras.Model:
        """Image → (N, num_classes) unnormalized class scores (built once)."""
        return self.cached(("score_model",), lambda: self.probe_model([self.scores], "scores"))

    def compiled(self, kind: str) -> Callable:
        """The compiled float batch → ``kind`` function: "scores" (logits), "probabilities"
        or "output" (the model's own output); traced once for every batch size."""
        if kind not in ("scores", "probabilities", "output"):
            raise ValueError(f"kind must be 'scores', 'probabilities' or 'output', got {kind!r}")

        def build() -> Callable:
            sub = self.probe_model([getattr(self, kind)], kind)
            return tf.function(
                lambda t: sub(t, training=False), input_signature=[self.input_spec()]
            )

        return self.cached((kind,), build)

    def run(self, kind: str, x: Any, batch_size: int = 8) -> np.ndarray:
        """:meth:`compiled` ``kind`` of a float batch, in chunks of ``batch_size`` images
        (bounded memory)."""
        function = self.compiled(kind)
        batch = self.check_batch(x)
        chunks = [function(batch[i : i + batch_size]) for i in range(0, len(batch), batch_size)]
        return np.concatenate([np.asarray(c) for c in chunks])
