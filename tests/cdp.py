"""A small Chrome DevTools Protocol driver over aiohttp's websocket client.

`Chromium` starts Debian's headless chromium in a process group of its own, reads the
DevTools port from `DevToolsActivePort` in its profile directory, and kills the whole
group on exit. `Page` speaks to one tab: navigate, evaluate, type, click, screenshot,
and it keeps every console message, exception, log entry and Content-Security-Policy
violation the page reports. Every call has a timeout, so nothing can hang.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import aiohttp

CHROMIUM: Final = "/usr/bin/chromium"
INSTALL_HINT: Final = "apt-get install -y --no-install-recommends chromium"
CALL_TIMEOUT: Final = 20.0
START_TIMEOUT: Final = 30.0
FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)

# Runs in every document before its own scripts: records each CSP violation, so a test
# can assert there were none (and that a forbidden inline style is caught).
_CSP_PROBE: Final = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


class CdpError(Exception):
    """The browser answered a call with an error, or a script threw."""


def chromium_path() -> str | None:
    """The chromium executable, or None if it is not installed."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


class Page:
    """One browser tab over its own DevTools websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._next = 0
        self._calls: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._waiters: list[tuple[str, asyncio.Future[dict[str, Any]]]] = []
        self.console: list[str] = []
        """Console messages, uncaught exceptions and log entries, as "level: text"."""
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for msg in self._ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if "id" in data:
                    future = self._calls.pop(data["id"], None)
                    if future is not None and not future.done():
                        future.set_result(data)
                    continue
                self._event(data.get("method", ""), data.get("params", {}))
        finally:
            for future in self._calls.values():
                if not future.done():
                    future.set_exception(CdpError("the DevTools connection closed"))

    def _event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.console.append(f"{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "")
            self.console.append(f"exception: {text}")
        elif method == "Log.entryAdded":
            entry = params["entry"]
            self.console.append(f"{entry['level']}: {entry.get('text', '')}")
        for name, future in list(self._waiters):
            if name == method and not future.done():
                future.set_result(params)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one DevTools command; its result. Raises `CdpError` on an error answer."""
        self._next += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._calls[self._next] = future
        await self._ws.send_str(json.dumps({"id": self._next, "method": method, "params": params}))
        async with asyncio.timeout(CALL_TIMEOUT):
            answer = await future
        if "error" in answer:
            raise CdpError(f"{method}: {answer['error'].get('message')}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    async def start(self, width: int, height: int, timezone: str) -> None:
        """Turn on the domains the driver listens to, set the viewport and time zone,
        add the probe."""
        for domain in ("Page", "Runtime", "Log"):
            await self.call(f"{domain}.enable")
        await self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        await self.call("Emulation.setTimezoneOverride", timezoneId=timezone)
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=_CSP_PROBE)

    async def navigate(self, url: str) -> None:
        """Load `url` and wait for its load event."""
        loop = asyncio.get_running_loop()
        loaded: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._waiters.append(("Page.loadEventFired", loaded))
        try:
            answer = await self.call("Page.navigate", url=url)
            if answer.get("errorText"):
                raise CdpError(f"navigation to {url} failed: {answer['errorText']}")
            async with asyncio.timeout(CALL_TIMEOUT):
                await loaded
        finally:
            self._waiters = [(n, f) for n, f in self._waiters if f is not loaded]

    async def evaluate(self, expression: str) -> Any:
        """The value of `expression` in the page (promises awaited, results by value).
        Raises `CdpError` if it throws."""
        answer = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CdpError(f"script error: {text}")
        return answer["result"].get("value")

    async def wait_for(self, expression: str, within: float = 10.0) -> Any:
        """Poll `expression` until it is truthy; its value. TimeoutError after `within`
        seconds."""
        async with asyncio.timeout(within):
            while True:
                value = await self.evaluate(expression)
                if value:
                    return value
                await asyncio.sleep(0.1)

    async def click(self, selector: str) -> None:
        """A real mouse click at the middle of the element `selector`."""
        box = await self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            await self.call(
                "Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1
            )

    async def type_into(self, selector: str, text: str) -> None:
        """Focus `selector` with a click and type `text` as keyboard input."""
        await self.click(selector)
        await self.call("Input.insertText", text=text)

    async def press_enter(self) -> None:
        """Press and release the Enter key in the focused element."""
        for kind in ("keyDown", "keyUp"):
            await self.call(
                "Input.dispatchKeyEvent",
                type=kind,
                key="Enter",
                code="Enter",
                windowsVirtualKeyCode=13,
                text="\r" if kind == "keyDown" else "",
            )

    async def screenshot(self) -> bytes:
        """A PNG of the viewport."""
        answer = await self.call("Page.captureScreenshot", format="png")
        return base64.b64decode(answer["data"])

    async def csp_violations(self) -> list[str]:
        """The CSP violations the page's document reported since it loaded."""
        found: list[str] = await self.evaluate("window.__cspViolations || []")
        return found

    async def aclose(self) -> None:
        """Close the websocket and stop the reader."""
        await self._ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class Chromium:
    """Headless chromium with a throw-away profile in `profile`; `async with` kills it.

    Args:
        profile: an empty directory for the user data (the caller removes it).
        executable: the browser to run.
    """

    def __init__(self, profile: Path, executable: str = CHROMIUM) -> None:
        self._profile = profile
        self._executable = executable
        self._proc: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None
        self._pages: list[Page] = []
        self.port = 0

    async def __aenter__(self) -> Chromium:
        try:
            await self._start()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _start(self) -> None:
        self._proc = await asyncio.create_subprocess_exec(
            self._executable,
            *FLAGS,
            f"--user-data-dir={self._profile}",
            "about:blank",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # its own process group: one kill ends every child
        )
        active = self._profile / "DevToolsActivePort"
        async with asyncio.timeout(START_TIMEOUT):
            while True:
                if self._proc.returncode is not None:
                    raise CdpError(f"chromium exited with status {self._proc.returncode}")
                if active.exists():
                    lines = active.read_text().split("\n")
                    if len(lines) >= 2 and lines[0].isdigit():
                        self.port = int(lines[0])
                        break
                await asyncio.sleep(0.05)
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT))

    async def new_page(self, width: int = 1280, height: int = 900, timezone: str = "UTC") -> Page:
        """A new tab (its own session storage) with a `width` x `height` viewport, in
        `timezone`."""
        assert self._http is not None
        async with self._http.put(f"http://127.0.0.1:{self.port}/json/new?about:blank") as r:
            target = await r.json()
        ws = await self._http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=64 << 20)
        page = Page(ws)
        self._pages.append(page)
        await page.start(width, height, timezone)
        return page

    async def aclose(self) -> None:
        """Close the pages, then end the browser's process group (TERM, then KILL after
        five seconds). Idempotent."""
        for page in self._pages:
            with contextlib.suppress(Exception):
                await page.aclose()
        self._pages.clear()
        if self._http is not None:
            await self._http.close()
            self._http = None
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            async with asyncio.timeout(5.0):
                await proc.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        # Children that outlived the leader still hold the group id.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
