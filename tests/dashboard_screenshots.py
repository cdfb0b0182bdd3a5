"""Screenshots of the operator dashboard for the docs, one per UN language.

    python -m tests.dashboard_screenshots [OUT_DIR]     (default docs/img; `make screenshots`)

It starts what the browser test starts — a real nats-server, two witnesses, a broker
with its ops API, real traffic (accepted, rejected, not delivered) — opens the page in headless
chromium at 1280x900, types the token, and writes `dashboard-<lang>.png`. Chinese
needs a CJK font (Debian: fonts-wqy-microhei or fonts-noto-cjk); Arabic and Cyrillic
come with DejaVu.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path

import structlog

from broker.ops_i18n import LANGUAGES

from .cdp import INSTALL_HINT, CdpError, Chromium, chromium_path
from .dashboard_kit import TOKEN, dashboard_world


async def shoot(out: Path) -> list[Path]:
    """Write one screenshot per language into the directory `out`; the files written."""
    executable = chromium_path()
    if executable is None:
        raise SystemExit(f"chromium is not installed; install it with: {INSTALL_HINT}")
    written = []
    with tempfile.TemporaryDirectory(prefix="palermo-shots-") as tmp:
        profile = Path(tmp) / "chromium"
        profile.mkdir()
        async with (
            dashboard_world(Path(tmp) / "world", scale=4) as world,
            Chromium(profile, executable) as browser,
        ):
            page = await browser.new_page(1280, 900)
            await page.navigate(world.url + "/")
            await page.type_into("#token", TOKEN)
            await page.press_enter()
            await page.wait_for("loaded > 0")
            for lang in LANGUAGES:
                await page.navigate(f"{world.url}/?lang={lang}")
                await page.wait_for("loaded > 0 && $('tail-rows').children.length > 0")
                await asyncio.sleep(0.3)  # let the fonts settle
                path = out / f"dashboard-{lang}.png"
                path.write_bytes(await page.screenshot())
                written.append(path)
    return written


def main() -> None:
    """Write the screenshots and print one line naming them."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/img")
    # The broker's own log (non-deliveries are warnings) is not what this command is for.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    out.mkdir(parents=True, exist_ok=True)
    try:
        written = asyncio.run(shoot(out))
    except (OSError, TimeoutError, CdpError) as exc:
        raise SystemExit(f"screenshots failed: {type(exc).__name__}: {exc}") from None
    print(f"wrote {len(written)} screenshots to {out}/: " + " ".join(p.name for p in written))


if __name__ == "__main__":
    main()
