"""The nats-server accounts and permissions, generated from the directory.

One account, `PALERMO`, holds every stream, consumer and bucket and the broker's
user. Each active authority gets an account of its own with one NKEY user and no
JetStream; it reaches the `PALERMO` account only through service imports that name
exactly what it may do: publish on its own ingress subject, pull and ack from its own
inbox consumer, read the directory and checkpoint buckets, ask the broker's
request-reply API, write and purge its own evidence bucket and read the others'.

Why an account per authority rather than one shared account with subject
permissions: within one account, a user allowed any JetStream API request chooses
the request's reply subject, and the server publishes the answer there as itself,
past that user's publish permissions. A direct get with reply `palermo.out.<other>`
files the bytes and headers of a message the user wrote into the other authority's
inbox, past the broker's checks and audit; a push consumer's deliver subject does
the same. Behind an account boundary those replies land in the requester's own
account, where nothing listens. No authority may create a consumer either, since
the consumer's deliver subject is the creator's choice (nats-server 2.15 does not
check it against the creator's permissions): nats-py's key-value `watch` and
object-store `get` need one, so endpoints read buckets with direct or message gets.

Authentication is by NKEY: the config holds Ed25519 public keys only, so no secret
lives on the servers; each gateway keeps its seed. A NATS key is its own key pair,
never the authority's directory signing key: the server picks the nonce it is signed
over, and no key signs two protocols' inputs.

Every authority account carries limits the server enforces (`AccountLimits`, from
the broker configuration's `[quotas]`): connections, subscriptions, payload size and
leaf node connections. An authority account has no JetStream, so it has no JetStream
limits of its own: the only data an authority can store is its evidence, which lives
in the `PALERMO` account in a bucket with a byte quota the broker sets
(`broker.quotas`). The `PALERMO` account's own file store can be capped with
`max_file` (`store_bytes`), which also tells the broker the store's size.

The directory governors get a user of their own in the `PALERMO` account when their
NKEY is given (`governor_grants`): enough to read and write the directory bucket,
register an authority's inbox consumer and evidence bucket, file the directory's
audit event and read the audit log for an export, and nothing that touches the
messages in flight (no ingress, no delivery, no inbox pull).

Suspended and revoked authorities get no account and no user: they cannot connect.
Their evidence buckets stay readable to the others, who may hold messages that point
into them. The output is deterministic (sorted, no timestamps) so that a review of a
regenerated file shows exactly the access that changed.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import msgspec

from schemas.directory import AuthorityRecord
from schemas.errors import ProtocolError
from schemas.keys import check_authority_id
from schemas.nats_names import API_SUBJECTS, AUDIT, AUDIT_SUBJECT, KV_TREE, kv_stream, object_stream

from .config import QuotaConfig
from .errors import ConfigError
from .topology import (
    DELIVERY,
    KV_CHECKPOINTS,
    KV_DIRECTORY,
    evidence_bucket,
    inbox_consumer,
    ingress_subject,
    reply_prefix,
)

BROKER_ACCOUNT = "PALERMO"
"""The broker's request-reply API (proofs, checkpoints) every authority may call."""
READABLE_BUCKETS = (KV_DIRECTORY, KV_CHECKPOINTS)
DEFAULT_DOMAIN = "palermo"
"""The JetStream domain endpoints name. An authority's account has no JetStream, and
for such an account the server answers every `$JS.API.>` request itself ("not
enabled"), racing any import of the same subject; so the imports live under a domain
prefix instead, which works on a direct connection and across a leaf node alike. The
hub's own `jetstream { domain }` must be another name (e.g. `hub`): the server maps
its own domain's prefix back to `$JS.API` in every account, before permissions."""

_DOMAIN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ACCOUNT = re.compile(r"[A-Z][A-Z0-9_]{0,31}")
_NKEY = re.compile(r"U[A-Z2-7]{55}")
_NKEY_USER_PREFIX = 20 << 3  # the byte that base32-encodes to 'U' (nkeys' PREFIX_BYTE_USER)


class NatsConfigError(ConfigError):
    """Directory records or keys from which no safe server configuration can be made."""


