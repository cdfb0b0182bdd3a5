"""NATS operator mode: the accounts, users and server trust, generated from the directory.

Who holds what. The **operator identity key** signs only the operator JWT (once, then
it goes offline); that JWT names the **operator signing key**, which signs every
account JWT and is held by the hub side (the broker and `palermo nats-config`). Every
account key is derived from one **account secret** (`natsjwt.derive_key`): the same
secret gives the same account on every hub node and after a rebuild, so the 5,000th
authority needs no key file of its own. An authority's user JWT is issued for the
public NKEY the authority sends, signed by its account key; its seed never leaves it.

The accounts. Four kinds, and nothing in them depends on how many authorities exist:
- `PALERMO` holds the messages (ingress, delivery, dead letters, audit, directory,
  checkpoints) and the broker's user; it exports, publicly, the narrow services an
  authority needs, each with a one-token wildcard in place of the authority's id.
- `EVIDENCE` holds only the evidence buckets (object stores `PALERMO_EVIDENCE_<id>`).
  Because nothing else lives there, a wildcard export of its read API
  (`DIRECT.GET.>`, `STREAM.INFO.*`, `STREAM.MSG.GET.*`) exposes evidence and nothing
  else, where the same wildcard on `PALERMO` would expose audit and deliveries (a
  subject wildcard matches whole tokens, and a stream name is one). `PALERMO` imports
  its whole `$JS.API.>` under the `EVIDENCE_DOMAIN` prefix, so the broker and the
  governors create and size the buckets; its JetStream store cap is the share of the
  store evidence may fill, enforced by the server.
- One account per authority, with no JetStream, reaching the other two only through
  a fixed list of service imports (`authority_imports`): 18 whatever the directory
  holds, 3 of them the wildcard evidence reads. JetStream requests go to
  `$JS.palermo.API.…` (PALERMO) and `$JS.palermo-evidence.API.…` (EVIDENCE): two
  prefixes, so no subject is imported from two accounts.
- `SYS`, the system account, whose one user pushes account JWTs to the resolver.

Why an account per authority rather than one shared account with subject
permissions: within one account, a user allowed any JetStream API request chooses the
request's reply subject, and the server publishes the answer there as itself, past
that user's publish permissions; a direct get with reply `palermo.out.<other>` files
bytes the user wrote into another authority's inbox, past the broker. Behind an
account boundary those replies land in the requester's own account, where nothing
listens. No authority may create a consumer (its deliver subject is the creator's
choice), so endpoints read buckets with direct or message gets.

The server runs the built-in `full` resolver: the three fixed accounts are preloaded
from the server config (`natshub.resolver_config`), and an authority's account is pushed to
`$SYS.REQ.CLAIMS.UPDATE` when its record changes (`natshub.AccountPusher`): no reload.
A suspended or revoked authority's account is pushed with every user revoked
(`revocations {"*": <time of the record>}`) and no imports: the server closes its
live connections on the spot and refuses it from then on. An account JWT is a pure
function of the verified record, the keys and the limits (its time is the record's
issue time), so pushing the whole directory again changes nothing the server holds.

Exports are public: only the operator's signing key makes accounts, and the accounts
it signs import exactly what is listed here; whoever held that key could sign any
account anyway, so per-import activation tokens would add nothing.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field
from typing import Any, Final

from schemas.directory import AuthorityRecord
from schemas.errors import ProtocolError
from schemas.keys import check_authority_id
from schemas.nats_names import (
    API_SUBJECTS,
    AUDIT,
    AUDIT_SUBJECT,
    DEFAULT_DOMAIN,
    EVIDENCE_DOMAIN,
    KV_TREE,
    kv_stream,
    object_stream,
)

from . import natsjwt
from .config import QuotaConfig
from .errors import ConfigError
from .natsjwt import Key
from .topology import (
    DELIVERY,
    KV_CHECKPOINTS,
    KV_DIRECTORY,
    evidence_bucket,
    inbox_consumer,
    ingress_subject,
    reply_prefix,
)

__all__ = [
    "DEFAULT_DOMAIN",
    "EVIDENCE_DOMAIN",
    "AccountLimits",
    "HubKeys",
    "NatsConfigError",
    "account_jwt",
    "api_prefix",
    "authority_imports",
    "check_user_nkey",
    "fixed_accounts",
    "governor_grants",
    "user_jwt",
]

BROKER_ACCOUNT: Final = "PALERMO"
EVIDENCE_ACCOUNT: Final = "EVIDENCE"
SYSTEM_ACCOUNT: Final = "SYS"
READABLE_BUCKETS: Final = (KV_DIRECTORY, KV_CHECKPOINTS)
_EVIDENCE_STREAMS: Final = "*"
"""Every stream of `EVIDENCE` (a wildcard is a whole token: there, every stream is an
evidence bucket's)."""
_EVIDENCE_SUBJECTS: Final = "$O.*.>"
"""Every object store's subjects; in `EVIDENCE` those are the evidence buckets'."""
CLAIMS_UPDATE: Final = "$SYS.REQ.CLAIMS.UPDATE"
PUSH_TIMEOUT: Final = 5.0
"""Seconds the resolver has to answer a pushed account JWT."""

_DOMAIN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NKEY = re.compile(r"U[A-Z2-7]{55}")
_NKEY_USER_PREFIX = 20 << 3  # the byte that base32-encodes to 'U' (nkeys' PREFIX_BYTE_USER)


class NatsConfigError(ConfigError):
    """Directory records or keys from which no safe NATS configuration can be made."""


@dataclass(frozen=True)
class AccountLimits:
    """What nats-server allows each authority account (limits in its account JWT).

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

    def claims(self) -> dict[str, int | bool]:
        """The account JWT's `limits` (JetStream stays off)."""
        return {
            "conn": self.max_connections,
            "subs": self.max_subscriptions,
            "payload": self.max_payload,
            "leaf": self.max_leafnodes,
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
    """The JetStream API prefix of `domain`: `$JS.<domain>.API`, what nats-py sends
    for `nc.jetstream(domain=domain)`."""
    if not _DOMAIN.fullmatch(domain):
        raise NatsConfigError(f"{domain[:40]!r} is not a JetStream domain name")
    return f"$JS.{domain}.API"


# --- keys ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HubKeys:
    """The hub side's keys: the operator signing key and the account secret (the
    operator identity key only to sign the operator JWT, then kept offline)."""

    signing: Key
    secret: bytes = field(repr=False)
    operator_public: str = ""
    """The operator identity's public key (the operator JWT's subject)."""

    def account(self, name: str) -> Key:
        """The key of account `name` (an authority id or one of the fixed accounts)."""
        return natsjwt.derive_key(self.secret, "account", name)

    @classmethod
    def generate(cls) -> tuple[HubKeys, Key]:
        """Fresh keys, and the operator identity key that signs the operator JWT."""
        operator = natsjwt.new_key("operator")
        keys = cls(natsjwt.new_key("operator"), os.urandom(32), operator.public)
        return keys, operator


def operator_jwt(operator: Key, keys: HubKeys, *, issued_at: int) -> str:
    """The operator JWT: trusts `keys.signing` for accounts, names `SYS` the system
    account, and requires every account to be signed by a signing key."""
    return natsjwt.encode(
        operator,
        operator.public,
        natsjwt.operator_claims(
            signing_keys=[keys.signing.public],
            system_account=keys.account(SYSTEM_ACCOUNT).public,
        ),
        name="palermo",
        issued_at=issued_at,
    )


# --- what each account holds ------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """One service an authority imports: its name in the authority's account
    (`local`), the exporter's subject (`remote`) and the exporting account."""

    local: str
    remote: str
    account: str = BROKER_ACCOUNT
    stream_response: bool = False
    """The service answers one request with many messages (a pull request)."""


def _read_grants(prefix: str, stream: str, account: str) -> list[Grant]:
    return [
        Grant(f"{prefix}.STREAM.INFO.{stream}", f"$JS.API.STREAM.INFO.{stream}", account),
        Grant(f"{prefix}.STREAM.MSG.GET.{stream}", f"$JS.API.STREAM.MSG.GET.{stream}", account),
        Grant(f"{prefix}.DIRECT.GET.{stream}", f"$JS.API.DIRECT.GET.{stream}", account),
        Grant(f"{prefix}.DIRECT.GET.{stream}.>", f"$JS.API.DIRECT.GET.{stream}.>", account),
    ]


def authority_imports(
    authority: str, *, domain: str = DEFAULT_DOMAIN, evidence_domain: str = EVIDENCE_DOMAIN
) -> list[Grant]:
    """Everything `authority` may publish, in order; its account imports exactly these.

    The same number for every authority whatever the directory holds: reading any
    authority's evidence is three wildcard imports from `EVIDENCE`.
    """
    check_authority_id(authority)
    api, evidence = api_prefix(domain), api_prefix(evidence_domain)
    inbox = f"{DELIVERY}.{inbox_consumer(authority)}"
    own_bucket = evidence_bucket(authority)
    grants = [
        Grant(ingress_subject(authority), ingress_subject(authority)),
        Grant(
            f"{api}.CONSUMER.MSG.NEXT.{inbox}",
            f"$JS.API.CONSUMER.MSG.NEXT.{inbox}",
            stream_response=True,
        ),
        Grant(f"{api}.CONSUMER.INFO.{inbox}", f"$JS.API.CONSUMER.INFO.{inbox}"),
        # Ack subjects are the reply subjects of delivered messages: no API prefix.
        Grant(f"$JS.ACK.{inbox}.>", f"$JS.ACK.{inbox}.>"),
        Grant(API_SUBJECTS, API_SUBJECTS),
        *(g for b in READABLE_BUCKETS for g in _read_grants(api, kv_stream(b), BROKER_ACCOUNT)),
        # Its own evidence bucket: write (object store subjects) and purge.
        Grant(f"$O.{own_bucket}.>", f"$O.{own_bucket}.>", EVIDENCE_ACCOUNT),
        Grant(
            f"{evidence}.STREAM.PURGE.{object_stream(own_bucket)}",
            f"$JS.API.STREAM.PURGE.{object_stream(own_bucket)}",
            EVIDENCE_ACCOUNT,
        ),
        # Every evidence bucket, read-only: EVIDENCE holds nothing else.
        Grant(f"{evidence}.STREAM.INFO.*", "$JS.API.STREAM.INFO.*", EVIDENCE_ACCOUNT),
        Grant(f"{evidence}.STREAM.MSG.GET.*", "$JS.API.STREAM.MSG.GET.*", EVIDENCE_ACCOUNT),
        Grant(f"{evidence}.DIRECT.GET.>", "$JS.API.DIRECT.GET.>", EVIDENCE_ACCOUNT),
    ]
    return grants


def _palermo_exports() -> list[dict[str, Any]]:
    """The services of `PALERMO` authorities import, each with `*` for the id."""
    # A wildcard stands for whole tokens only: every consumer of the delivery stream
    # (each authority imports its own inbox's subject, nothing wider).
    inbox = f"{DELIVERY}.*"
    subjects = [
        (ingress_subject("xx-x").removesuffix("xx-x") + "*", False),
        (f"$JS.API.CONSUMER.MSG.NEXT.{inbox}", True),
        (f"$JS.API.CONSUMER.INFO.{inbox}", False),
        (f"$JS.ACK.{DELIVERY}.>", False),
        (API_SUBJECTS, False),
        *((g.remote, False) for b in READABLE_BUCKETS for g in _read_grants("", kv_stream(b), "")),
    ]
    return [
        {
            "subject": subject,
            "type": "service",
            **({"response_type": "Stream"} if stream else {}),
        }
        for subject, stream in subjects
    ]


def _evidence_exports() -> list[dict[str, Any]]:
    return [
        {"subject": subject, "type": "service"}
        for subject in (
            "$JS.API.>",  # imported by PALERMO only (broker and governors)
            _EVIDENCE_SUBJECTS,
        )
    ]


def _jetstream(disk: int | None) -> dict[str, int | bool]:
    return {
        "mem_storage": natsjwt.NO_LIMIT,
        "disk_storage": disk if disk is not None else natsjwt.NO_LIMIT,
        "streams": natsjwt.NO_LIMIT,
        "consumer": natsjwt.NO_LIMIT,
    }


def fixed_accounts(
    keys: HubKeys,
    *,
    issued_at: int,
    store_bytes: int | None = None,
    evidence_bytes: int | None = None,
    evidence_domain: str = EVIDENCE_DOMAIN,
) -> dict[str, tuple[str, str]]:
    """`SYS`, `PALERMO` and `EVIDENCE`: name -> (public key, account JWT).

    `store_bytes` caps `PALERMO`'s file store, `evidence_bytes` `EVIDENCE`'s (the
    share of the store evidence may fill: `quotas.evidence_share`).
    """
    for value in (store_bytes, evidence_bytes):
        if value is not None and value < 1:
            raise NatsConfigError(f"store size {value} is not a positive byte count")
    evidence = keys.account(EVIDENCE_ACCOUNT).public
    claims = {
        SYSTEM_ACCOUNT: natsjwt.account_claims(),
        BROKER_ACCOUNT: natsjwt.account_claims(
            exports=_palermo_exports(),
            imports=[
                {
                    "subject": "$JS.API.>",
                    "account": evidence,
                    "local_subject": f"{api_prefix(evidence_domain)}.>",
                    "type": "service",
                }
            ],
            limits=_jetstream(store_bytes),
        ),
        EVIDENCE_ACCOUNT: natsjwt.account_claims(
            exports=_evidence_exports(), limits=_jetstream(evidence_bytes)
        ),
    }
    out = {}
    for name, nats in claims.items():
        account = keys.account(name).public
        out[name] = (
            account,
            natsjwt.encode(keys.signing, account, nats, name=name, issued_at=issued_at),
        )
    return out


def account_jwt(
    keys: HubKeys,
    record: AuthorityRecord,
    *,
    limits: AccountLimits | None = None,
    domain: str = DEFAULT_DOMAIN,
    evidence_domain: str = EVIDENCE_DOMAIN,
) -> tuple[str, str]:
    """An authority's (account public key, account JWT) for its verified `record`.

    Active: its imports and limits. Suspended or revoked: no imports, and every user
    issued up to the record's time revoked, so the server drops its connections. The
    JWT's time is the record's issue time: a newer record always replaces an older one
    in the resolver, and the same record always gives the same JWT.
    """
    try:
        check_authority_id(record.id)
    except ProtocolError as exc:
        raise NatsConfigError(str(exc)) from exc
    fixed = {n: keys.account(n).public for n in (BROKER_ACCOUNT, EVIDENCE_ACCOUNT)}
    issued = record.issued_ms // 1000
    if record.status == "active":
        imports = [
            {
                "subject": g.remote,
                "account": fixed[g.account],
                **({"local_subject": g.local} if g.local != g.remote else {}),
                "type": "service",
            }
            for g in authority_imports(record.id, domain=domain, evidence_domain=evidence_domain)
        ]
        nats = natsjwt.account_claims(imports=imports, limits=(limits or AccountLimits()).claims())
    else:
        nats = natsjwt.account_claims(
            limits=(limits or AccountLimits()).claims(), revocations={"*": issued}
        )
    account = keys.account(record.id)
    return account.public, natsjwt.encode(
        keys.signing, account.public, nats, name=record.id, issued_at=issued
    )


def user_jwt(
    keys: HubKeys,
    authority: str,
    user_nkey: str,
    *,
    issued_at: int,
    domain: str = DEFAULT_DOMAIN,
    evidence_domain: str = EVIDENCE_DOMAIN,
) -> str:
    """The user JWT of `authority`'s endpoint (or leaf node) for its public NKEY: it may
    publish exactly its imports and subscribe under its reply prefix only."""
    check_user_nkey(user_nkey)
    grants = authority_imports(authority, domain=domain, evidence_domain=evidence_domain)
    return natsjwt.encode(
        keys.account(authority),
        user_nkey,
        natsjwt.user_claims(
            pub_allow=[g.local for g in grants],
            sub_allow=[f"{reply_prefix(authority)}.>"],
            # A gateway dials in through a leaf node; a small authority connects directly.
            connection_types=["STANDARD", "LEAFNODE"],
        ),
        name=authority,
        issued_at=issued_at,
    )


def broker_user_jwt(keys: HubKeys, user_nkey: str, *, issued_at: int) -> str:
    """The broker's user in `PALERMO`: anything but publish on an ingress subject (an
    envelope on `palermo.in.<id>` was sent by that authority)."""
    return natsjwt.encode(
        keys.account(BROKER_ACCOUNT),
        check_user_nkey(user_nkey),
        natsjwt.user_claims(
            pub_allow=[">"],
            pub_deny=[ingress_subject("xx-x").removesuffix("xx-x") + ">"],
            sub_allow=[">"],
            connection_types=["STANDARD"],
        ),
        name="broker",
        issued_at=issued_at,
    )


def governor_user_jwt(
    keys: HubKeys, user_nkey: str, *, issued_at: int, evidence_domain: str = EVIDENCE_DOMAIN
) -> str:
    """The directory governors' user in `PALERMO` (`governor_grants`)."""
    return natsjwt.encode(
        keys.account(BROKER_ACCOUNT),
        check_user_nkey(user_nkey),
        natsjwt.user_claims(
            pub_allow=governor_grants(evidence_domain),
            sub_allow=["_INBOX.>"],
            connection_types=["STANDARD"],
        ),
        name="governor",
        issued_at=issued_at,
    )


def system_user_jwt(keys: HubKeys, user_nkey: str, *, issued_at: int) -> str:
    """The user in `SYS` that pushes account JWTs, and may do nothing else."""
    return natsjwt.encode(
        keys.account(SYSTEM_ACCOUNT),
        check_user_nkey(user_nkey),
        natsjwt.user_claims(
            pub_allow=[CLAIMS_UPDATE],
            sub_allow=["_INBOX.>"],
            connection_types=["STANDARD"],
        ),
        name="account-pusher",
        issued_at=issued_at,
    )


def governor_grants(evidence_domain: str = EVIDENCE_DOMAIN) -> list[str]:
    """What the governors' user may publish in the `PALERMO` account, in order.

    The governors hold the directory root key, so they are trusted with the directory;
    these rights keep a stolen governor credential away from the messages themselves:
    it cannot publish an envelope, pull an inbox or delete a stream. Their user lives in
    `PALERMO`, though, so the reply subject of a JetStream request they may make is
    theirs to choose, and the server's answer (JSON about a stream) lands there: an
    account of their own, with imports like an authority's, would close that too.
    """
    directory = kv_stream(KV_DIRECTORY)
    evidence = api_prefix(evidence_domain)
    return [
        "$JS.API.INFO",
        # The directory bucket: list, read, write records and the head.
        f"$JS.API.STREAM.INFO.{directory}",
        f"$JS.API.STREAM.MSG.GET.{directory}",
        f"$JS.API.DIRECT.GET.{directory}",
        f"$JS.API.DIRECT.GET.{directory}.>",
        f"$KV.{KV_DIRECTORY}.>",
        # Registering an authority: its inbox consumer (pull, no deliver subject) and
        # its evidence bucket, in EVIDENCE, with the configured quota.
        f"$JS.API.CONSUMER.CREATE.{DELIVERY}.>",
        f"$JS.API.CONSUMER.DURABLE.CREATE.{DELIVERY}.*",
        "$JS.API.STREAM.NAMES",
        "$JS.API.STREAM.LIST",
        "$JS.API.STREAM.INFO.*",
        f"{evidence}.INFO",
        f"{evidence}.STREAM.NAMES",
        f"{evidence}.STREAM.LIST",
        f"{evidence}.STREAM.INFO.{_EVIDENCE_STREAMS}",
        f"{evidence}.STREAM.CREATE.{_EVIDENCE_STREAMS}",
        f"{evidence}.STREAM.UPDATE.{_EVIDENCE_STREAMS}",
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
