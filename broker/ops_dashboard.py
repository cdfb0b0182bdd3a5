"""The operator dashboard: one self-contained page, English and Arabic (right to left).

The page is static and holds no data, so it is served without a token. The operator
types the token; the page keeps it in `sessionStorage` (gone when the tab closes) and
sends it as a bearer header on every call. The live tail is read with `fetch()` and a
stream reader rather than `EventSource`, which cannot send headers: the token never
goes into a URL, where access logs and browser history would keep it.

A Content-Security-Policy allows only the page's own inline style and script (by hash)
and requests to its own origin.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Final

_STYLE: Final = """
:root { color-scheme: light dark; --line: #8884; --ok: #1a7f37; --bad: #c62828; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, "Noto Sans", "Noto Sans Arabic", sans-serif; margin: 0; }
header { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center;
  padding: .75rem 1rem; border-block-end: 1px solid var(--line); }
header h1 { font-size: 1.15rem; margin: 0; margin-inline-end: auto; }
main { display: grid; gap: 1rem; padding: 1rem;
  grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }
section { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: start; padding: .2rem .4rem; border-block-end: 1px solid var(--line); }
td.num { text-align: end; font-variant-numeric: tabular-nums; }
.code { font-family: ui-monospace, monospace; direction: ltr; unicode-bidi: isolate;
  word-break: break-all; }
.ok { color: var(--ok); } .bad { color: var(--bad); }
#status { min-height: 1.4em; padding: 0 1rem; }
input { min-width: 16rem; }
"""

_SCRIPT: Final = r"""
"use strict";
const T = {
  en: {
    title: "Palermo — operations", token: "Operator token", save: "Save", forget: "Forget",
    readiness: "Readiness", ready: "Ready", notReady: "Not ready",
    directory_loaded: "Directory loaded", directory_fresh: "Directory fresh",
    nats_connected: "NATS connected", audit_appends_ok: "Audit appends succeed",
    sequencer: "Sequencer", leading: "leading", standby: "standby", halted: "halted",
    counts: "Messages, last 24 hours", accepted: "Accepted", rejectedBy: "Rejected, by code",
    suppressed: "Counts from 1 to 4 are shown as <5.", none: "none",
    checkpoint: "Latest signed checkpoint", size: "Tree size", root: "Root hash",
    lags: "Consumer lag", consumer: "Consumer", waiting: "Waiting",
    tail: "Live audit tail", seq: "Seq", time: "Time", event: "Event", kind: "Kind",
    sender: "Sender", recipients: "Recipients", reason: "Reason",
    connected: "Live", disconnected: "Reconnecting…", utc: "UTC",
    needToken: "Enter the operator token to load data.",
    unauthorized: "The token was refused.", failed: "Request failed:",
    yes: "yes", no: "no", other: "العربية",
    ev: { accepted: "accepted", rejected: "rejected", delivered: "delivered",
      retrieved: "retrieved", non_retrieval: "not retrieved", non_delivery: "non-delivery",
      dead_letter: "dead letter", directory: "directory change" },
  },
  ar: {
    title: "باليرمو — لوحة التشغيل", token: "رمز المشغّل", save: "حفظ", forget: "مسح",
    readiness: "الجاهزية", ready: "جاهز", notReady: "غير جاهز",
    directory_loaded: "تم تحميل الدليل", directory_fresh: "الدليل ساري الصلاحية",
    nats_connected: "الاتصال بخادم NATS", audit_appends_ok: "نجاح الإضافة إلى سجل التدقيق",
    sequencer: "مُرتِّب السجل", leading: "قائد", standby: "احتياطي", halted: "متوقف",
    counts: "الرسائل خلال آخر 24 ساعة", accepted: "المقبولة", rejectedBy: "المرفوضة حسب الرمز",
    suppressed: "تُعرض الأعداد من 1 إلى 4 على شكل ‎<5‎.", none: "لا شيء",
    checkpoint: "آخر نقطة تحقق موقّعة", size: "حجم الشجرة", root: "تجزئة الجذر",
    lags: "تأخر المستهلكين", consumer: "المستهلك", waiting: "في الانتظار",
    tail: "سجل التدقيق المباشر", seq: "التسلسل", time: "الوقت", event: "الحدث",
    kind: "النوع", sender: "المرسِل", recipients: "المستلمون", reason: "السبب",
    connected: "مباشر", disconnected: "جارٍ إعادة الاتصال…", utc: "بالتوقيت العالمي",
    needToken: "أدخل رمز المشغّل لتحميل البيانات.",
    unauthorized: "تم رفض الرمز.", failed: "فشل الطلب:",
    yes: "نعم", no: "لا", other: "English",
    ev: { accepted: "مقبولة", rejected: "مرفوضة", delivered: "مُسلَّمة",
      retrieved: "مُستلَمة", non_retrieval: "تعذّر الاستلام", non_delivery: "عدم التسليم",
      dead_letter: "رسالة غير مُسلَّمة", directory: "تغيير في الدليل" },
  },
};
let lang = sessionStorage.getItem("palermo.lang") === "ar" ? "ar" : "en";
let token = sessionStorage.getItem("palermo.token") || "";
let lastId = "";
let live = "";            // "connected", "disconnected" or "": the badge, re-translated
const events = [];        // the rows shown, newest first, re-rendered on a language switch
let tailAbort = null;
const $ = (id) => document.getElementById(id);
const t = (key) => T[lang][key] ?? key;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function row(cells) {
  const tr = document.createElement("tr");
  for (const [text, cls] of cells) tr.append(el("td", text, cls));
  return tr;
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
  document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
  document.title = t("title");
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  $("lang").textContent = t("other");
  setLive(live); renderEvents();
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
  const body = await r.json();
  $("ready").textContent = body.ready ? t("ready") : t("notReady");
  $("ready").className = body.ready ? "ok" : "bad";
  const tb = $("ready-rows"); tb.replaceChildren();
  for (const k of ["directory_loaded", "directory_fresh", "nats_connected", "audit_appends_ok"]) {
    tb.append(row([[t(k)], [body[k] ? t("yes") : t("no"), body[k] ? "ok" : "bad"]]));
  }
  const s = body.sequencer || {};
  const state = s.error ? t("halted") : s.leading ? t("leading") : t("standby");
  const size = s.published_size ?? 0;
  tb.append(row([[t("sequencer")], [state + " · " + size, s.error ? "bad" : ""]]));
}

async function counts() {
  const since = Date.now() - 24 * 3600 * 1000;
  const s = await api("/v1/stats?since_ms=" + since);
  $("accepted").textContent = s.by_event.accepted ?? 0;
  const tb = $("reasons"); tb.replaceChildren();
  const rejected = s.by_reason.rejected || {};
  const codes = Object.keys(rejected);
  if (!codes.length) tb.append(row([[t("none")], [""]]));
  for (const code of codes) tb.append(row([[code, "code"], [rejected[code], "num"]]));
}

async function checkpoint() {
  const text = await api("/v1/checkpoint", "text/plain");
  const lines = text ? text.split("\n") : [];
  $("cp-size").textContent = lines[1] ?? "—";
  $("cp-root").textContent = lines[2] ?? "—";
}

async function lags() {
  const text = await api("/metrics", "text/plain");
  const tb = $("lags"); tb.replaceChildren();
  const re = /^palermo_consumer_lag\{consumer="([^"]+)"\} ([0-9.e+]+)$/;
  for (const line of (text || "").split("\n")) {
    const m = re.exec(line);
    if (m) tb.append(row([[m[1], "code"], [Number(m[2]), "num"]]));
  }
}

