"""A student's server command: copy the lecture notebooks in (never overwriting), then exec
``jupyterhub-singleuser`` with the spawner's arguments.

``hub/jupyterhub_config.py`` sets ``Spawner.cmd = [python, hub/singleuser.py]`` and the
environment variables ``LECTURE_NOTEBOOKS`` (folder to copy from) and ``LECTURE_FOLDER`` (folder
name in the home, "lecture"). It runs as the student (after the spawner switched user and joined
the cgroup), so the copies belong to the student; ``exec`` keeps the process id the hub tracks.
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


def main(argv: list[str]) -> None:
    """Copy the notebooks, then become jupyterhub-singleuser (same interpreter's bin folder)."""
    source = os.environ.get("LECTURE_NOTEBOOKS")
    if source:
        target = Path.home() / os.environ.get("LECTURE_FOLDER", "lecture")
        try:
            copied = copy_missing(Path(source), target)
            if copied:
                print(f"copied {len(copied)} lecture notebooks into {target}", file=sys.stderr)
        except OSError as exc:  # the server still starts; the student sees an empty folder
            print(f"could not copy the lecture notebooks into {target}: {exc}", file=sys.stderr)
    command = str(Path(sys.executable).parent / "jupyterhub-singleuser")
    os.execv(command, [command, *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