@dataclass(frozen=True)
class AccountLimits:
    """What nats-server allows each authority account (`limits` in its account block).

    The defaults are `QuotaConfig`'s; `from_quotas` takes them from the configuration.
    """

    max_connections: int = 32
    max_subscriptions: int = 1_000
    max_payload: int = 512 * 1024
    max_leafnodes: int = 4

    def __post_init__(self) -> None:
        for name in ("max_connections", "max_subscriptions", "max_payload"):
            if getattr(self, name) < 1:
                raise NatsConfigError(f"{name} must be at least 1 (0 would mean no limit)")
        if self.max_leafnodes < 0:
            raise NatsConfigError("max_leafnodes must not be negative")

    @classmethod
    def from_quotas(cls, quotas: QuotaConfig) -> AccountLimits:
        """The limits of the configuration's `[quotas]`."""
        return cls(
            quotas.max_connections,
            quotas.max_subscriptions,
            quotas.max_payload,
            quotas.max_leafnodes,
        )

    def block(self) -> dict[str, object]:
        """The account's `limits` map."""
        return {
            "max_connections": self.max_connections,
            "max_subscriptions": self.max_subscriptions,
            "max_payload": self.max_payload,
            "max_leafnodes": self.max_leafnodes,
        }


def check_user_nkey(value: str) -> str:
    """Return `value` if it is a NATS user public NKEY, else raise `NatsConfigError`.

    An NKEY is base32 (no padding) of the prefix byte, the 32-byte Ed25519 public key
    and a CRC-16 (XMODEM, little-endian) of both; the check catches a mistyped key
    and anything that is not one (a seed starts with 'S' and is refused here).
    """
    if not _NKEY.fullmatch(value):
        raise NatsConfigError(
            f"{value[:8]!r}... is not a NATS user public key (56 base32 chars starting 'U')"
        )
    try:
        raw = base64.b32decode(value)
    except binascii.Error as exc:
        raise NatsConfigError(f"{value[:8]!r}... is not valid base32") from exc
    body, crc = raw[:-2], int.from_bytes(raw[-2:], "little")
    if body[0] != _NKEY_USER_PREFIX or _crc16(body) != crc:
        raise NatsConfigError(f"{value[:8]!r}... fails its NKEY checksum")
    return value


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        crc &= 0xFFFF
    return crc


def api_prefix(domain: str) -> str:
    """The JetStream API prefix an authority's endpoint uses: `$JS.<domain>.API`, what
    nats-py sends for `nc.jetstream(domain=domain)`."""
    if not _DOMAIN.fullmatch(domain):
        raise NatsConfigError(f"{domain[:40]!r} is not a JetStream domain name")
    return f"$JS.{domain}.API"


@dataclass(frozen=True)
class Grant:
    """One subject an authority may publish: its name in the authority's account
    (`local`) and the `PALERMO` service it is imported from (`remote`)."""

    local: str
    remote: str
    stream_response: bool = False
    """The service answers one request with many messages (a pull request)."""


def authority_grants(
    authority: str, readable_evidence: Iterable[str], *, domain: str = DEFAULT_DOMAIN
) -> list[Grant]:
    """Everything `authority` may publish, in order; nothing else reaches `PALERMO`.

    `readable_evidence` lists the authorities whose evidence buckets it may read.
    """
    check_authority_id(authority)
    local_api = api_prefix(domain)

    def api(suffix: str, **kw: bool) -> Grant:
        return Grant(f"{local_api}.{suffix}", f"$JS.API.{suffix}", **kw)

    inbox = f"{DELIVERY}.{inbox_consumer(authority)}"
    own_evidence = f"OBJ_{evidence_bucket(authority)}"
    grants = [
        Grant(ingress_subject(authority), ingress_subject(authority)),
        api(f"CONSUMER.MSG.NEXT.{inbox}", stream_response=True),
        api(f"CONSUMER.INFO.{inbox}"),
        # Ack subjects are the reply subjects of delivered messages; they carry no API
        # prefix, whatever the domain.
        Grant(f"$JS.ACK.{inbox}.>", f"$JS.ACK.{inbox}.>"),
        Grant(API_SUBJECTS, API_SUBJECTS),
        Grant(f"$O.{evidence_bucket(authority)}.>", f"$O.{evidence_bucket(authority)}.>"),
        api(f"STREAM.PURGE.{own_evidence}"),
    ]
    readable = [kv_stream(b) for b in READABLE_BUCKETS]
    readable += [object_stream(evidence_bucket(a)) for a in sorted(set(readable_evidence))]
    for stream in readable:
        grants += [
            api(f"STREAM.INFO.{stream}"),
            api(f"STREAM.MSG.GET.{stream}"),
            api(f"DIRECT.GET.{stream}"),
            api(f"DIRECT.GET.{stream}.>"),
        ]
    return grants


