"""The broker's configuration: one frozen Struct tree, decoded once at start.

Read from a TOML file (optional) and then the environment, which wins for the few
values an operator sets per host or keeps out of files (`PALERMO_NATS_URL`,
`PALERMO_DATA_DIR`, `PALERMO_OPS_TOKEN`, `PALERMO_BROKER_PASSPHRASE`). Every default
is written here, next to its reason; `docs/operator-guide.md` lists them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from schemas.config_layers import decode_layers
from schemas.directory import Role
from schemas.note import NoteError
from schemas.records import LegalBasis
from schemas.witness import WitnessKey

from .errors import ConfigError

Pattern = Annotated[str, Meta(pattern=r"^(\*|[a-z_]+)$(?!\n)")]

DEFAULT_ORIGIN = "palermo.example/audit"

_MLA = ["mla_request", "mla_status", "mla_response"]
_EXTRADITION = ["extradition_request", "extradition_status"]
_JUDICIAL: list[str] = ["central_authority", "prosecutor", "judiciary"]


class PolicyRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Senders with one of `senders` roles may send `kinds` to recipients with one of
    `recipients` roles ("*" matches any)."""

    kinds: list[Pattern]
    senders: list[Pattern]
    recipients: list[Pattern]


def _default_rules() -> list[PolicyRule]:
    return [
        # MLA and extradition run between central authorities and judicial authorities
        # (UNTOC art. 18(13), art. 16); police reach them through their prosecutors.
        PolicyRule(kinds=[*_MLA, *_EXTRADITION], senders=_JUDICIAL, recipients=_JUDICIAL),
        PolicyRule(
            kinds=["asset_request", "victim_compensation_request"],
            senders=[*_JUDICIAL, "fiu"],
            recipients=[*_JUDICIAL, "fiu", "victim_services"],
        ),
        # Operational cooperation, evidence preservation, alerts, network notices,
        # erasure notices and their confirmations, and receipts flow between any
        # participating authorities.
        PolicyRule(
            kinds=[
                "case_referral",
                "spontaneous_information",
                "preservation_request",
                "videoconference_hearing",
                "joint_investigation",
                "ict_misuse_alert",
                "network_notice",
                "erasure_notice",
                "erasure_confirmation",
                "receipt",
            ],
            senders=["*"],
            recipients=["*"],
        ),
        # Statistics reports (aggregated counts) go to a network or regional coordinator
        # and to nobody else: the coordinator publishes them only after suppression.
        PolicyRule(kinds=["statistics_report"], senders=["*"], recipients=["coordinator"]),
    ]


class PolicyConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Who may send what to whom, where real identifiers may go, and how fast."""

    rules: list[PolicyRule] = msgspec.field(default_factory=_default_rules)
    disclosure_kinds: list[str] = msgspec.field(
        default_factory=lambda: [
            "case_referral",
            "mla_request",
            "mla_response",
            "extradition_request",
            "videoconference_hearing",
            "victim_compensation_request",
        ]
    )
    """Kinds that may carry disclosed identifiers; everything else travels minimised."""
    disclosure_recipient_roles: list[Role] = msgspec.field(
        default_factory=lambda: [*_JUDICIAL, "police", "victim_services"]  # type: ignore[list-item]
    )
    disclosure_legal_bases: list[LegalBasis] = msgspec.field(
        default_factory=lambda: [
            "victim_consent",
            "court_order",
            "mla_treaty",
            "untoc_art18",
            "extradition_treaty",
            "vital_interest",
            "domestic_law",
        ]
    )
    rate_per_second: Annotated[float, Meta(gt=0)] = 200.0
    """Sustained envelopes per second per sender: far above any authority's human
    traffic, low enough that one misbehaving gateway cannot starve the others."""
    rate_burst: Annotated[int, Meta(ge=1)] = 2_000


class TimeConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Time windows, in seconds."""

    past_window: Annotated[float, Meta(gt=0)] = 15 * 60.0
    """How old (by JetStream ingress time) a message's creation may be."""
    future_skew: Annotated[float, Meta(ge=0)] = 120.0
    delivery_deadline: Annotated[float, Meta(gt=0)] = 7 * 24 * 3600.0
    """An undelivered message older than this is reported to its sender and dead-lettered."""
    sweep_interval: Annotated[float, Meta(gt=0)] = 60.0


class NatsConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where NATS is. Without a URL the broker starts an embedded nats-server."""

    url: str | None = None
    user: str | None = None
    password: str | None = None
    nkey_seed_file: str | None = None
    """The broker user's NKEY seed, for a server that lists NKEY users itself."""
    creds_file: str | None = None
    """The broker user's creds in operator mode (`broker.creds` of the hub directory)."""
    evidence_domain: str | None = None
    """Where the evidence buckets are: `palermo-evidence` in operator mode (the
    `EVIDENCE` account, imported into `PALERMO`); unset: the broker's own account."""
    accounts_dir: str | None = None
    """The hub directory (`palermo nats-config init`): with it the broker pushes each
    authority's account JWT to the server's resolver when the verified directory
    changes its record (its `signing.nk`, `accounts.key` and `system.creds`)."""
    ingress_per_sender: Annotated[int, Meta(ge=1)] = 10_000
    ack_wait: Annotated[float, Meta(gt=0)] = 30.0
    max_deliver: Annotated[int, Meta(ge=1)] = 5
    replicas: Annotated[int, Meta(ge=1, le=5)] = 1
    batch: Annotated[int, Meta(ge=1, le=10_000)] = 256
    """Ingress envelopes fetched and processed per round; their writes are pipelined."""
    duplicate_window: Annotated[float, Meta(gt=0)] | None = None
    """Seconds JetStream remembers a `Nats-Msg-Id` on the broker's streams. By default
    the largest of 15 minutes, the seen-set window (time.past_window +
    time.future_skew) and twice ack_wait x max_deliver; a value below the seen-set
    window or below ack_wait x max_deliver is refused (see `duplicate_window`)."""
    tls_ca_file: str | None = None
    """The CA that signed the hub's certificates: with it, every connection is TLS 1.3
    and verifies the server against this CA alone (see docs/deployment.md)."""


class ApiConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The request-reply API (checkpoints and proofs) on its own NATS connection.

    An honest endpoint asks for a checkpoint and a few proofs now and then; these
    defaults are far above that and low enough that one authority's flood costs the
    broker little more than reading and dropping it (see `broker.tlog_proofs`).
    """

    rate_per_second: Annotated[float, Meta(gt=0)] = 20.0
    """Sustained requests per second per requesting authority; requests that cannot be
    told apart share one bucket."""
    burst: Annotated[int, Meta(ge=1)] = 50
    """Requests an authority may make at once after a quiet spell."""
    queue: Annotated[int, Meta(ge=1, le=100_000)] = 256
    """Requests waiting per subject on the API connection; more are dropped unread."""
    queue_bytes: Annotated[int, Meta(ge=1024)] = 1 << 20
    """Bytes of requests waiting per subject; more are dropped unread."""


class WitnessPeer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A witness the broker asks to cosign its checkpoints (c2sp.org/tlog-witness)."""

    name: Annotated[str, Meta(pattern=r"^[!-*,-~]{1,200}\Z")]
    """Its key name, e.g. "witness.un.example/w1"."""
    vkey: str
    """Its verifier key (`palermo witness vkey`): its cosignatures are checked with it."""
    url: Annotated[str, Meta(pattern=r"^https?://[^\s]+\Z")]
    """Its submission prefix: the broker POSTs to `<url>/add-checkpoint`."""


class WitnessingConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Witnesses of the audit log, asked after each new checkpoint (`broker.witnesses`).

    None by default: checkpoints are then published as before, without cosignatures.
    """

    witnesses: list[WitnessPeer] = msgspec.field(default_factory=list)
    timeout: Annotated[float, Meta(gt=0, le=300)] = 5.0
    """Seconds one witness has to answer (a 409 and the one retry it allows included)."""
    backoff: Annotated[float, Meta(ge=0)] = 30.0
    """Seconds a witness that failed is left alone before it is asked again; the others
    and the checkpoints do not wait for it."""
    interval: Annotated[float, Meta(gt=0)] = 0.5
    """Seconds between two looks at the latest checkpoint."""

    def __post_init__(self) -> None:
        names = [w.name for w in self.witnesses]
        if len(set(names)) != len(names):
            raise ValueError("witnessing.witnesses: a witness name is listed twice")
        for peer in self.witnesses:
            try:
                key = WitnessKey.from_vkey(peer.vkey)
            except NoteError as exc:
                raise ValueError(f"witness {peer.name!r}: {exc}") from exc
            if key.name != peer.name:
                raise ValueError(f"witness {peer.name!r}: its vkey is for {key.name!r}")


class OpsConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The operator HTTP API."""

    host: str = "127.0.0.1"
    port: Annotated[int, Meta(ge=0, le=65535)] = 8480
    token: str | None = None
    """Bearer token for operator endpoints; health endpoints need none. Required."""


MIB = 1024 * 1024


class QuotaConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Limits each authority gets, enforced by nats-server, and the store's reserve.

    The account limits go into the accounts `palermo nats-config` generates; the
    evidence quota is each evidence bucket's `max_bytes`, set by the broker when it
    registers the authority; the reserve and the readiness threshold guard the shared
    JetStream store (`docs/operator-guide.md`, "Quotas and the store's reserve").
    """

    max_connections: Annotated[int, Meta(ge=1)] = 32
    """Client connections per authority account: a gateway needs one or two, an
    investigator's CLI one per command; far below what starves a server."""
    max_subscriptions: Annotated[int, Meta(ge=1)] = 1_000
    """Subscriptions per authority account, all its connections together: an endpoint
    holds a handful (its reply inbox, its pull requests)."""
    max_payload: Annotated[int, Meta(ge=512 * 1024, le=8 * MIB)] = 512 * 1024
    """Largest message an authority may publish: a full-size envelope (384 KiB) with
    its headers, or an attachment chunk (256 KiB and its frame overhead); nothing an
    endpoint sends is larger."""
    max_leafnodes: Annotated[int, Meta(ge=0)] = 4
    """Leaf node connections per authority account (its gateways behind a firewall)."""
    evidence_bytes: Annotated[int, Meta(ge=MIB)] = 2 * 1024 * MIB
    """Each evidence bucket's byte quota (`max_bytes` of its stream), for everything the
    authority keeps there: a few hours of recorded hearings. An upload past it is
    refused by the server and the client gets `QuotaExceeded`. The server reserves each
    quota in its store, so the store must hold the sum (see store_reserve)."""
    store_bytes: Annotated[int, Meta(ge=MIB)] | None = None
    """The JetStream file store the broker's account may fill: the servers'
    `max_file_store`, or the `PALERMO` account's `max_file` (`nats-config
    --store-bytes`). Unset: the account's limit as the server reports it; with no
    limit anywhere, neither the reserve nor the readiness threshold can be checked."""
    store_reserve: Annotated[float, Meta(gt=0, lt=1)] = 0.2
    """Share of the store that evidence quotas together may never claim: it stays for
    audit, delivery, ingress and the buckets. Registration refuses an authority whose
    quota would eat into it."""
    ready_threshold: Annotated[float, Meta(gt=0, le=1)] = 0.9
    """Store usage (share of store_bytes) at which `/readyz` turns red, before writes
    fail at 100 %."""
    poll_interval: Annotated[float, Meta(ge=0)] = 5.0
    """Seconds a store usage reading is reused by `/readyz` (it asks the server at most
    this often, however often it is probed)."""

    def __post_init__(self) -> None:
        if self.ready_threshold <= 1 - self.store_reserve:
            raise ValueError(
                f"quotas.ready_threshold ({self.ready_threshold:g}) must be above the share "
                f"evidence may fill (1 - store_reserve = {1 - self.store_reserve:g}): "
                "otherwise full evidence buckets alone would make the broker not ready"
            )


class BrokerConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Everything the broker process needs to know."""

    directory_root: Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$(?!\n)")]
    """Hex Ed25519 public key of the directory root: the one key the broker trusts."""
    data_dir: str = "data"
    keystore: str = "broker.keystore"
    """The broker's notice and log keys (relative paths are under data_dir)."""
    passphrase: str | None = None
    origin: Annotated[str, Meta(pattern=r"^[!-*,-~]{1,200}\Z")] = DEFAULT_ORIGIN
    """The audit log's name: the first line of its checkpoints and the key name of the
    log key's signed notes (C2SP tlog-checkpoint and signed-note: printable, no space
    or "+"). Authorities pin it with the log's verifier key; changing it starts a
    different log in their eyes."""
    instance: str = msgspec.field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    nats: NatsConfig = msgspec.field(default_factory=NatsConfig)
    api: ApiConfig = msgspec.field(default_factory=ApiConfig)
    ops: OpsConfig = msgspec.field(default_factory=OpsConfig)
    policy: PolicyConfig = msgspec.field(default_factory=PolicyConfig)
    time: TimeConfig = msgspec.field(default_factory=TimeConfig)
    quotas: QuotaConfig = msgspec.field(default_factory=QuotaConfig)
    witnessing: WitnessingConfig = msgspec.field(default_factory=WitnessingConfig)

    def __post_init__(self) -> None:
        n = self.nats
        if n.duplicate_window is not None and n.duplicate_window < max(
            seen_window(self), n.ack_wait * n.max_deliver
        ):
            raise ValueError(
                f"nats.duplicate_window ({n.duplicate_window:g} s) must cover the seen-set "
                f"window ({seen_window(self):g} s) and ack_wait x max_deliver "
                f"({n.ack_wait * n.max_deliver:g} s)"
            )

    def path(self, name: str) -> Path:
        """`name` resolved under the data directory unless absolute."""
        candidate = Path(name)
        return candidate if candidate.is_absolute() else Path(self.data_dir) / candidate


def seen_window(config: BrokerConfig) -> float:
    """Seconds the seen-set keeps (sender, message id): every copy of an envelope the
    time check lets through arrives within this of the first copy's ingress."""
    return config.time.past_window + config.time.future_skew


def duplicate_window(config: BrokerConfig) -> float:
    """Seconds the broker's streams de-duplicate `Nats-Msg-Id`s.

    At least the seen-set window: a later copy of accepted envelope bytes is processed
    under the first copy's ids (`broker.worker`), and it must be de-duplicated for as
    long as the seen-set recognises it — later, the time check refuses it as stale.
    Chosen over marking each finished envelope in the seen-set with its audit position,
    which would cost one more JetStream write per message. At least twice ack_wait x
    max_deliver, so a redelivered envelope duplicates nothing; at least 15 minutes.
    """
    n = config.nats
    return n.duplicate_window or max(15 * 60.0, seen_window(config), n.ack_wait * n.max_deliver * 2)


ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "PALERMO_NATS_URL": ("nats", "url"),
    "PALERMO_DATA_DIR": ("data_dir",),
    "PALERMO_OPS_TOKEN": ("ops", "token"),
    "PALERMO_BROKER_PASSPHRASE": ("passphrase",),
    "PALERMO_DIRECTORY_ROOT": ("directory_root",),
    "PALERMO_LOG_FORMAT": ("log_format",),
}


def load_config(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> BrokerConfig:
    """Decode the configuration from `path` (TOML), then `env`, then `overrides`.

    Raises `ConfigError` naming the file and the bad field.
    """
    return decode_layers(
        BrokerConfig, path, env, overrides, env_map=ENV_OVERRIDES, error=ConfigError,
        what="configuration",
    )  # fmt: skip
