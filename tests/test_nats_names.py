"""The NATS names in `schemas.nats_names` are the ones the wire spec gives authorities."""

from __future__ import annotations

from pathlib import Path

from schemas import nats_names as n

SPEC = (Path(__file__).resolve().parents[1] / "docs" / "wire-format.md").read_text()


def test_names_an_authority_uses_are_the_specified_ones() -> None:
    """Subjects, consumer, stream and headers an endpoint relies on are spelled as the
    spec says; renaming one breaks every implementation in another language."""
    documented = {
        "`palermo.in.<sender>`": n.ingress_subject("ng-naptip").replace("ng-naptip", "<sender>"),
        "`palermo.out.<id>`": n.delivery_subject("it-dna").replace("it-dna", "<id>"),
        "`inbox-<id>`": n.inbox_consumer("it-dna").replace("it-dna", "<id>"),
        "`PALERMO_DELIVERY`": n.DELIVERY,
        "`Nats-Msg-Id`": n.HEADER_MSG_ID,
        "`Palermo-Type`": n.HEADER_TYPE,
        "`Palermo-Sender`": n.HEADER_SENDER,
        "`Palermo-Audit-Seq`": n.HEADER_AUDIT_SEQ,
        "`Palermo-Accepted-Ms`": n.HEADER_ACCEPTED_MS,
        "`envelope`": n.TYPE_ENVELOPE,
        "`notices`": n.TYPE_NOTICES,
    }
    for spelled, name in documented.items():
        assert spelled in SPEC, spelled
        assert spelled.strip("`") == name


def test_per_authority_names() -> None:
    """Every per-authority name is the authority id in a fixed frame."""
    assert n.ingress_subject("ng-naptip") == "palermo.in.ng-naptip"
    assert n.delivery_subject("ng-naptip") == "palermo.out.ng-naptip"
    assert n.inbox_consumer("ng-naptip") == "inbox-ng-naptip"
    assert n.inbox_consumer("ng-naptip").startswith(n.INBOX_CONSUMER_PREFIX)
    assert n.evidence_bucket("ng-naptip") == "PALERMO_EVIDENCE_ng-naptip"
    assert n.object_stream(n.evidence_bucket("ng-naptip")) == "OBJ_PALERMO_EVIDENCE_ng-naptip"
    assert n.reply_prefix("ng-naptip") == "_INBOX_ng-naptip"
    assert n.directory_record_key("ng-naptip") == "rec.ng-naptip"
    assert n.kv_stream(n.KV_DIRECTORY) == "KV_PALERMO_DIRECTORY"
    assert n.kv_subject_prefix(n.KV_SEEN) == "$KV.PALERMO_SEEN."
    assert n.kv_stream(n.KV_SEEN) == n.KV_SEEN_STREAM
