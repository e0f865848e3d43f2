"""environment.yml carries the same pins as pyproject.toml."""

from __future__ import annotations

import re
import tomllib

from tests.notebook_files import ROOT


def _normalize(requirement: str) -> str:
    requirement = requirement.split("#")[0].strip()
    name_version, _, marker = requirement.partition(";")
    marker = re.sub(r"\s+", "", marker.replace('"', "'"))
    return re.sub(r"\s+", "", name_version).lower() + (";" + marker if marker else "")


def pyproject_pins() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        deps += extra
    return {_normalize(d) for d in deps}


def environment_pins() -> set[str]:
    pins, in_pip = set(), False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.strip()
        if stripped == "- pip:":
            in_pip = True
            continue
        if in_pip and stripped.startswith("- "):
            item = stripped[2:]
            if not item.startswith("-e"):
                pins.add(_normalize(item))
    return pins


def test_every_dependency_is_pinned_exactly():
    for pin in pyproject_pins():
        assert "==" in pin, f"{pin} in pyproject.toml is not pinned with =="


def test_environment_yml_matches_pyproject():
    pyproject, environment = pyproject_pins(), environment_pins()
    assert pyproject == environment, (
        f"only in pyproject.toml: {sorted(pyproject - environment)}; "
        f"only in environment.yml: {sorted(environment - pyproject)}"
    )


def test_environment_yml_comments_every_dependency():
    lines = (ROOT / "environment.yml").read_text().splitlines()
    deps = [line for line in lines if re.match(r"\s+- [\w-]+[=;]", line)]
    assert deps, "no pinned dependencies found in environment.yml"
    for line in deps:
        assert "#" in line, f"environment.yml line has no comment: {line.strip()}"
