"""Point the Colab badges and every notebook's setup cell at a repository: one setting.

Usage: ``python scripts/set_repository.py https://github.com/OWNER/NAME [--branch BRANCH]``

Writes ``[tool.lecture-helpers] repository`` (and ``branch``) in pyproject.toml, the
"Open in Colab" badges in README.md and the first code cell of every notebook, each file
atomically. With no argument it re-applies the current setting (after adding a notebook).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lecture_helpers.notebook import colab_url, setup_cell  # noqa: E402

REPOSITORY = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
BADGE = re.compile(r"https://colab\.research\.google\.com/github/[^)\s]+/notebooks/(?P<nb>[^)\s]+\.ipynb)")


def current_setting(root: Path = ROOT) -> tuple[str, str]:
    """(repository, branch) from pyproject.toml's [tool.lecture-helpers]."""
    table = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    setting = table.get("tool", {}).get("lecture-helpers", {})
    if "repository" not in setting:
        raise SystemExit("pyproject.toml has no [tool.lecture-helpers] repository = \"...\"")
    return setting["repository"], setting.get("branch", "main")


def write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def apply(repository: str, branch: str, root: Path = ROOT) -> list[Path]:
    """Write the setting into pyproject.toml, README.md and the notebooks; the changed files."""
    if not REPOSITORY.match(repository.rstrip("/")):
        raise SystemExit(
            f"not a GitHub repository address: {repository!r}; "
            "expected https://github.com/OWNER/NAME"
        )
    if not re.fullmatch(r"[A-Za-z0-9_./-]+", branch):
        raise SystemExit(f"not a branch name: {branch!r}")
    repository = repository.rstrip("/")
    changed = []
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    new = re.sub(r'(?m)^(\[tool\.lecture-helpers\]\nrepository = )"[^"]*"\nbranch = "[^"]*"',
                 lambda m: f'{m.group(1)}"{repository}"\nbranch = "{branch}"', text)
    if new == text and current_setting(root) != (repository, branch):
        raise SystemExit("cannot find [tool.lecture-helpers] repository/branch in pyproject.toml")
    readme = root / "README.md"
    readme_text = readme.read_text(encoding="utf-8")
    new_readme = BADGE.sub(lambda m: colab_url(m["nb"], repository, branch), readme_text)
    updates = [(pyproject, text, new), (readme, readme_text, new_readme)]
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        raw = path.read_text(encoding="utf-8")
        nb = json.loads(raw)
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        lines = setup_cell(repository, branch).split("\n")
        first["source"] = [line + "\n" for line in lines[:-1]] + [lines[-1]]
        updates.append((path, raw, json.dumps(nb, indent=1, ensure_ascii=False) + "\n"))
    for path, old, text_now in updates:
        if text_now != old:
            write_atomically(path, text_now)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repository", nargs="?", help="https://github.com/OWNER/NAME")
    parser.add_argument("--branch", default=None)
    args = parser.parse_args(argv)
    repository, branch = current_setting()
    changed = apply(args.repository or repository, args.branch or branch)
    print("updated:", ", ".join(str(p.relative_to(ROOT)) for p in changed) or "nothing to change")


if __name__ == "__main__":
    main()
