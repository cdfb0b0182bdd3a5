"""The operator dashboard in a real headless chromium, against a real broker with real
traffic: the token, the six languages, the charts' figures, cosignatures, the CSP,
and a screenshot per language.

One broker and one browser serve the whole module. Without chromium the module is
skipped with the command that installs it, except under CI, where it fails.
"""

# ruff: noqa: RUF001  (Arabic-Indic digits are what the Arabic page must show)

from __future__ import annotations

import base64
import json
import os
import struct
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from broker.ops_history import HOUR_MS
from broker.ops_i18n import LABELS, LANGUAGES, NAMES

from .cdp import CHROMIUM, INSTALL_HINT, Chromium, Page, chromium_path
from .dashboard_kit import TOKEN, WITNESSES, World, dashboard_world

pytestmark = pytest.mark.asyncio(loop_scope="module")

GROUPED = {
    "en": "1,234,567",
    "zh": "1,234,567",
    "fr": "1\u202f234\u202f567",  # narrow no-break spaces
    "ru": "1\u00a0234\u00a0567",  # no-break spaces
    "es": "1.234.567",
    "ar": "١٬٢٣٤٬٥٦٧",  # Arabic-Indic digits, Arabic thousands separator
}
CELLS = "((id) => [...$(id).children].map((tr) => [...tr.children].map((td) => td.textContent)))"
"""A script function: the text of every cell of a table body, row by row."""
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"chromium is missing ({CHROMIUM}); CI must install it: {INSTALL_HINT}")
        pytest.skip(f"chromium is not installed; to run these tests: {INSTALL_HINT}")
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Chromium]:
    """Headless chromium for the module, its process group killed afterwards."""
    path = _chromium()
    async with Chromium(tmp_path_factory.mktemp("chromium"), path) as b:
        yield b


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """One broker with its ops API and settled traffic for the module."""
    _chromium()  # no broker for nothing
    async with dashboard_world(tmp_path_factory.mktemp("world")) as w:
        yield w


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def page(browser: Chromium, world: World) -> Page:
    """A tab that holds the token (typed into the page's form)."""
    p = await browser.new_page()
    await p.navigate(world.url + "/?lang=en")
    await p.type_into("#token", TOKEN)
    await p.press_enter()
    await p.wait_for("loaded > 0")
    return p


async def _open(page: Page, url: str, events: int) -> None:
    """Load `url` and wait until the data and the tail's first `events` rows are in."""
    await page.navigate(url)
    await page.wait_for(f"loaded > 0 && $('tail-rows').children.length >= {min(events, 50)}")


