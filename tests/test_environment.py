"""pyproject.toml (pip) and environment.yml (conda) must ask for the same packages in the same ranges."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$")


def _norm(requirement: str) -> tuple[str, str]:
    name, spec = REQ.match(requirement).groups()
    spec = ",".join(sorted(part.strip() for part in spec.replace(" ", "").split(",") if part.strip()))
    return name.lower().replace("_", "-"), spec


def pip_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    return dict(_norm(r) for r in reqs)


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            out.update(_norm(r) for r in dep.get("pip", []))
        elif not dep.startswith(("python", "pip")):
            out.update([_norm(dep)])
    return out


def test_conda_and_pip_list_the_same_packages_and_ranges():
    pip, conda = pip_requirements(), conda_requirements()
    assert pip.keys() == conda.keys(), (f"only in pyproject: {pip.keys() - conda.keys()}, "
                                        f"only in environment.yml: {conda.keys() - pip.keys()}")
    differing = {name: (pip[name], conda[name]) for name in pip if pip[name] != conda[name]}
    assert not differing, f"version ranges differ (pyproject, environment.yml): {differing}"


def test_environment_asks_for_python_311_or_newer():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python>=3.11" in env["dependencies"]