def governor_grants() -> list[str]:
    """What the governors' user may publish in the `PALERMO` account, in order.

    The governors hold the directory root key, so they are trusted with the directory;
    these rights keep a stolen governor credential away from the messages themselves:
    it cannot publish an envelope, pull an inbox or delete a stream.
    """
    directory = kv_stream(KV_DIRECTORY)
    return [
        "$JS.API.INFO",
        # The directory bucket: list, read, write records and the head.
        f"$JS.API.STREAM.INFO.{directory}",
        f"$JS.API.STREAM.MSG.GET.{directory}",
        f"$JS.API.DIRECT.GET.{directory}",
        f"$JS.API.DIRECT.GET.{directory}.>",
        f"$KV.{KV_DIRECTORY}.>",
        # Registering an authority: its inbox consumer (pull, no deliver subject) and
        # its evidence bucket with the configured quota; the budget check reads the
        # other streams' sizes.
        f"$JS.API.CONSUMER.CREATE.{DELIVERY}.>",
        f"$JS.API.CONSUMER.DURABLE.CREATE.{DELIVERY}.*",
        "$JS.API.STREAM.NAMES",
        "$JS.API.STREAM.LIST",
        "$JS.API.STREAM.INFO.*",
        # A subject wildcard matches whole tokens only, and a new authority's bucket
        # name is not known when this file is generated: stream creation and update
        # cannot be narrowed to the evidence buckets here (no delete, no purge).
        "$JS.API.STREAM.CREATE.*",
        "$JS.API.STREAM.UPDATE.*",
        # The directory change's audit event; reading the audit log, its checkpoints
        # and its tree tiles for an export.
        AUDIT_SUBJECT,
        f"$JS.API.DIRECT.GET.{AUDIT}",
        f"$JS.API.STREAM.MSG.GET.{AUDIT}",
        *(
            grant
            for stream in (kv_stream(KV_CHECKPOINTS), kv_stream(KV_TREE))
            for grant in (
                f"$JS.API.DIRECT.GET.{stream}",
                f"$JS.API.DIRECT.GET.{stream}.>",
                f"$JS.API.STREAM.MSG.GET.{stream}",
            )
        ),
    ]


def render_accounts(
    records: Iterable[AuthorityRecord],
    *,
    broker_nkey: str,
    authority_nkeys: Mapping[str, str],
    domain: str = DEFAULT_DOMAIN,
    account: str = BROKER_ACCOUNT,
    limits: AccountLimits | None = None,
    store_bytes: int | None = None,
    governor_nkey: str | None = None,
) -> str:
    """The server's `accounts { ... }` block, as configuration text.

    `records` are the directory's current records (the highest serial per id wins);
    `authority_nkeys` maps authority id to the public NKEY its endpoint connects with;
    `broker_nkey` is the broker's. `domain` is the JetStream domain endpoints pass
    to `nc.jetstream(domain=...)` (see `DEFAULT_DOMAIN`). `limits` bound each authority
    account (default `AccountLimits()`); `store_bytes`, if given, caps the broker
    account's file store (`jetstream { max_file }`). An active authority without
    a key gets no user (the output says so in a comment), nor does a suspended or
    revoked one, whatever keys are given; a key for an id the directory does not
    hold, a malformed or reused key, or a bad domain raise `NatsConfigError`.
    `governor_nkey`, if given, is the directory governors' user in the broker account
    (`governor_grants`).
    """
    if not _ACCOUNT.fullmatch(account):
        raise NatsConfigError(f"{account[:40]!r} is not an account name (A-Z, 0-9, _)")
    api_prefix(domain)
    latest = _latest(records)
    active = sorted(a for a, r in latest.items() if r.status == "active")
    for authority in authority_nkeys:
        if authority not in latest:
            raise NatsConfigError(
                f"a NATS key is given for {authority[:40]!r}, not in the directory"
            )
    keyed = [a for a in active if a in authority_nkeys]
    keys = [check_user_nkey(broker_nkey), *map(check_user_nkey, authority_nkeys.values())]
    if governor_nkey is not None:
        keys.append(check_user_nkey(governor_nkey))
    if len(set(keys)) != len(keys):
        raise NatsConfigError("one NATS key is given to two users")

    if store_bytes is not None and store_bytes < 1:
        raise NatsConfigError(f"store size {store_bytes} is not a positive byte count")
    limits = limits or AccountLimits()
    grants = {a: authority_grants(a, latest, domain=domain) for a in keyed}
    lines = [
        "# Generated from the directory: do not edit; regenerate.",
        f"# Directory serial {max((r.serial for r in latest.values()), default=0)}; "
        f"endpoint JetStream domain {domain}.",
        *(f"# {a}: active, but no NATS key was given: no user." for a in active if a not in keyed),
        *(f"# {a}: {latest[a].status}: no user." for a in sorted(latest) if a not in active),
        "accounts {",
        *_indent(_broker_account(account, broker_nkey, grants, store_bytes, governor_nkey)),
        *(
            line
            for a in keyed
            for line in _indent(
                _authority_account(a, authority_nkeys[a], account, grants[a], limits)
            )
        ),
        "}",
    ]
    return "\n".join(lines) + "\n"


