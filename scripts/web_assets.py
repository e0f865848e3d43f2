"""The JavaScript a slide deck loads from CDNs, as pinned npm tarballs, for offline tests.

``make slides`` decks load reveal.js, require.js, jQuery and the Jupyter widgets renderer
(@jupyter-widgets/html-manager's embed-amd.js) from CDNs. tests/test_deck_widgets.py opens the
decks in Chromium without network and answers those requests from local copies, which this
script provides: it downloads each pinned tarball from the npm registry, checks its sha256,
and unpacks only the files the decks use into build/web-assets/<package>@<version>/. Each
folder appears in one rename once complete, so an interrupted run leaves no half-written file.

Run ``python scripts/web_assets.py`` (``make web-assets``; ``make test`` runs it). It needs
the registry once; afterwards it only checks that the folders are there.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "web-assets"
REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class NpmTarball:
    """Files from one pinned npm package version."""

    name: str
    version: str
    sha256: str  # of the .tgz the registry serves
    files: tuple[str, ...]  # paths inside the package; a trailing "/" takes a whole folder

    @property
    def url(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.name.split('/')[-1]}-{self.version}.tgz"

    @property
    def folder(self) -> Path:
        return CACHE / f"{self.name.replace('/', '+')}@{self.version}"

    def wanted(self, path: str) -> bool:
        return any(path == f or (f.endswith("/") and path.startswith(f)) for f in self.files)


# The versions the decks load (see the Makefile's SLIDES_OPTIONS; tests/test_deck_widgets.py
# fails when a deck asks for a file these do not provide). ipywidgets 8 saves widget state
# as version_major 2 (model modules "2.0.0"), which @jupyter-widgets/html-manager 1.x renders.
# require.js: the version nbconvert's HTMLExporter.require_js_url names (cdnjs serves it
# minified). reveal.js: nbconvert's SlidesExporter.reveal_url_prefix. jQuery: the slides'
# scrolling (SlidesExporter.reveal_scroll) calls $.
FONT_AWESOME_FILES = (  # fonts embed-amd.js's CSS names, next to it in dist/
    "23f19bb08961f37aaf69.eot", "77206a6bb316fa0aded5.eot", "9bbb245e67a133f6e486.eot",
    "2f517e09eb2ca6650ff5.svg", "4689f52cc96215721344.svg", "7a8b4f130182d19a2d7c.svg",
    "491974d108fe4002b2aa.ttf", "527940b104eb2ea366c8.ttf", "be9ee23c0c6390141475.ttf",
    "2285773e6b4b172f07d9.woff", "bb58e57c48a3e911f15f.woff", "eeccf4f66002c6f2ba24.woff",
    "1551f4f60c37af51121f.woff2", "7a3337626410ca2f4071.woff2", "d878b0a6a1144760244f.woff2",
)
TARBALLS: dict[str, NpmTarball] = {
    "html-manager": NpmTarball(
        name="@jupyter-widgets/html-manager",
        version="1.0.15",
        sha256="2b9d65cb7913e1c7d671757a10008b32c9c2448d4429513371e55c07d6107638",
        files=("package.json", "dist/embed-amd.js", *(f"dist/{n}" for n in FONT_AWESOME_FILES)),
    ),
    "requirejs": NpmTarball(
        name="requirejs",
        version="2.1.10",
        sha256="4f951a198b4ea218c75bafe88056056947fb0b72daefcd5f3a022281c5600c60",
        files=("package.json", "require.js"),
    ),
    "reveal.js": NpmTarball(
        name="reveal.js",
        version="4.0.2",
        sha256="0c234d5bfe539606c1af4bcc031f0d21ed99e264d90b7859abad34f7e3a0c587",
        files=(
            "package.json", "LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/theme/",
            "plugin/notes/",
        ),
    ),
    "jquery": NpmTarball(
        name="jquery",
        version="2.2.4",
        sha256="1ce113265b4e2a1c8cfc1da2fbf8836bd44e2911daa2a264b8ec52afef2e19a1",
        files=("package.json", "LICENSE.txt", "dist/jquery.min.js"),
    ),
    # Deque's accessibility engine: tests/test_accessibility.py injects it into the exports.
    "axe-core": NpmTarball(
        name="axe-core",
        version="4.14.1",
        sha256="e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745",
        files=("package.json", "LICENSE", "axe.min.js"),
    ),
}


class WebAssetError(RuntimeError):
    """A tarball could not be fetched, or is not the pinned one."""


def folder(key: str) -> Path | None:
    """The unpacked folder of ``TARBALLS[key]``, or None when it is not there yet."""
    path = TARBALLS[key].folder
    return path if path.is_dir() else None


def missing() -> list[str]:
    return [key for key in TARBALLS if folder(key) is None]


def _download(tarball: NpmTarball) -> bytes:
    try:
        with urllib.request.urlopen(tarball.url, timeout=120) as response:
            data = response.read()
    except OSError as error:
        raise WebAssetError(
            f"could not download {tarball.url}: {error}. The deck test needs it once "
            "(the npm registry); afterwards it runs offline."
        ) from error
    actual = hashlib.sha256(data).hexdigest()
    if actual != tarball.sha256:
        raise WebAssetError(
            f"{tarball.url} has sha256 {actual}, expected {tarball.sha256}: not the pinned file"
        )
    return data


def _unpack(tarball: NpmTarball, data: bytes, into: Path) -> None:
    found = set()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            # npm tarballs hold one top folder ("package/"); keep regular files only.
            path = member.name.split("/", 1)[-1]
            if not member.isfile() or not tarball.wanted(path):
                continue
            if path.startswith("/") or ".." in Path(path).parts:
                raise WebAssetError(f"{tarball.url}: unsafe path {member.name!r}")
            target = into / path
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            assert source is not None
            with source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
            target.chmod(0o644)
            found.add(path)
    absent = [f for f in tarball.files if not any(p == f or p.startswith(f) for p in found)]
    if absent:
        raise WebAssetError(f"{tarball.url} lacks {', '.join(absent)}")


def ensure(key: str) -> Path:
    """Return ``TARBALLS[key]``'s folder, downloading and unpacking it when missing."""
    existing = folder(key)
    if existing is not None:
        return existing
    tarball = TARBALLS[key]
    data = _download(tarball)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{tarball.folder.name}.", suffix=".part", dir=CACHE))
    try:
        _unpack(tarball, data, tmp)
        tmp.chmod(0o755)
        try:
            os.rename(tmp, tarball.folder)  # atomic; fails if another run got there first
        except OSError:
            if not tarball.folder.is_dir():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return tarball.folder


def main() -> int:
    try:
        for key, tarball in TARBALLS.items():
            was_there = folder(key) is not None
            path = ensure(key)
            state = "cached" if was_there else "downloaded"
            print(f"{tarball.name}@{tarball.version}: {path.relative_to(ROOT)} ({state})")
    except WebAssetError as error:
        print(f"web_assets: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
