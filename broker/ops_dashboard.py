"""The operator dashboard: one self-contained page in the six UN languages.

The page is static and holds no data, so it is served without a token. The operator
types the token; the page keeps it in `sessionStorage` (gone when the tab closes) and
sends it as a bearer header on every call. The live tail is read with `fetch()` and a
stream reader rather than `EventSource`, which cannot send headers: the token never
goes into a URL, where access logs and browser history would keep it.

Charts are inline SVG drawn by the page's own script from `/v1/history`; every chart
has a title, a description and a data table with the same figures. Labels come from
`ops_i18n` (Arabic right to left); numbers and times are formatted with the browser's
`Intl` for the chosen language, times with their zone.

A Content-Security-Policy allows only the page's own inline style and script (by hash)
and requests to its own origin.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Final

from . import ops_i18n

_STYLE: Final = """
:root { color-scheme: light dark; --line: #8884; --ok: #1a7f37; --bad: #c62828;
  --acc: #2e7d32; --rej: #c62828; --lag: #1565c0; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, "Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC",
  sans-serif; margin: 0; }
header { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center;
  padding: .75rem 1rem; border-block-end: 1px solid var(--line); }
header h1 { font-size: 1.15rem; margin: 0; margin-inline-end: auto; }
main { display: grid; gap: 1rem; padding: 1rem;
  grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); }
section { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem;
  min-width: 0; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
h3 { font-size: .95rem; margin: .75rem 0 .25rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: start; padding: .2rem .4rem; border-block-end: 1px solid var(--line); }
td.num { text-align: end; font-variant-numeric: tabular-nums; }
.code { font-family: ui-monospace, monospace; direction: ltr; unicode-bidi: isolate;
  overflow-wrap: break-word; }
.hash { word-break: break-all; }
.ok { color: var(--ok); } .bad { color: var(--bad); }
.badge { margin-inline-start: .4em; padding: 0 .45em; border: 1px solid currentColor;
  border-radius: .3em; font-size: .9em; }
#status { min-height: 1.4em; padding: 0 1rem; margin: .5rem 0 0; }
input { min-width: 14rem; }
.bar { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; }
.bar h2 { margin: 0; margin-inline-end: auto; }
.legend { display: flex; gap: 1rem; margin: .25rem 0; font-size: .9rem; }
.key { display: inline-block; width: .8em; height: .8em; margin-inline-end: .3em;
  border-radius: 2px; vertical-align: middle; }
.key.acc { background: var(--acc); } .key.rej { background: var(--rej); }
svg.chart { max-width: 100%; height: auto; display: block; }
svg.chart text { fill: currentColor; font-size: 12px; }
svg.chart .axis { stroke: currentColor; stroke-opacity: .5; }
svg.chart .grid { stroke: var(--line); }
svg.chart rect.acc { fill: var(--acc); } svg.chart rect.rej { fill: var(--rej); }
svg.chart polyline { fill: none; stroke: var(--lag); stroke-width: 2; }
svg.chart circle { fill: var(--lag); }
details { margin-block-start: .5rem; } summary { cursor: pointer; }
.scroll { max-height: 16rem; overflow: auto; }
"""

_SCRIPT: Final = r"""
"use strict";
const T = __LABELS__;
const NAMES = __NAMES__;
const RTL = __RTL__;
const LOCALES = __LOCALES__;
const SVGNS = "http://www.w3.org/2000/svg";
const pick = (l) => (l && Object.hasOwn(T, l) ? l : "");
let lang = pick(new URLSearchParams(location.search).get("lang"))
  || pick(sessionStorage.getItem("palermo.lang")) || "en";
sessionStorage.setItem("palermo.lang", lang);
let token = sessionStorage.getItem("palermo.token") || "";
let win = sessionStorage.getItem("palermo.window") === "7d" ? "7d" : "24h";
let lastId = "";
let live = "";            // "connected", "disconnected" or "": the badge, re-translated
let hist = null;          // the last /v1/history answer, re-drawn on a language switch
let cosigned = null;      // the last cosigned checkpoint note (or null)
let readyBody = null;     // the last /readyz answer
const events = [];        // the rows shown, newest first, re-rendered on a language switch
let tailAbort = null;
const $ = (id) => document.getElementById(id);
const t = (key) => T[lang][key] ?? key;

// Numbers and times in the chosen language; every time shows its zone.
const loc = () => LOCALES[lang];
const num = (n) => new Intl.NumberFormat(loc()).format(n);
const when = (ms) => new Intl.DateTimeFormat(loc(), {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  second: "2-digit", timeZoneName: "short" }).format(new Date(ms));
const hourLabel = (ms) => new Intl.DateTimeFormat(loc(), win === "7d"
  ? { weekday: "short", day: "numeric" } : { hour: "2-digit", minute: "2-digit" })
  .format(new Date(ms));
function zoneName() {
  const parts = new Intl.DateTimeFormat(loc(), { timeZoneName: "short" })
    .formatToParts(new Date());
  return (parts.find((p) => p.type === "timeZoneName") || {}).value || "";
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function row(cells, head) {
  const tr = document.createElement("tr");
  for (const [text, cls] of cells) tr.append(el(head ? "th" : "td", text, cls));
  return tr;
}
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function status(text, bad) {
  $("status").textContent = text;
  $("status").className = bad ? "bad" : "";
  $("status").hidden = !text;  // no empty band once there is nothing to say
}
function setLive(state) {
  live = state;
  $("live").textContent = state ? t(state) : "";
  $("live").className = state === "connected" ? "ok" : state ? "bad" : "";
}

function applyLang() {
  document.documentElement.lang = lang;
  document.documentElement.dir = RTL.includes(lang) ? "rtl" : "ltr";
  document.title = t("title");
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  $("lang").value = lang;
  $("window").value = win;
  setLive(live); renderEvents(); renderReadiness(); renderHistory(); renderCosigned();
  if (!token) status(t("needToken"));
}

async function api(path, accept) {
  const headers = { Authorization: "Bearer " + token, Accept: accept || "application/json" };
  const r = await fetch(path, { headers });
  if (r.status === 401) throw new Error(t("unauthorized"));
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(t("failed") + " " + r.status);
  return accept === "text/plain" ? r.text() : r.json();
}

async function readiness() {
  const r = await fetch("/readyz");
  readyBody = await r.json();
  renderReadiness();
}
function renderReadiness() {
  const body = readyBody;
  if (!body) return;
  $("ready").textContent = body.ready ? t("ready") : t("notReady");
  $("ready").className = "badge " + (body.ready ? "ok" : "bad");
  const tb = $("ready-rows"); tb.replaceChildren();
  for (const k of ["directory_loaded", "directory_fresh", "nats_connected", "audit_appends_ok"]) {
    tb.append(row([[t(k)], [body[k] ? t("ok") : t("failing"), body[k] ? "ok" : "bad"]]));
  }
  const s = body.sequencer || {};
  const state = s.error ? t("halted") : s.leading ? t("leading") : t("standby");
  tb.append(row([[t("sequencer")], [state + " · " + num(s.published_size ?? 0),
    s.error ? "bad" : ""]]));
}

// --- charts ---------------------------------------------------------------------------

// Charts are as wide as their box (text keeps its size); the height is fixed.
let W = 720, H = 240;
const PAD = { top: 12, bottom: 46, side: 54, end: 10 };
function size(box, height) {
  W = Math.max(300, Math.floor(box.clientWidth || 720)); H = height;
}
// The top of the count axis: four whole steps of 1, 2 or 5 times a power of ten.
function niceMax(v) {
  const quarter = Math.max(v / 4, 1);
  const p = Math.pow(10, Math.floor(Math.log10(quarter)));
  for (const m of [1, 2, 5, 10]) if (m * p >= quarter) return 4 * m * p;
  return 40 * p;
}
// x from the start of the time axis: right to left in a right-to-left language.
function xAt(frac) {
  const inner = W - PAD.side - PAD.end;
  return RTL.includes(lang) ? W - PAD.side - frac * inner : PAD.side + frac * inner;
}
function axes(g, max, ylabel) {
  const y0 = H - PAD.bottom, inner = H - PAD.top - PAD.bottom;
  const yAxisX = RTL.includes(lang) ? W - PAD.side : PAD.side;
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const y = y0 - f * inner;
    g.append(svg("line", { x1: xAt(0), x2: xAt(1), y1: y, y2: y, class: f ? "grid" : "axis" }));
    g.append(svg("text", { x: RTL.includes(lang) ? yAxisX + 6 : yAxisX - 6, y: y + 4,
      "text-anchor": RTL.includes(lang) ? "start" : "end", direction: "ltr",
      class: "tick-y" }, num(Math.round(f * max))));
  }
  g.append(svg("line", { x1: yAxisX, x2: yAxisX, y1: PAD.top, y2: y0, class: "axis" }));
  const lx = RTL.includes(lang) ? W - 12 : 12;
  g.append(svg("text", { x: lx, y: H / 2, "text-anchor": "middle", class: "axis-label",
    transform: `rotate(${RTL.includes(lang) ? 90 : -90} ${lx} ${H / 2})` }, ylabel));
  g.append(svg("text", { x: W / 2, y: H - 6, "text-anchor": "middle", class: "axis-label" },
    t("axisTime") + " (" + zoneName() + ")"));
}
function chartFrame(id, title, desc) {
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "chart",
    role: "img",
    "aria-labelledby": id + "-t " + id + "-d" });
  s.append(svg("title", { id: id + "-t" }, title), svg("desc", { id: id + "-d" }, desc));
  return s;
}

