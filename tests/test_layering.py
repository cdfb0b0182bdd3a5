"""The packages depend one way: broker/, clients/ and witness/ on schemas/ only, never on
each other.

The broker and the authority side are separate deployables; what both need lives in
the protocol package. Only `schemas` touches its libsodium wrapper, `schemas._crypto`.
The check reads every module with `ast`, so an import inside a function, an
`importlib.import_module("...")` or `__import__` call, and a module path written as a
string (`"clients.cli:main"`, `-m clients.cli`) all count.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IMPORT_CALLS = {"import_module", "__import__", "find_spec", "run_module"}
"""`importlib.import_module`, `__import__`, `importlib.util.find_spec`, `runpy.run_module`."""
MODULE_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*(:[A-Za-z_][\w.]*)?$")


def _resolve(module: str | None, level: int, package: str) -> str:
    """The absolute name of `from <level dots><module> import ...` inside `package`."""
    if level == 0:
        return module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)] if level - 1 < len(parts) else []
    return ".".join([*base, module] if module else base)


def imported_names(source: str, package: str) -> Iterator[tuple[int, str]]:
    """Every module path `source` (a module of `package`) refers to, with its line:
    import statements anywhere, dynamic imports, and module paths written as strings."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, package)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}" if base else alias.name
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0] if node.args else None
            if name in IMPORT_CALLS and isinstance(first, ast.Constant):
                yield node.lineno, str(first.value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip()
            if MODULE_PATH.fullmatch(text) and ("." in text or ":" in text):
                yield node.lineno, text.split(":")[0]


def _is(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def violations(source: str, package: str) -> list[str]:
    """What `source`, a module of top-level `package`, must not import, as `line: name`."""
    top = package.partition(".")[0]
    forbidden = {
        "broker": ["clients", "witness"],
        "clients": ["broker", "witness"],
        "witness": ["broker", "clients"],
        "bench": [],
    }[top]
    found = []
    for line, name in imported_names(source, package):
        if any(_is(name, f) for f in forbidden) or _is(name, "schemas._crypto"):
            found.append(f"{line}: {name}")
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", ["broker", "clients", "witness", "bench"])
def test_packages_import_one_way(package: str) -> None:
    """No broker module refers to clients or witness, no clients module to broker or
    witness, no witness module to either, and no product module (broker, clients,
    witness, bench) to schemas._crypto."""
    modules = _modules(package)
    assert modules, f"no modules found under {package}/"
    problems = {}
    for path in modules:
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found = violations(path.read_text(), dotted.rpartition(".")[0] or package)
        if found:
            problems[str(path.relative_to(ROOT))] = found
    assert problems == {}


@pytest.mark.parametrize(
    ("package", "source"),
    [
        ("broker", "import clients"),
        ("broker", "import clients.endpoint as ep"),
        ("broker", "from clients import endpoint"),
        ("broker", "from clients.demo_exchange import run_exchange"),
        ("broker", "def f():\n    from clients.cli import main\n"),
        ("broker", "import importlib\nm = importlib.import_module('clients.demo_exchange')"),
        ("broker", "m = __import__('clients')"),
        ("broker", "ARGS = ['-m', 'clients.cli']"),
        ("broker", "TARGET = 'clients.cli:main'"),
        ("broker.sub", "from ... import clients"),
        ("clients", "from broker import topology"),
        ("clients", "import broker.jspub"),
        ("clients", "async def f():\n    from broker import logs\n"),
        ("clients", "from importlib import import_module\nimport_module('broker.demo')"),
        ("clients", "from schemas import _crypto"),
        ("clients", "from schemas._crypto import random_bytes"),
        ("clients", "import schemas._crypto"),
        ("broker", "def f():\n    from schemas import _crypto\n"),
        ("bench", "from schemas import _crypto"),
        ("witness", "from broker import tlog_proofs"),
        ("witness", "from clients.evidence import CheckpointWatcher"),
        ("broker", "from witness.service import Witness"),
        ("bench", "import importlib\nimportlib.import_module('schemas._crypto')"),
    ],
)
def test_checker_catches(package: str, source: str) -> None:
    """Each way of importing across the line is reported (the check cannot pass vacuously)."""
    assert violations(source, package) != []


@pytest.mark.parametrize(
    ("package", "source"),
    [
        ("broker", "from schemas import nats_names"),
        ("broker", "from . import topology\nfrom .cli_common import ERRORS"),
        ("broker", '"""Launches the clients\' demo as a process; see clients for more."""'),
        ("clients", "from schemas import streamcrypto\nfrom schemas.jspub import Pipeline"),
        ("clients", "from .endpoint import Endpoint"),
        ("bench", "from broker import topology\nfrom clients.endpoint import Endpoint"),
    ],
)
def test_checker_allows(package: str, source: str) -> None:
    """Imports of schemas' public modules, relative imports within a package, prose, and
    the benchmarks' use of both deployables are fine."""
    assert violations(source, package) == []
