"""The lock files pin the whole dependency tree with hashes, agree with pyproject.toml,
and are what the test environment was installed from."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
RUNTIME_LOCK = ROOT / "requirements-runtime.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
_HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Pin:
    requirement: Requirement
    hashes: frozenset[str]

    @property
    def version(self) -> str:
        [spec] = self.requirement.specifier
        return spec.version

    def applies_here(self) -> bool:
        marker = self.requirement.marker
        return marker is None or marker.evaluate()


def _pins(path: Path) -> dict[NormalizedName, Pin]:
    """A requirements file's entries (continuation lines joined, comments dropped)."""
    text = path.read_text(encoding="utf-8")
    entries = re.sub(r"\\\n\s*", " ", text).splitlines()
    out: dict[NormalizedName, Pin] = {}
    for entry in entries:
        if not entry.strip() or entry.lstrip().startswith("#"):
            continue
        spec, _, hashes = entry.partition(" --hash=")
        requirement = Requirement(spec.strip())
        pin = Pin(requirement, frozenset(_HASH.findall("--hash=" + hashes)))
        name = canonicalize_name(requirement.name)
        # A universal lock may list a package once per Python range (numpy, for one):
        # the entry for this interpreter is the one that counts here.
        if name not in out or pin.applies_here():
            out[name] = pin
    return out


def _declared(*extras: str) -> list[Requirement]:
    """pyproject.toml's requirements: the runtime ones, the build backend, and `extras`."""
    names = [*PYPROJECT["project"]["dependencies"], *PYPROJECT["build-system"]["requires"]]
    for extra in extras:
        names.extend(PYPROJECT["project"]["optional-dependencies"][extra])
    return [Requirement(name) for name in names]


@pytest.mark.parametrize("path", [LOCK, RUNTIME_LOCK], ids=lambda p: p.name)
def test_every_entry_is_one_version_with_hashes(path: Path) -> None:
    """Each entry pins exactly one version (==) and lists sha256 hashes of its files; no
    URL, editable or index option can slip an unpinned source in."""
    pins = _pins(path)
    assert len(pins) > 10
    for name, pin in pins.items():
        [spec] = pin.requirement.specifier
        assert spec.operator == "==", name
        assert pin.requirement.url is None, name
        assert pin.hashes, name
    options = [line for line in path.read_text().splitlines() if line.startswith("-")]
    assert options == []


@pytest.mark.parametrize(
    ("path", "extras"), [(LOCK, ("test", "server")), (RUNTIME_LOCK, ())], ids=["full", "runtime"]
)
def test_lock_satisfies_pyproject(path: Path, extras: tuple[str, ...]) -> None:
    """Everything pyproject.toml asks for (and pip) is pinned, at a version it allows: a
    dependency changed without `make lock` fails here."""
    pins = _pins(path)
    for requirement in [*_declared(*extras), Requirement("pip")]:
        pin = pins.get(canonicalize_name(requirement.name))
        assert pin is not None, f"{requirement.name} is not in {path.name}: run `make lock`"
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"{path.name} pins {requirement.name} {pin.version}, outside {requirement.specifier}"
        )


def test_runtime_lock_is_the_runtime_part_of_the_lock() -> None:
    """The container's lock holds the same versions and hashes as the full lock, and none
    of the test tools."""
    full, runtime = _pins(LOCK), _pins(RUNTIME_LOCK)
    for name, pin in runtime.items():
        assert name in full, name
        assert (pin.version, pin.hashes) == (full[name].version, full[name].hashes), name
    assert not {"pytest", "ruff", "mypy", "hypothesis"} & runtime.keys()


def test_environment_is_exactly_the_lock() -> None:
    """The running environment holds the locked version of every package the lock lists
    for this platform, and nothing else but Palermo itself."""
    pins = {name: pin for name, pin in _pins(LOCK).items() if pin.applies_here()}
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
    }
    expected = {name: pin.version for name, pin in pins.items()}
    assert {name: installed.get(name) for name in expected} == expected
    assert installed.keys() - expected.keys() == {"palermo"}