function drawBars() {
  size($("bars"), 240);
  const hours = hist.hours;
  const max = niceMax(Math.max(0, ...hours.map((h) => Math.max(h.accepted, h.rejected))));
  const s = chartFrame("bars", t("chartTitle") + " — " + t(win === "7d" ? "last7d" : "last24h"),
    t("chartDesc"));
  const g = svg("g");
  axes(g, max, t("axisMessages"));
  const slot = 1 / hours.length, inner = H - PAD.top - PAD.bottom, y0 = H - PAD.bottom;
  const step = win === "7d" ? 24 : 4;
  hours.forEach((h, i) => {
    for (const [cls, value, k] of [["acc", h.accepted, 0], ["rej", h.rejected, 1]]) {
      const a = xAt((i + k * 0.45 + 0.05) * slot), b = xAt((i + k * 0.45 + 0.5) * slot);
      const height = (value / max) * inner;
      const r = svg("rect", { x: Math.min(a, b), y: y0 - height, width: Math.abs(b - a),
        height, class: cls, "data-hour": h.start_ms, "data-value": value });
      r.append(svg("title", {}, [hourLabel(h.start_ms), t(cls === "acc" ? "accepted"
        : "rejected"), num(value)].join(" · ")));
      g.append(r);
    }
    if (i % step === 0) {
      g.append(svg("text", { x: xAt((i + 0.5) * slot), y: y0 + 16, "text-anchor": "middle",
        class: "tick-x" }, hourLabel(h.start_ms)));
    }
  });
  s.append(g);
  $("bars").replaceChildren(s);
  const tb = $("hours-rows"); tb.replaceChildren();
  for (const h of hours.filter((h) => h.accepted || h.rejected)) {
    const codes = Object.entries(h.by_code).map(([c, n]) => c + " " + num(n)).join(", ");
    tb.append(row([[when(h.start_ms)], [num(h.accepted), "num"], [num(h.rejected), "num"],
      [codes, "code"]]));
  }
  if (!tb.children.length) tb.append(row([[t("none")], [""], [""], [""]]));
}

function drawLag() {
  const samples = hist.lag;
  $("lag-hist-rows").replaceChildren(...samples.slice().reverse().map((p) =>
    row([[when(p.time_ms)], [num(p.total), "num"]])));
  if (!samples.length) {
    $("lag").replaceChildren(el("p", t("lagEmpty")));
    $("lag-rows").replaceChildren();
    return;
  }
  size($("lag"), 180);
  const max = niceMax(Math.max(0, ...samples.map((p) => p.total)));
  const t0 = samples[0].time_ms, span = Math.max(samples[samples.length - 1].time_ms - t0, 1);
  const s = chartFrame("lagc", t("lagTitle"), t("lagDesc"));
  const g = svg("g");
  axes(g, max, t("waiting"));
  const inner = H - PAD.top - PAD.bottom, y0 = H - PAD.bottom;
  const pts = samples.map((p) => [xAt(samples.length > 1 ? (p.time_ms - t0) / span : 0.5),
    y0 - (p.total / max) * inner]);
  g.append(svg("polyline", { points: pts.map((p) => p.join(",")).join(" ") }));
  samples.forEach((p, i) => {
    const c = svg("circle", { cx: pts[i][0], cy: pts[i][1], r: 2.5, "data-time": p.time_ms,
      "data-value": p.total });
    c.append(svg("title", {}, when(p.time_ms) + " · " + num(p.total)));
    g.append(c);
  });
  for (const [p, i] of [[samples[0], 0], [samples[samples.length - 1], samples.length - 1]]) {
    g.append(svg("text", { x: pts[i][0], y: y0 + 16, "text-anchor": i ? "end" : "start",
      class: "tick-x" }, new Intl.DateTimeFormat(loc(), { hour: "2-digit", minute: "2-digit" })
      .format(new Date(p.time_ms))));
  }
  s.append(g);
  $("lag").replaceChildren(s);
  const last = samples[samples.length - 1];
  const tb = $("lag-rows"); tb.replaceChildren();
  tb.append(row([[t("readingAt")], [when(last.time_ms), "num"]]));
  tb.append(row([[t("allConsumers")], [num(last.total), "num"]]));
  for (const [name, n] of Object.entries(last.consumers)) tb.append(row([[name, "code"],
    [num(n), "num"]]));
}

