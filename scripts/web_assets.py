"""The JavaScript the exports load, as pinned npm tarballs: published decks and pages that work
offline, and the tests' accessibility engine.

``make slides`` decks load reveal.js, require.js, jQuery, MathJax and the Jupyter widgets
renderer (@jupyter-widgets/html-manager's embed-amd.js); ``make html`` pages load require.js,
MathJax and the renderer. This script downloads each pinned tarball from the npm registry,
checks its sha256, and unpacks only the files used into build/web-assets/<package>@<version>/.
Each folder appears in one rename once complete, so an interrupted run leaves no half-written
file. ``--publish DIR`` then copies the ones the exports load into DIR/web-assets/, which the
exports name by relative URLs: a published folder needs no CDN
(tests/product/test_deck_widgets.py opens the decks with every network request refused).

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


# The versions the decks load (see the Makefile's SLIDES_OPTIONS; tests/product/test_deck_widgets.py
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
    # The formulas: nbconvert's templates configure MathJax 2 (MathJax.Hub), and its exporters
    # name 2.7.7. TeX in, CommonHTML out, its TeX web fonts, and its extensions (the menu, zoom,
    # and the a11y explorer that lets a screen reader walk a formula).
    "mathjax": NpmTarball(
        name="mathjax",
        version="2.7.7",
        sha256="f0054315d40f7288b2373b23520677fd1132a405702dfca05ee6ebe5cd0a8677",
        files=(
            "package.json", "LICENSE", "MathJax.js", "config/TeX-AMS_CHTML-full.js",
            "config/Safe.js", "extensions/", "jax/input/TeX/", "jax/element/",
            "jax/output/CommonHTML/", "jax/output/PreviewHTML/", "fonts/HTML-CSS/TeX/woff/",
            "localization/en/",
        ),
    ),
    # Deque's accessibility engine: tests/product/test_accessibility.py injects it into the exports.
    "axe-core": NpmTarball(
        name="axe-core",
        version="4.14.1",
        sha256="e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745",
        files=("package.json", "LICENSE", "axe.min.js"),
    ),
}


# What a published page or deck loads (`make html`, `make slides`): copied next to it, into
# <out>/web-assets/, so the folder works offline and on any web server. The exports name them
# by relative URLs (the Makefile's HTML_OPTIONS and SLIDES_OPTIONS; see ``url``).
PUBLISHED = ("requirejs", "jquery", "reveal.js", "mathjax", "html-manager")
PUBLISHED_FOLDER = "web-assets"
# embed-amd.js asks for its Font Awesome fonts (the icons on buttons) at
# <page's folder>/@jupyter-widgets/, not next to itself (jupyter-widgets/ipywidgets#3658):
# ``publish`` puts a copy there too.
FONT_AWESOME_FOLDER = "@jupyter-widgets"


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


def url(key: str, path: str = "") -> str:
    """The relative URL by which a published export loads ``path`` of ``TARBALLS[key]``."""
    return "/".join(filter(None, (PUBLISHED_FOLDER, TARBALLS[key].folder.name, path)))


def publish(out: Path) -> Path:
    """Copy the files the exports load into ``out/web-assets/`` (one folder per pinned
    package, each replaced in one rename, so an interrupted copy leaves no half folder)."""
    target = Path(out) / PUBLISHED_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for key in PUBLISHED:
        source = ensure(key)
        final = target / source.name
        if final.is_dir():
            continue
        tmp = Path(tempfile.mkdtemp(prefix=f".{source.name}.", suffix=".part", dir=target))
        try:
            shutil.copytree(source, tmp, dirs_exist_ok=True)
            os.rename(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
    fonts = Path(out) / FONT_AWESOME_FOLDER
    fonts.mkdir(exist_ok=True)
    for name in FONT_AWESOME_FILES:
        if not (fonts / name).is_file():
            shutil.copyfile(target / TARBALLS["html-manager"].folder.name / "dist" / name,
                            fonts / f".{name}.part")
            os.replace(fonts / f".{name}.part", fonts / name)
    return target


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--publish", type=Path, metavar="DIR",
                        help="also copy what the exports load into DIR/web-assets/")
    args = parser.parse_args(argv)
    try:
        if args.publish is not None:
            print(f"{publish(args.publish)}: what the exports load, offline")
            return 0
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
