"""Read a legacy (pre-zip) PyTorch checkpoint with numpy alone.

The format is a sequence of pickles (magic number, protocol version, system info,
the state dict, the list of storage keys) followed by every storage's raw bytes,
each preceded by an 8-byte little-endian element count.

Unpickling is restricted to an allowlist: the few globals a state dict needs.
Any other global (``os.system``, ``builtins.eval``, ...) is refused *before* it
can be called, so a hostile checkpoint cannot run code.  Torch is never imported.
"""

from __future__ import annotations

import pickle
import struct
from collections import OrderedDict
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001

_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint asked for a global outside the allowlist."""


class _StorageType:
    def __init__(self, name: str) -> None:
        self.name = name
        self.dtype = np.dtype(_STORAGE_DTYPES[name])


class _StorageRef:
    def __init__(self, key: str, dtype: np.dtype, numel: int) -> None:
        self.key, self.dtype, self.numel = key, dtype, numel
        self.data: np.ndarray | None = None


class _TensorRef:
    def __init__(self, storage: _StorageRef, offset: int, size: tuple, stride: tuple) -> None:
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def materialize(self) -> np.ndarray:
        data = self.storage.data
        if data is None:
            raise pickle.UnpicklingError(f"storage {self.storage.key!r} has no data")
        itemsize = data.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            data[self.offset :],
            shape=self.size,
            strides=tuple(s * itemsize for s in self.stride),
            writeable=False,
        )
        return np.array(view, copy=True)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, *_unused):
    return _TensorRef(storage, int(storage_offset), tuple(size), tuple(stride))


_ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("collections", "OrderedDict"): OrderedDict,
    **{("torch", name): _StorageType(name) for name in _STORAGE_DTYPES},
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: BinaryIO, storages: dict[str, _StorageRef]) -> None:
        super().__init__(file, encoding="utf-8")
        self._storages = storages

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafeCheckpointError(
                f"refused to load global {module}.{name!s} from the checkpoint: only "
                "tensors, storages and OrderedDict are allowed. The file is not a plain "
                "state dict (or was tampered with); do not load it."
            ) from None

    def persistent_load(self, pid: Any) -> _StorageRef:
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise UnsafeCheckpointError(f"unexpected persistent id {pid!r} in checkpoint")
        _, storage_type, key, _location, numel = pid[:5]
        if not isinstance(storage_type, _StorageType):
            raise UnsafeCheckpointError(f"unexpected storage type {storage_type!r}")
        if key not in self._storages:
            self._storages[key] = _StorageRef(key, storage_type.dtype, int(numel))
        return self._storages[key]


def _load_restricted(f: BinaryIO, storages: dict[str, _StorageRef]) -> Any:
    return _RestrictedUnpickler(f, storages).load()


def read_legacy_checkpoint(path: str | Path) -> dict[str, np.ndarray]:
    """Return the state dict of a legacy PyTorch checkpoint as {name: numpy array}.

    Raises ``UnsafeCheckpointError`` for any global outside the allowlist and
    ``ValueError`` for a file that is not a legacy checkpoint.
    """
    path = Path(path)
    storages: dict[str, _StorageRef] = {}
    with path.open("rb") as f:
        try:
            magic = _load_restricted(f, storages)
        except UnsafeCheckpointError:
            raise
        except Exception as exc:
            raise ValueError(
                f"{path} is not a legacy PyTorch checkpoint ({exc}); "
                "re-save it with torch.save(..., _use_new_zipfile_serialization=False)."
            ) from exc
        if magic != MAGIC_NUMBER:
            raise ValueError(f"{path} is not a legacy PyTorch checkpoint (bad magic number)")
        protocol = _load_restricted(f, storages)
        if protocol != PROTOCOL_VERSION:
            raise ValueError(f"{path}: unsupported checkpoint protocol {protocol}")
        _load_restricted(f, storages)  # system info: endianness and type sizes
        state = _load_restricted(f, storages)
        keys = _load_restricted(f, storages)
        for key in keys:
            ref = storages[key]
            (numel,) = struct.unpack("<q", f.read(8))
            nbytes = numel * ref.dtype.itemsize
            buf = f.read(nbytes)
            if len(buf) != nbytes:
                raise ValueError(f"{path} is truncated (storage {key!r})")
            ref.data = np.frombuffer(buf, dtype=ref.dtype)
    if not isinstance(state, dict):
        raise ValueError(f"{path} does not hold a state dict")
    return {
        name: value.materialize() if isinstance(value, _TensorRef) else np.asarray(value)
        for name, value in state.items()
    }
