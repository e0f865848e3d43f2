"""One setting says where the lecture is published; the badges and setup cells follow it."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from lecture_helpers.notebook import colab_url, setup_cell
from tests.notebook_files import ROOT, notebook_paths

sys.path.insert(0, str(ROOT / "scripts"))
import set_repository  # noqa: E402


def _first_code_cell(path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])


def _badges(readme: str) -> dict[str, str]:
    return {m["nb"]: m[0] for m in set_repository.BADGE.finditer(readme)}


def test_the_setting_is_in_pyproject_and_documented():
    repository, branch = set_repository.current_setting()
    assert set_repository.REPOSITORY.match(repository) and branch
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "[tool.lecture-helpers]" in readme and "scripts/set_repository.py" in readme


def test_every_badge_and_setup_cell_agree_with_the_setting():
    repository, branch = set_repository.current_setting()
    badges = _badges((ROOT / "README.md").read_text(encoding="utf-8"))
    assert sorted(badges) == sorted(p.name for p in notebook_paths())
    for path in notebook_paths():
        assert badges[path.name] == colab_url(path.name, repository, branch)
        assert _first_code_cell(path) == setup_cell(repository, branch), path.name
        assert f"git+{repository}.git" in _first_code_cell(path)


@pytest.fixture
def copy_of_repo(tmp_path):
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "notebooks").mkdir()
    for path in notebook_paths():
        shutil.copy(path, tmp_path / "notebooks" / path.name)
    return tmp_path


def test_set_repository_rewrites_every_place_at_once(copy_of_repo):
    fork = "https://github.com/a-student/my-lecture"
    changed = set_repository.apply(fork, "dev", root=copy_of_repo)
    assert len(changed) == 2 + len(notebook_paths())
    assert set_repository.current_setting(copy_of_repo) == (fork, "dev")
    badges = _badges((copy_of_repo / "README.md").read_text(encoding="utf-8"))
    for path in notebook_paths():
        copy = copy_of_repo / "notebooks" / path.name
        assert badges[path.name] == (
            f"https://colab.research.google.com/github/a-student/my-lecture/blob/dev/notebooks/"
            f"{path.name}"
        )
        assert "lecture-helpers @ git+https://github.com/a-student/my-lecture.git@dev" in (
            _first_code_cell(copy)
        )
        before, after = json.loads(path.read_text()), json.loads(copy.read_text())
        unchanged = [c["source"] for c in before["cells"][2:]]
        assert unchanged == [c["source"] for c in after["cells"][2:]]
    assert set_repository.apply(fork, "dev", root=copy_of_repo) == []  # idempotent


@pytest.mark.parametrize("bad", ["github.com/x/y", "https://gitlab.com/x/y", "https://github.com/x"])
def test_a_bad_address_is_refused_and_nothing_is_written(copy_of_repo, bad):
    before = {p: p.read_bytes() for p in copy_of_repo.rglob("*") if p.is_file()}
    with pytest.raises(SystemExit, match="not a GitHub repository address"):
        set_repository.apply(bad, "main", root=copy_of_repo)
    assert {p: p.read_bytes() for p in copy_of_repo.rglob("*") if p.is_file()} == before