async def _ops_json(world: World, path: str) -> Any:
    async with (
        aiohttp.ClientSession() as http,
        http.get(world.url + path, headers={"Authorization": f"Bearer {TOKEN}"}) as r,
    ):
        assert r.status == 200
        return await r.json()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_wrong_token_is_refused_and_the_right_one_accepted(
    browser: Chromium, world: World
) -> None:
    """A typed wrong token gets the visible "refused" message and no data; the right one
    loads the data, clears the message and stays only in the tab's session storage."""
    p = await browser.new_page()
    await p.navigate(world.url + "/")
    assert await p.evaluate("$('status').textContent") == LABELS["needToken"]["en"]
    await p.type_into("#token", "not-the-operator-token")
    await p.press_enter()
    refused = LABELS["unauthorized"]["en"]
    await p.wait_for(f"$('status').textContent === {json.dumps(refused)}")
    assert await p.evaluate("[$('status').hidden, $('status').className, loaded]") == [
        False, "bad", 0,
    ]  # fmt: skip
    assert await p.evaluate("$('cp-size').textContent") == "—"
    await p.type_into("#token", TOKEN)
    await p.press_enter()
    await p.wait_for("loaded > 0 && $('status').hidden")
    assert await p.evaluate("sessionStorage.getItem('palermo.token')") == TOKEN
    assert await p.evaluate("$('token').value") == ""  # not left in the field
    assert TOKEN not in await p.evaluate("location.href + document.body.innerText")
    assert await p.evaluate("$('cp-size').textContent") != "—"


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_each_language_renders(page: Page, world: World, lang: str, tmp_path: Path) -> None:
    """In each UN language the page sets lang and dir (Arabic right to left), shows the
    translated labels and event names, formats numbers in the locale (Arabic-Indic
    digits, French narrow no-break spaces), shows times with their zone, labels the
    chart's axes in the language, and a screenshot is a real 1280x900 PNG."""
    await _open(page, f"{world.url}/?lang={lang}", len(world.events))
    assert await page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        lang, "rtl" if lang == "ar" else "ltr",
    ]  # fmt: skip
    for selector, key in (
        ("h1", "title"),
        ("section.wide h2", "chartTitle"),
        ("[data-t=traffic]", "traffic"),
        ("[data-t=checkpoint]", "checkpoint"),
        ("[data-t=failures]", "failures"),
        ("[data-t=cosignatures]", "cosignatures"),
        ("[data-t=tail]", "tail"),
    ):
        text = await page.evaluate(f"document.querySelector({json.dumps(selector)}).textContent")
        assert text == LABELS[key][lang], (lang, key)
    assert await page.evaluate("document.title") == LABELS["title"][lang]
    # The layout mirrors in Arabic: the title at the right, the picker at the left,
    # and the chart's time axis running from right to left.
    title_x, picker_x, first_bar, last_bar = await page.evaluate(
        "(() => { const r = [...$('bars').querySelectorAll('rect')];"
        " return [document.querySelector('h1').getBoundingClientRect().x,"
        " $('lang').getBoundingClientRect().x, Number(r[0].getAttribute('x')),"
        " Number(r[r.length - 1].getAttribute('x'))]; })()"
    )
    assert (title_x > picker_x) == (lang == "ar")
    assert (first_bar > last_bar) == (lang == "ar")
    options = await page.evaluate("[...$('lang').options].map((o) => [o.value, o.text])")
    assert options == [[code, NAMES[code]] for code in LANGUAGES]
    assert await page.evaluate("$('lang').value") == lang

    assert await page.evaluate("num(1234567)") == GROUPED[lang]
    size = await page.evaluate("hist.checkpoint.size")
    assert size >= len(world.events)
    shown = str(size).translate(ARABIC_DIGITS) if lang == "ar" else str(size)
    assert await page.evaluate("$('cp-size').textContent") == shown

    rows = await page.evaluate(f"{CELLS}('tail-rows')")
    assert len(rows) == len(world.events)
    names = {LABELS[f"ev_{e.event}"][lang] for e in world.events}
    assert {r[2] for r in rows} == names
    zone = await page.evaluate("zoneName()")
    assert zone == "UTC"  # the tab's time zone, as the language writes it
    for r in rows:
        assert zone in r[1]
    newest = max(e.time_ms for e in world.events)
    assert rows[0][1] == await page.evaluate(f"when({newest})")
    if lang == "ar":
        assert any(ch in rows[0][1] for ch in "٠١٢٣٤٥٦٧٨٩")

    labels = await page.evaluate(
        "[...$('bars').querySelectorAll('.axis-label')].map(e => e.textContent)"
    )
    assert labels == [LABELS["axisMessages"][lang], f"{LABELS['axisTime'][lang]} ({zone})"]
    title = await page.evaluate("$('bars').querySelector('svg > title').textContent")
    assert title.startswith(LABELS["chartTitle"][lang])

    png = await page.screenshot()
    (tmp_path / f"dashboard-{lang}.png").write_bytes(png)
    assert _png_size(png) == (1280, 900)
    assert 20_000 < len(png) < 1_500_000