function renderHistory() {
  if (!hist) return;
  $("partial").hidden = hist.complete;
  drawBars(); drawLag();
  const tb = $("traffic-rows"); tb.replaceChildren();
  for (const a of hist.authorities) {
    tb.append(row([[a.authority, "code"], [num(a.sent), "num"], [num(a.received), "num"],
      [num(a.rejected), "num"]]));
  }
  if (!hist.authorities.length) tb.append(row([[t("none")], [""], [""], [""]]));
  const fb = $("failure-rows"); fb.replaceChildren();
  for (const [event, reasons] of Object.entries(hist.failures)) {
    for (const [reason, n] of Object.entries(reasons)) {
      fb.append(row([[t("ev_" + event)], [reason, "code"], [num(n), "num"]]));
    }
  }
  if (!fb.children.length) fb.append(row([[t("none")], [""], [""]]));
  $("recent-rows").replaceChildren(...hist.recent_failures.map(eventRow));
  const cp = hist.checkpoint;
  $("cp-size").textContent = cp ? num(cp.size) : "—";
  $("cp-root").textContent = cp ? cp.root_hash : "—";
  $("cp-time").textContent = cp && cp.published_ms ? when(cp.published_ms) : "—";
}

async function loadHistory() {
  hist = await api("/v1/history?window=" + win);
  renderHistory();
}

// --- checkpoint cosignatures (C2SP signed note, tlog-cosignature v1) -----------------

// A signed note: text, a blank line, then "— <name> <base64>" lines. A cosignature's
// bytes are a 4-byte key hash, 8 bytes of big-endian Unix seconds and a 64-byte
// Ed25519 signature; the page shows who cosigned and when (it verifies nothing).
function parseNote(text) {
  const cut = text.indexOf("\n\n");
  if (cut < 0) return null;
  const body = text.slice(0, cut).split("\n");
  const sigs = [];
  for (const line of text.slice(cut + 2).split("\n")) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    let bytes;
    try { bytes = Uint8Array.from(atob(m[2]), (c) => c.charCodeAt(0)); } catch { continue; }
    let time = null;
    if (bytes.length === 76) {
      time = 0;
      for (let i = 4; i < 12; i++) time = time * 256 + bytes[i];
    }
    sigs.push({ name: m[1], time });
  }
  return { origin: body[0], size: Number(body[1]), root: body[2], sigs };
}
function cosignatures(text) {
  const note = text ? parseNote(text) : null;
  if (!note) return [];
  return note.sigs.filter((s) => s.name !== note.origin)
    .map((s) => ({ name: s.name, time: s.time, size: note.size }));
}
function renderCosigned() {
  const rows = cosignatures(cosigned);
  const tb = $("cosig-rows"); tb.replaceChildren();
  for (const c of rows) {
    tb.append(row([[c.name, "code"], [c.time === null ? "—" : when(c.time * 1000)],
      [num(c.size), "num"]]));
  }
  $("no-cosig").hidden = rows.length > 0;
  $("cosig-table").hidden = rows.length === 0;
}
async function loadCosigned() {
  cosigned = await api("/v1/checkpoint/cosigned", "text/plain");
  renderCosigned();
}

// --- audit tail -----------------------------------------------------------------------

