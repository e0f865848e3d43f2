"""A student's server command: copy the lecture notebooks in (never overwriting), then run
``jupyterhub-singleuser`` with the spawner's arguments, in this process.

``hub/jupyterhub_config.py`` sets ``Spawner.cmd = [python, hub/singleuser.py]`` and the
environment variables ``LECTURE_NOTEBOOKS`` (folder to copy from) and ``LECTURE_FOLDER`` (folder
name in the home, "lecture"). It runs as the student (after the spawner switched user and joined
the cgroup), so the copies belong to the student.
Like ``cp -n``: a student's edited notebook is never replaced by a newer lecture copy.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def copy_missing(source: Path, target: Path, pattern: str = "*.ipynb") -> list[Path]:
    """Copy the files matching ``pattern`` from ``source`` that ``target`` lacks."""
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for path in sorted(source.glob(pattern)):
        destination = target / path.name
        if not destination.exists():
            shutil.copyfile(path, destination)
            copied.append(destination)
    return copied


def skip_slow_imports() -> None:
    """Keep jsonschema from importing rfc3987-syntax, which compiles its Lark grammars at import:
    3.3 of the server's ~6 CPU-seconds of start-up, which a class logging in at once pays on few
    cores. jsonschema then only lacks its "iri" format check, which no Jupyter event schema uses
    (tests/product/test_hub.py checks that the server still starts and runs a cell)."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def main(argv: list[str]) -> None:
    """Copy the notebooks, then run jupyterhub-singleuser in this process (the pid the hub
    tracks), as its console script does."""
    source = os.environ.get("LECTURE_NOTEBOOKS")
    if source:
        target = Path.home() / os.environ.get("LECTURE_FOLDER", "lecture")
        try:
            copied = copy_missing(Path(source), target)
            if copied:
                print(f"copied {len(copied)} lecture notebooks into {target}", file=sys.stderr)
        except OSError as exc:  # the server still starts; the student sees an empty folder
            print(f"could not copy the lecture notebooks into {target}: {exc}", file=sys.stderr)
    skip_slow_imports()
    from jupyterhub.singleuser import main as singleuser

    sys.argv = [str(Path(sys.executable).parent / "jupyterhub-singleuser"), *argv]
    sys.exit(singleuser())


if __name__ == "__main__":
    main(sys.argv[1:])