function eventRow(e) {
  // Times are UTC, and say so: operators in several countries read the same page.
  const when = new Date(e.time_ms).toISOString().replace("T", " ").slice(0, 19);
  return row([
    [e.seq, "num"], [when + " " + t("utc"), "code"],
    [T[lang].ev[e.event] ?? e.event], [e.kind, "code"], [e.sender, "code"],
    [(e.recipients || []).join(" "), "code"], [e.reason, "code"],
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

async function refresh() {
  try { await readiness(); } catch (err) { status(t("failed") + " /readyz", true); }
  if (!token) return;
  try {
    await Promise.all([counts(), checkpoint(), lags()]);
    status("");
  } catch (err) { status(err.message, true); }
}

$("lang").addEventListener("click", () => {
  lang = lang === "ar" ? "en" : "ar";
  sessionStorage.setItem("palermo.lang", lang);
  applyLang(); refresh();
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
  events.length = 0; lastId = ""; setLive("");
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
  <button type="button" id="lang" lang="ar">العربية</button>
</header>
<p id="status" role="status"></p>
<main>
  <section>
    <h2><span data-t="readiness">Readiness</span>: <span id="ready">—</span></h2>
    <table><tbody id="ready-rows"></tbody></table>
  </section>
  <section>
    <h2 data-t="counts">Messages, last 24 hours</h2>
    <p><span data-t="accepted">Accepted</span>: <strong id="accepted">—</strong></p>
    <h2 data-t="rejectedBy">Rejected, by code</h2>
    <table><tbody id="reasons"></tbody></table>
    <p><small data-t="suppressed">Counts from 1 to 4 are shown as &lt;5.</small></p>
  </section>
  <section>
    <h2 data-t="checkpoint">Latest signed checkpoint</h2>
    <p><span data-t="size">Tree size</span>: <strong id="cp-size" class="code">—</strong></p>
    <p><span data-t="root">Root hash</span>: <span id="cp-root" class="code">—</span></p>
  </section>
  <section>
    <h2 data-t="lags">Consumer lag</h2>
    <table>
      <thead><tr><th data-t="consumer">Consumer</th><th data-t="waiting">Waiting</th></tr></thead>
      <tbody id="lags"></tbody>
    </table>
  </section>
  <section class="wide">
    <h2><span data-t="tail">Live audit tail</span> <small id="live"></small></h2>
    <table>
      <thead><tr><th data-t="seq">Seq</th><th data-t="time">Time</th><th data-t="event">Event</th>
        <th data-t="kind">Kind</th><th data-t="sender">Sender</th>
        <th data-t="recipients">Recipients</th><th data-t="reason">Reason</th></tr></thead>
      <tbody id="tail-rows"></tbody>
    </table>
  </section>
</main>
<script>{script}</script>
</body>
</html>
"""


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


PAGE: Final = _BODY.replace("{style}", _STYLE).replace("{script}", _SCRIPT).encode()
"""The page, UTF-8."""

CSP: Final = (
    "default-src 'none'; "
    f"style-src {_csp_hash(_STYLE)}; script-src {_csp_hash(_SCRIPT)}; "
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
"""Content-Security-Policy of the page: its own inline style and script, its own origin."""
