"""requirements.lock pins what pyproject.toml asks for, exactly, and envs/fairopt.yaml agrees with it.

CI installs the lock (README, "Install") and compares ``pip freeze`` with it (.ci/run), so a lock that
drifted from pyproject.toml, or a conda environment pinned to other versions, fails here first.
"""
from __future__ import annotations

import re

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

LOCK = REPO / "requirements.lock"
ENV = REPO / "envs" / "fairopt.yaml"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def lock_pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line.strip())
        assert match, f"requirements.lock: {line!r} is not an exact pin name==version"
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"requirements.lock pins {name} twice"
        pins[name] = Version(match.group(2))
    return pins


def dev_requirements() -> list[Requirement]:
    """fairopt's dependencies and those of its dev extra, the extras it names expanded."""
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    out = [Requirement(r) for r in project["dependencies"]]
    todo, seen = ["dev"], set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in extras[extra]:
            req = Requirement(text)
            if canonicalize_name(req.name) == "fairopt":
                todo += sorted(req.extras)
            else:
                out.append(req)
    return out


def test_the_lock_holds_exact_pins_only():
    pins = lock_pins()
    assert len(pins) > 50
    assert "fairopt" not in pins, "the lock must not pin fairopt itself (it is installed from the checkout)"


@pytest.mark.parametrize("req", dev_requirements(), ids=str)
def test_every_requirement_is_pinned_within_its_range(req):
    pins = lock_pins()
    name = canonicalize_name(req.name)
    assert name in pins, f"requirements.lock lacks {req.name} ({req}); regenerate it (header of the file)"
    assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} is outside {req}"


def test_the_conda_environment_pins_the_locked_versions():
    pins = lock_pins()
    env = yaml.safe_load(ENV.read_text(encoding="utf-8"))
    checked = 0
    for dep in env["dependencies"]:
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        for entry in entries:
            match = re.fullmatch(r"([A-Za-z0-9_.\-]+)=={0,2}([0-9][^\s]*)", entry)
            if not match or match.group(1) in ("python", "pip"):
                continue
            name = canonicalize_name(match.group(1))
            version = Version(Version(match.group(2)).public)  # torch's +cpu: the lock pins the public version
            assert name in pins, f"envs/fairopt.yaml pins {name}, which requirements.lock does not"
            assert version == pins[name], f"envs/fairopt.yaml: {name} {version}, requirements.lock: {pins[name]}"
            checked += 1
    assert checked >= 15
    assert not any(isinstance(d, dict) and any("-e " in e or e.strip() == ".." for e in d["pip"])
                   for d in env["dependencies"]), "a relative install breaks where Snakemake builds the env"