function eventRow(e) {
  return row([
    [num(e.seq), "num"], [when(e.time_ms)], [t("ev_" + e.event)], [e.kind, "code"],
    [e.sender, "code"], [(e.recipients || []).join(" "), "code"], [e.reason, "code"],
  ]);
}
function renderEvents() {
  $("tail-rows").replaceChildren(...events.map(eventRow));
}
function showEvent(e) {
  events.unshift(e);
  if (events.length > 50) events.length = 50;
  renderEvents();
}

async function tail() {
  if (tailAbort) tailAbort.abort();
  const ctl = new AbortController(); tailAbort = ctl;
  while (token && !ctl.signal.aborted) {
    try {
      const headers = { Authorization: "Bearer " + token, Accept: "text/event-stream" };
      if (lastId) headers["Last-Event-ID"] = lastId;
      // Opened without a start, the tail first sends the latest 50 events.
      const r = await fetch("/v1/audit/tail", { headers, signal: ctl.signal });
      if (r.status === 401) { status(t("unauthorized"), true); return; }
      if (!r.ok || !r.body) throw new Error(String(r.status));
      setLive("connected");
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i); buf = buf.slice(i + 2);
          let id = "", data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("id: ")) id = line.slice(4);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (data) { showEvent(JSON.parse(data)); lastId = id || lastId; }
        }
      }
    } catch (err) {
      if (ctl.signal.aborted) return;
    }
    setLive("disconnected");
    await new Promise((ok) => setTimeout(ok, 3000));
  }
}

let loaded = 0;           // completed refreshes with the token, for tests and screenshots
async function refresh() {
  try { await readiness(); } catch (err) { status(t("failed") + " /readyz", true); }
  if (!token) return;
  try {
    await Promise.all([loadHistory(), loadCosigned()]);
    status(""); loaded += 1;
  } catch (err) { status(err.message, true); }
}

const picker = $("lang");
for (const code of Object.keys(NAMES)) {
  const o = el("option", NAMES[code]); o.value = code; o.lang = code;
  if (RTL.includes(code)) o.dir = "rtl";
  picker.append(o);
}
picker.addEventListener("change", () => {
  lang = pick(picker.value) || "en";
  sessionStorage.setItem("palermo.lang", lang);
  applyLang();
});
$("window").addEventListener("change", () => {
  win = $("window").value === "7d" ? "7d" : "24h";
  sessionStorage.setItem("palermo.window", win);
  refresh();
});
$("token-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  token = $("token").value.trim(); $("token").value = "";
  sessionStorage.setItem("palermo.token", token);
  refresh(); tail();
});
$("forget").addEventListener("click", () => {
  token = ""; sessionStorage.removeItem("palermo.token");
  if (tailAbort) tailAbort.abort();
  events.length = 0; lastId = ""; setLive(""); hist = null; cosigned = null;
  applyLang();
});
applyLang(); refresh(); if (token) tail();
setInterval(refresh, 10000);
"""

_BODY: Final = """<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Palermo — operations</title>
<style>{style}</style>
</head>
<body>
<header>
  <h1 data-t="title">Palermo — operations</h1>
  <form id="token-form" autocomplete="off">
    <label><span data-t="token">Operator token</span>
      <input id="token" type="password" autocomplete="off" spellcheck="false"></label>
    <button type="submit" data-t="save">Save</button>
    <button type="button" id="forget" data-t="forget">Forget</button>
  </form>
  <label><span data-t="language">Language</span> <select id="lang"></select></label>