def _latest(records: Iterable[AuthorityRecord]) -> dict[str, AuthorityRecord]:
    latest: dict[str, AuthorityRecord] = {}
    for record in records:
        try:
            check_authority_id(record.id)
        except ProtocolError as exc:
            raise NatsConfigError(str(exc)) from exc
        if record.id not in latest or record.serial > latest[record.id].serial:
            latest[record.id] = record
    return latest


def _broker_account(
    account: str,
    nkey: str,
    grants: Mapping[str, list[Grant]],
    store_bytes: int | None,
    governor_nkey: str | None = None,
) -> list[str]:
    # The broker may do anything in its account except publish on an ingress
    # subject: an envelope on `palermo.in.<id>` was sent by that authority's user.
    broker_user = {
        "nkey": nkey,
        "permissions": {
            "publish": {"allow": [">"], "deny": ["palermo.in.>"]},
            "subscribe": {"allow": [">"]},
        },
        "allowed_connection_types": ["STANDARD"],
    }
    users = [broker_user]
    if governor_nkey is not None:
        users.append(
            {
                "nkey": governor_nkey,
                "permissions": {
                    "publish": {"allow": governor_grants()},
                    "subscribe": {"allow": ["_INBOX.>"]},
                },
                "allowed_connection_types": ["STANDARD"],
            }
        )
    importers: dict[tuple[str, bool], list[str]] = {}
    for authority, granted in grants.items():
        for grant in granted:
            importers.setdefault((grant.remote, grant.stream_response), []).append(authority)
    exports = [
        {
            "service": subject,
            **({"response_type": "stream"} if stream else {}),
            # Never an export without `accounts`: that would be public.
            "accounts": sorted(accounts),
        }
        for (subject, stream), accounts in sorted(importers.items())
    ]
    return [
        f"{_q(account)}: {{",
        # Every stream lives here, the authorities' evidence too; `max_file` makes the
        # server refuse writes past the store the operator sized, and tells the broker
        # that size (`broker.quotas.store_usage`).
        "  jetstream: enabled"
        if store_bytes is None
        else f"  jetstream: {_value({'max_file': store_bytes})}",
        f"  users: {_value(users)}",
        "  exports: [",
        *(f"    {_value(e)}" for e in exports),
        "  ]",
        "}",
    ]


def _authority_account(
    authority: str, nkey: str, broker_account: str, granted: list[Grant], limits: AccountLimits
) -> list[str]:
    user = {
        "nkey": nkey,
        "permissions": {
            "publish": {"allow": [g.local for g in granted]},
            "subscribe": {"allow": [f"{reply_prefix(authority)}.>"]},
        },
        # A gateway dials in as a leaf node; a small authority connects directly.
        "allowed_connection_types": ["STANDARD", "LEAFNODE"],
    }
    imports = [
        {
            "service": {"account": broker_account, "subject": g.remote},
            **({"to": g.local} if g.local != g.remote else {}),
        }
        for g in granted
    ]
    return [
        f"{_q(authority)}: {{",
        f"  users: [{_value(user)}]",
        f"  limits: {_value(limits.block())}",
        "  imports: [",
        *(f"    {_value(i)}" for i in imports),
        "  ]",
        "}",
    ]


def _indent(lines: Iterable[str], levels: int = 1) -> Iterator[str]:
    pad = "  " * levels
    for line in lines:
        yield pad + line


def _q(text: str) -> str:
    # JSON string syntax is the server's quoted-string syntax; every input was
    # validated against a narrow pattern before it gets here, so this never has to
    # escape anything, but it would.
    return json.dumps(text)


def _value(value: object) -> str:
    if isinstance(value, str):
        return _q(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value).__name__)


def read_nkeys(path: Path) -> dict[str, str]:
    """Authority id -> public NKEY, from a JSON object file (checked, not trusted)."""
    try:
        keys = msgspec.json.decode(path.read_bytes(), type=dict[str, str])
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise NatsConfigError(f"cannot read NATS keys from {path}: {exc}") from exc
    for authority, key in keys.items():
        try:
            check_authority_id(authority)
        except ProtocolError as exc:
            raise NatsConfigError(str(exc)) from exc
        check_user_nkey(key)
    return keys


def write_accounts(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (readable by all: it holds no secret)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
