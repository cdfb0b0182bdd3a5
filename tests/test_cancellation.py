"""Cancellation is never swallowed: no product module catches `CancelledError` (or
`BaseException`, or everything) without raising again, or suppresses it.

A task that swallows its own cancellation keeps running after its owner gave up on it,
and a `TaskGroup` or shutdown timeout then waits on it or loses track of it. To end
tasks one started, the code cancels them and gathers them with
`return_exceptions=True`, which lets a cancellation of the current task through; the
last test shows the difference on the event loop itself.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CANCELLATION = {"CancelledError", "BaseException"}


def _names(node: ast.expr | None) -> set[str]:
    """The exception names an `except` clause or a `suppress(...)` argument lists."""
    if node is None:
        return {"BaseException"}  # a bare `except:`
    if isinstance(node, ast.Tuple):
        return set().union(*(_names(e) for e in node.elts))
    if isinstance(node, ast.Attribute):
        return {node.attr}
    if isinstance(node, ast.Name):
        return {node.id}
    return set()


def _reraises(handler: ast.ExceptHandler) -> bool:
    """Whether the handler ends by raising (cleanup, then `raise`)."""
    return bool(handler.body) and isinstance(handler.body[-1], ast.Raise)


def swallowed(source: str) -> list[str]:
    """Places in `source` that can swallow a cancellation, as `line: what`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ExceptHandler):
            caught = _names(node.type)
            if caught & CANCELLATION and not _reraises(node):
                what = "bare except" if node.type is None else ", ".join(sorted(caught))
                found.append(f"{node.lineno}: except {what} without raise")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "suppress" and set().union(*(_names(a) for a in node.args)) & CANCELLATION:
                found.append(f"{node.lineno}: suppress of a cancellation")
    return found


@pytest.mark.parametrize("package", ["broker", "clients", "schemas", "witness", "bench"])
def test_no_module_swallows_cancellation(package: str) -> None:
    """Every `except` that can catch a cancellation raises again; nothing suppresses one."""
    problems = {
        str(path.relative_to(ROOT)): found
        for path in sorted((ROOT / package).rglob("*.py"))
        if (found := swallowed(path.read_text()))
    }
    assert problems == {}


@pytest.mark.parametrize(
    "source",
    [
        "try:\n    pass\nexcept:\n    pass\n",
        "try:\n    pass\nexcept BaseException:\n    log()\n",
        "try:\n    pass\nexcept asyncio.CancelledError:\n    return\n",
        "try:\n    pass\nexcept (TimeoutError, asyncio.CancelledError):\n    pass\n",
        "with contextlib.suppress(asyncio.CancelledError):\n    pass\n",
        "with suppress(Exception, CancelledError):\n    pass\n",
    ],
)
def test_checker_catches(source: str) -> None:
    """Each way of swallowing a cancellation is reported."""
    assert swallowed(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "try:\n    pass\nexcept BaseException:\n    cleanup()\n    raise\n",
        "try:\n    pass\nexcept Exception:\n    pass\n",
        "with contextlib.suppress(TimeoutError):\n    pass\n",
    ],
)
def test_checker_allows(source: str) -> None:
    """Cleanup-then-raise, catching `Exception` and suppressing other errors are fine."""
    assert swallowed(source) == []


async def _stubborn() -> None:
    """A task that takes a while to finish once cancelled (it cleans up)."""
    try:
        await asyncio.Event().wait()
    finally:
        await asyncio.sleep(0.2)


async def test_gather_lets_the_owners_cancellation_through() -> None:
    """Ending a started task by cancel-and-gather passes a cancellation of the owner
    on; awaiting it under `suppress(CancelledError)` returns as if nothing happened."""

    async def end_by_gather() -> str:
        child = asyncio.ensure_future(_stubborn())
        await asyncio.sleep(0)
        child.cancel()
        await asyncio.gather(child, return_exceptions=True)
        return "finished"

    async def end_by_suppress() -> str:
        child = asyncio.ensure_future(_stubborn())
        await asyncio.sleep(0)
        child.cancel()
        with contextlib.suppress(asyncio.CancelledError):  # the pattern the check forbids
            await child
        return "finished"

    outcomes = {}
    for way in (end_by_gather, end_by_suppress):
        owner = asyncio.ensure_future(way())
        await asyncio.sleep(0.05)  # the owner now waits for its stubborn child
        owner.cancel()
        await asyncio.gather(owner, return_exceptions=True)
        outcomes[way.__name__] = "cancelled" if owner.cancelled() else owner.result()
    assert outcomes == {"end_by_gather": "cancelled", "end_by_suppress": "finished"}
