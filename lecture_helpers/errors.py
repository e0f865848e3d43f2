"""The exceptions the helpers raise, one type per kind of mistake.

* A name that does not exist (a layer, a class, a model, a method, a preset, a norm):
  :class:`UnknownNameError`, both a ``KeyError`` and a ``ValueError``; its message lists
  the valid names.
* An index out of range (a class, a channel, a filter): ``IndexError``.
* An argument of the wrong type (a string where a model is expected): ``TypeError``.
* A model the helpers cannot explain (several inputs, no convolutional layer, no class
  scores): :class:`UnsupportedModelError`, a ``ValueError`` saying what is supported.
* A model file that carries code: :class:`UnsafeModelFileError`, a ``ValueError``.
* A path to a file that is not there: ``FileNotFoundError``; to a folder:
  ``IsADirectoryError`` (both from :func:`existing_file`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["UnknownNameError", "UnsafeModelFileError", "UnsupportedModelError"]


class UnknownNameError(KeyError, ValueError):
    """A layer, class or model name that does not exist (the message lists valid ones).

    Both a ``KeyError`` (a failed lookup) and a ``ValueError`` (a bad argument value).
    """

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


class UnsupportedModelError(ValueError):
    """A model the helpers cannot explain: the message says what is supported."""


class UnsafeModelFileError(ValueError):
    """A model file that carries code (refused before anything in it runs)."""


def existing_file(path: Any, kind: str, a_file: str, otherwise: str) -> Path:
    """``path`` (``~`` expanded) if it names a file; else the error that says what to do.

    ``kind`` names the file in "``kind`` file not found", ``a_file`` in "is a folder, not
    ``a_file``", and ``otherwise`` is the way round a missing file ("use a sample photo").
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"{kind} file not found: {path}. Check the path (relative paths start at "
            f"{Path.cwd()}), or {otherwise}."
        )
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not {a_file}")
    return path
