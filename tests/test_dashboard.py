"""The dashboard's translations, its CSP hashes, the Grafana dashboard and the metrics
documentation, checked against the page and the broker's real metric registry."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from itertools import combinations
from pathlib import Path
from typing import get_args

from prometheus_client.metrics import MetricWrapperBase

from broker import ops_i18n
from broker.metrics import Metrics
from broker.ops_dashboard import CSP, PAGE, SCRIPT
from schemas.audit import AuditEventType

ROOT = Path(__file__).resolve().parent.parent
GRAFANA = ROOT / "deploy" / "grafana" / "palermo-dashboard.json"
OPS_API = ROOT / "docs" / "ops-api.md"


def _page_keys() -> set[str]:
    """Every label key the page asks for by name."""
    page = PAGE.decode()
    keys = set(re.findall(r'data-t="([A-Za-z_0-9]+)"', page))
    keys |= set(re.findall(r'\bt\("([A-Za-z_0-9]+)"\)', SCRIPT))
    keys |= {"connected", "disconnected"}  # setLive(state) → t(state)
    keys |= {"accepted", "rejected", "last24h", "last7d"}  # chosen by a condition
    keys |= {f"ev_{event}" for event in get_args(AuditEventType)}  # t("ev_" + e.event)
    checks = re.search(
        r"for \(const k of \[([^\]]+)\]\) \{\n    tb.append\(row\(\[\[t\(k\)", SCRIPT
    )
    assert checks is not None
    keys |= set(re.findall(r'"([a-z_]+)"', checks.group(1)))  # readiness checks: t(k)
    return keys


def test_every_label_has_a_text_in_every_language() -> None:
    """Every key the page uses is in the table, and every key of the table has a
    non-empty text in each of the six languages, and the table has no key the page
    never uses."""
    keys = _page_keys()
    assert set(ops_i18n.LANGUAGES) == {"ar", "zh", "en", "fr", "ru", "es"}
    assert keys == set(ops_i18n.LABELS)
    for key, texts in ops_i18n.LABELS.items():
        assert set(texts) == set(ops_i18n.LANGUAGES), key
        for lang, text in texts.items():
            assert text.strip() == text, (key, lang)
            assert text, (key, lang)


def test_no_language_falls_back_to_another() -> None:
    """No label has the same text in two languages, so none shows another's words; the
    scripts are the languages' own (Arabic letters in Arabic, Han in Chinese, Cyrillic
    in Russian)."""
    for key, texts in ops_i18n.LABELS.items():
        for a, b in combinations(ops_i18n.LANGUAGES, 2):
            assert texts[a] != texts[b], (key, a, b)
        assert re.search(r"[\u0600-\u06ff]", texts["ar"]), key
        assert re.search(r"[\u4e00-\u9fff]", texts["zh"]), key
        assert re.search(r"[\u0400-\u04ff]", texts["ru"]) or key == "seq", key


def test_picker_names_each_language_in_itself_and_arabic_is_rtl() -> None:
    """The picker lists the six languages by their own names, and only Arabic is
    written right to left; the page embeds exactly this table."""
    assert list(ops_i18n.NAMES) == list(ops_i18n.LANGUAGES)
    assert ops_i18n.NAMES["zh"] == "中文"
    assert ops_i18n.NAMES["ar"] == "العربية"
    assert set(ops_i18n.RTL) == {"ar"}
    start = SCRIPT.index("const T = ") + len("const T = ")
    embedded = json.loads(SCRIPT[start : SCRIPT.index(";\n", start)])
    assert embedded == ops_i18n.table()


def test_csp_pins_the_served_script_and_style() -> None:
    """The CSP's hashes are those of the exact inline script and style of the page
    (labels included), and it allows nothing inline otherwise and no other origin."""
    page = PAGE.decode()
    script = page[page.index("<script>") + 8 : page.index("</script>")]
    style = page[page.index("<style>") + 7 : page.index("</style>")]
    for source, directive in ((script, "script-src"), (style, "style-src")):
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}';" in CSP
    assert "unsafe-inline" not in CSP
    assert "connect-src 'self'" in CSP
    assert page.count("<script") == 1
    assert "</" not in script.replace("<\\/", "")


def _sample_names() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Sample name → (family type, label names) for every sample the broker's registry
    can expose."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    metrics = Metrics()
    for metric in vars(metrics).values():
        if not isinstance(metric, MetricWrapperBase):
            continue
        name, kind, labels = metric._name, str(metric._type), tuple(metric._labelnames)
        suffixes = {
            "counter": ("_total", "_created"),
            "histogram": ("_bucket", "_sum", "_count", "_created"),
            "gauge": ("",),
        }[kind]
        for suffix in suffixes:
            extra = ("le",) if suffix == "_bucket" else ()
            out[name + suffix] = (kind, labels + extra)
    return out


def test_grafana_queries_only_metrics_the_broker_exposes() -> None:
    """Every metric the Grafana dashboard's PromQL names is one the broker's registry
    exposes, every label it groups by exists on that metric, and the panels cover
    outcomes by code, latency quantiles, consumer lag, tree size, dead letters and
    shed API requests."""
    dashboard = json.loads(GRAFANA.read_text())
    names = _sample_names()
    used: set[str] = set()
    assert dashboard["uid"] == "palermo-broker"
    assert dashboard["title"]
    assert dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["title"], panel["id"]
        assert panel["description"], panel["id"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            expr = target["expr"]
            found = set(re.findall(r"\bpalermo_[a-z_]+\b", expr))
            assert found, expr
            for name in found:
                assert name in names, f"{panel['title']}: {name} is not a broker metric"
                for label in re.findall(r"by \(([a-z_, ]+)\)", expr):
                    for one in label.replace(" ", "").split(","):
                        assert one in names[name][1], f"{name} has no label {one}"
            used |= found
    assert {
        "palermo_messages_accepted_total",
        "palermo_messages_rejected_total",
        "palermo_pipeline_latency_seconds_bucket",
        "palermo_consumer_lag",
        "palermo_audit_tree_size",
        "palermo_dead_lettered_total",
        "palermo_api_requests_shed_total",
    } <= used
    assert any("histogram_quantile(0.99" in t["expr"] for p in dashboard["panels"]
               for t in p["targets"])  # fmt: skip


def test_docs_list_every_metric_with_type_and_labels() -> None:
    """docs/ops-api.md's metrics table lists every metric family of the registry, no
    other, each with its type and labels."""
    rows = re.findall(
        r"^\| `(palermo_[a-z_]+)` \| (counter|gauge|histogram) \|([^|]*)\|",
        OPS_API.read_text(),
        re.MULTILINE,
    )
    documented = {
        name: (kind, tuple(re.findall(r"`([a-z_]+)`", labels))) for name, kind, labels in rows
    }
    expected: dict[str, tuple[str, tuple[str, ...]]] = {}
    for metric in vars(Metrics()).values():
        if isinstance(metric, MetricWrapperBase):
            kind, labels = str(metric._type), tuple(metric._labelnames)
            name = metric._name + ("_total" if kind == "counter" else "")
            expected[name] = (kind, labels + (("le",) if kind == "histogram" else ()))
    assert documented == expected