async def test_charts_show_the_brokers_real_counts(page: Page, world: World) -> None:
    """The bars are the audit log's accepted and rejected counts per hour, in the 24-hour
    and the 7-day view; the data table, the traffic and failure tables and the lag line
    show the broker's real figures; each chart is an accessible image."""
    await _open(page, f"{world.url}/?lang=en", len(world.events))
    hourly = world.hourly()
    for window, hours in (("24h", 24), ("7d", 168)):
        await page.evaluate(
            f"$('window').value = '{window}'; $('window').dispatchEvent(new Event('change'))"
        )
        drawn = f"$('bars').querySelectorAll('rect').length === {2 * hours}"
        await page.wait_for(f"hist && hist.window === '{window}' && {drawn}")
        bars = await page.evaluate(
            "[...$('bars').querySelectorAll('rect')].map((r) => "
            "[r.getAttribute('class'), Number(r.dataset.hour), Number(r.dataset.value), "
            "r.getAttribute('height')])"
        )
        seen: dict[int, list[int]] = {}
        for cls, hour, value, height in bars:
            assert hour % HOUR_MS == 0
            seen.setdefault(hour, [0, 0])[0 if cls == "acc" else 1] = value
            assert (float(height) > 0) == (value > 0)
        assert len(seen) == hours
        nonzero = {h: (a, r) for h, (a, r) in seen.items() if a or r}
        assert nonzero == hourly
        svg = await page.evaluate(
            "(() => { const s = $('bars').querySelector('svg'); return [s.getAttribute('role'), "
            "s.getAttribute('aria-labelledby'), s.querySelector('desc').textContent]; })()"
        )
        assert svg == ["img", "bars-t bars-d", LABELS["chartDesc"]["en"]]
        table = await page.evaluate(f"{CELLS}('hours-rows')")
        assert [(int(a), int(r)) for _, a, r, _ in table] == [hourly[h] for h in sorted(hourly)]
        codes = Counter(code for _, code in world.traffic.rejected)
        assert world.rejected_by_code() == codes
        shown: Counter[str] = Counter()
        for *_, by_code in table:  # "malformed 2, tampered 1" per hour
            for part in filter(None, by_code.split(", ")):
                code, n = part.split(" ")
                shown[code] += int(n)
        assert shown == codes

    traffic = await page.evaluate(f"{CELLS}('traffic-rows')")
    sent = Counter(s for s, _ in world.traffic.accepted)
    received = Counter(r for _, r in world.traffic.accepted)
    refused = Counter(sender for sender, _ in world.traffic.rejected)
    assert traffic == [
        [a, str(sent[a]), str(received[a]), str(refused[a])]
        for a in sorted(set(sent) | set(received) | set(refused))
    ]
    failures = await page.evaluate(f"{CELLS}('failure-rows')")
    assert failures == [["non-delivery", "non_delivery", str(len(world.traffic.accepted))]]
    recent = await page.evaluate("$('recent-rows').children.length")
    assert recent == len(world.traffic.accepted)

    points = await page.evaluate(
        "[...$('lag').querySelectorAll('circle')].map((c) => "
        "[Number(c.dataset.time), Number(c.dataset.value)])"
    )
    ring = {p["time_ms"]: p["total"] for p in (await _ops_json(world, "/v1/history"))["lag"]}
    assert len(points) >= 4
    assert all(ring[t] == v for t, v in points)
    assert max(v for _, v in points) >= len(world.traffic.accepted)  # the waiting messages
    assert points[0][1] == 0  # before the traffic
    assert await page.evaluate("$('lag').querySelector('polyline').points.length") == len(points)
    table = await page.evaluate(f"{CELLS}('lag-hist-rows')")  # the line's data table
    assert [int(total) for _, total in table] == [v for _, v in reversed(points)]


def _cosignature_rows(note: str) -> list[tuple[str, int | None]]:
    """(witness name, cosigning time in seconds or None) of every signature line of
    `note` but the log's own, read from the bytes as C2SP tlog-cosignature v1 lays
    them out: 4-byte key hash, 8-byte big-endian time, 64-byte signature."""
    text, _, sigs = note.partition("\n\n")
    origin = text.split("\n")[0]
    rows: list[tuple[str, int | None]] = []
    for line in sigs.splitlines():
        _, name, b64 = line.split(" ")
        raw = base64.b64decode(b64)
        if name != origin:
            rows.append((name, int.from_bytes(raw[4:12], "big") if len(raw) == 76 else None))
    return rows


