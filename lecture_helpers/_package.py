"""Topic packages split into submodules (``optimize``, ``cam``) act like the one module each was.

Such a package re-exports its submodules' names, so reading ``lh.optimize.JIT_COMPILE``
works; but assigning ``lh.optimize.JIT_COMPILE = False`` would by itself change only the
package's copy, not the name the code reads in ``optimize/engine.py``.  After
:func:`forward_assignments`, an assignment to an attribute of the package is also made in
every submodule that holds that name (where it is defined or imported), so a notebook's
or a test's ``lh.optimize._COLOR_MIX = ...`` or ``monkeypatch.setattr(opt, ...)`` (and its
undoing) acts as it did when the package was a single module.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _ForwardingPackage(types.ModuleType):
    """A package whose attribute assignments reach the submodules that use the name."""

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name.startswith("__") or isinstance(value, types.ModuleType):
            return  # module metadata, or the import system recording a submodule
        prefix = f"{self.__name__}."
        for module_name, module in list(sys.modules.items()):
            if module_name.startswith(prefix) and module is not None and name in vars(module):
                setattr(module, name, value)


def forward_assignments(package_name: str) -> None:
    """Make assignments to ``package_name``'s attributes reach its submodules.

    Call at the end of the package's ``__init__``, once every submodule is imported.
    """
    sys.modules[package_name].__class__ = _ForwardingPackage