</header>
<p id="status" role="status"></p>
<main>
  <section class="wide">
    <div class="bar">
      <h2 data-t="chartTitle">Messages per hour</h2>
      <label><span data-t="window">Period</span> <select id="window">
        <option value="24h" data-t="last24h">Last 24 hours</option>
        <option value="7d" data-t="last7d">Last 7 days</option>
      </select></label>
    </div>
    <div class="legend">
      <span><span class="key acc"></span><span data-t="accepted">Accepted</span></span>
      <span><span class="key rej"></span><span data-t="rejected">Rejected</span></span>
    </div>
    <p id="partial" class="bad" data-t="partial" hidden></p>
    <div id="bars"></div>
    <details><summary data-t="dataTable">Data table</summary>
      <div class="scroll"><table>
        <thead><tr><th data-t="hourStarting">Hour starting</th>
          <th data-t="accepted">Accepted</th><th data-t="rejected">Rejected</th>
          <th data-t="rejectedBy">Rejected, by code</th></tr></thead>
        <tbody id="hours-rows"></tbody>
      </table></div>
    </details>
  </section>
  <section>
    <h2><span data-t="readiness">Readiness</span> <span id="ready" class="badge">—</span></h2>
    <table><tbody id="ready-rows"></tbody></table>
  </section>
  <section>
    <h2 data-t="checkpoint">Latest signed checkpoint</h2>
    <table><tbody>
      <tr><th data-t="size">Tree size</th><td id="cp-size" class="num">—</td></tr>
      <tr><th data-t="root">Root hash</th><td id="cp-root" class="code hash">—</td></tr>
      <tr><th data-t="published">Published</th><td id="cp-time">—</td></tr>
    </tbody></table>
    <h3 data-t="cosignatures">Witness cosignatures</h3>
    <p id="no-cosig" data-t="noCosignatures">No cosignatures</p>
    <table id="cosig-table" hidden>
      <thead><tr><th data-t="witness">Witness</th><th data-t="cosignedAt">Cosigned at</th>
        <th data-t="cosignedSize">Tree size cosigned</th></tr></thead>
      <tbody id="cosig-rows"></tbody>
    </table>
  </section>
  <section>
    <h2 data-t="lags">Consumer lag</h2>
    <div id="lag"></div>
    <details><summary data-t="dataTable">Data table</summary>
      <div class="scroll"><table>
        <thead><tr><th data-t="readingAt">Reading at</th>
          <th data-t="allConsumers">All consumers</th></tr></thead>
        <tbody id="lag-hist-rows"></tbody>
      </table></div>
    </details>
    <table>
      <thead><tr><th data-t="consumer">Consumer</th><th data-t="waiting">Waiting</th></tr></thead>
      <tbody id="lag-rows"></tbody>
    </table>
  </section>
  <section>
    <h2 data-t="traffic">Traffic per authority</h2>
    <table>
      <thead><tr><th data-t="authority">Authority</th><th data-t="sent">Sent</th>
        <th data-t="received">Received</th><th data-t="rejected">Rejected</th></tr></thead>
      <tbody id="traffic-rows"></tbody>
    </table>
  </section>
  <section>
    <h2 data-t="failures">Dead letters and non-deliveries</h2>
    <table>
      <thead><tr><th data-t="event">Event</th><th data-t="reason">Reason</th>
        <th data-t="count">Count</th></tr></thead>
      <tbody id="failure-rows"></tbody>
    </table>
  </section>
  <section class="wide">
    <h2 data-t="latest">Latest</h2>
    <div class="scroll"><table>
      <thead><tr><th data-t="seq">Seq</th><th data-t="time">Time</th><th data-t="event">Event</th>
        <th data-t="kind">Kind</th><th data-t="sender">Sender</th>
        <th data-t="recipients">Recipients</th><th data-t="reason">Reason</th></tr></thead>
      <tbody id="recent-rows"></tbody>
    </table></div>
  </section>
  <section class="wide">
    <h2><span data-t="tail">Live audit tail</span> <small id="live"></small></h2>
    <div class="scroll"><table>
      <thead><tr><th data-t="seq">Seq</th><th data-t="time">Time</th><th data-t="event">Event</th>
        <th data-t="kind">Kind</th><th data-t="sender">Sender</th>
        <th data-t="recipients">Recipients</th><th data-t="reason">Reason</th></tr></thead>
      <tbody id="tail-rows"></tbody>
    </table></div>
  </section>
</main>
<script>{script}</script>
</body>
</html>
"""


def _json(value: object) -> str:
    # "</" cannot end the script element early: every "<" is escaped.
    return json.dumps(value, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


SCRIPT: Final = (
    _SCRIPT.replace("__LABELS__", _json(ops_i18n.table()))
    .replace("__NAMES__", json.dumps(ops_i18n.NAMES, ensure_ascii=False))
    .replace("__RTL__", json.dumps(sorted(ops_i18n.RTL)))
    .replace("__LOCALES__", json.dumps(ops_i18n.LOCALES))
)
"""The page's script, labels included."""

PAGE: Final = _BODY.replace("{style}", _STYLE).replace("{script}", SCRIPT).encode()
"""The page, UTF-8."""

CSP: Final = (
    "default-src 'none'; "
    f"style-src {_csp_hash(_STYLE)}; script-src {_csp_hash(SCRIPT)}; "
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
"""Content-Security-Policy of the page: its own inline style and script, its own origin."""