async def test_cosignatures_show_each_witness_and_time(page: Page, world: World) -> None:
    """The latest checkpoint's witness cosignatures, as the broker's two real witnesses
    made them, are listed with each witness's name (not the log's own signature) and
    the cosigning time decoded from the signature, in the page's language; a
    signature of another shape shows no time; with no cosigned note (the route's 404)
    the page says "no cosignatures"."""
    await _open(page, f"{world.url}/?lang=fr", len(world.events))
    note = await page.evaluate("cosigned")
    rows = _cosignature_rows(note)
    assert sorted(name for name, _ in rows) == sorted(WITNESSES)
    assert {name for name, _ in _cosignature_rows(world.cosigned)} == set(WITNESSES)
    now = time.time()
    size = int(note.split("\n")[1])
    expected = []
    for name, when in rows:
        assert when is not None
        assert now - 300 < when <= now + 5
        expected.append(
            [name, await page.evaluate(f"when({when * 1000})"), f"{size:,}".replace(",", "\u202f")]
        )
    assert await page.evaluate(f"{CELLS}('cosig-rows')") == expected
    assert "UTC" in expected[0][1]
    assert await page.evaluate("[$('no-cosig').hidden, $('cosig-table').hidden]") == [True, False]

    # A line that is not a v1 cosignature (the log's own 68-byte shape under another
    # name) is listed without a time.
    odd = base64.b64encode(bytes(68)).decode()
    other = note + f"— witness.old.example {odd}\n"
    shown = await page.evaluate(
        f"cosigned = {json.dumps(other)}; renderCosigned(); {CELLS}('cosig-rows')"
    )
    assert shown[-1][:2] == ["witness.old.example", "—"]

    # What the page shows when the route answers 404 (before any witness has cosigned,
    # or with none configured): a real 404 from the ops API, through the page's api().
    await page.evaluate(
        "(async () => { cosigned = await api('/v1/checkpoint/cosigned/none', 'text/plain');"
        " renderCosigned(); })()"
    )
    assert await page.evaluate("cosigned") is None
    assert await page.evaluate("[$('no-cosig').hidden, $('cosig-table').hidden]") == [False, True]
    assert await page.evaluate("$('no-cosig').textContent") == "Aucune cosignature"


async def test_language_choice_is_remembered(page: Page, world: World) -> None:
    """Picking a language relabels the page at once and is remembered for the tab: the
    page opened again without `?lang` is in that language."""
    await _open(page, f"{world.url}/?lang=en", len(world.events))
    await page.evaluate("$('lang').value = 'ru'; $('lang').dispatchEvent(new Event('change'))")
    assert await page.evaluate("document.documentElement.lang") == "ru"
    assert await page.evaluate("$('tail-rows').children[0].children[2].textContent") in {
        LABELS[f"ev_{e.event}"]["ru"] for e in world.events
    }
    await _open(page, world.url + "/", len(world.events))
    assert await page.evaluate("[document.documentElement.lang, document.title]") == [
        "ru", LABELS["title"]["ru"],
    ]  # fmt: skip


async def test_csp_holds_and_blocks_injected_code(page: Page, world: World) -> None:
    """The page runs under its CSP without a single violation or script error, while an
    injected inline script and style are blocked and reported."""
    await _open(page, f"{world.url}/?lang=ar", len(world.events))
    assert await page.csp_violations() == []
    assert not [m for m in page.console if "Content Security Policy" in m]
    assert not [m for m in page.console if m.startswith("exception")]
    await page.evaluate(
        "(() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1';"
        " document.body.append(s); const st = document.createElement('style');"
        " st.textContent = 'body { display: none }'; document.head.append(st); })()"
    )
    found = await page.wait_for("window.__cspViolations.length >= 2 && window.__cspViolations")
    assert sorted(v.split()[0] for v in found) == ["script-src-elem", "style-src-elem"]
    assert await page.evaluate("typeof window.pwned") == "undefined"
    assert await page.evaluate("getComputedStyle(document.body).display") == "block"
