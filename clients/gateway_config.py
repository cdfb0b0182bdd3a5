"""The gateway's configuration: one frozen Struct tree, decoded once at start.

Read from a TOML file (optional), then the environment, which wins for the values an
operator sets per host or keeps out of files (`PALERMO_NATS_URL`,
`PALERMO_GATEWAY_PASSPHRASE`, `PALERMO_DIRECTORY_ROOT`, `PALERMO_GATEWAY_DATA_DIR`,
`PALERMO_WEBHOOK_URL`, `PALERMO_WEBHOOK_SECRET`). `docs/gateway-guide.md` lists every
field and its default.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from schemas.config_layers import decode_layers
from schemas.note import NoteError
from schemas.records import Officer
from schemas.witness import WitnessKey

from .errors import ClientError

__all__ = [
    "ApiKey",
    "AuditConfig",
    "ConfigError",
    "ErasureConfig",
    "GatewayConfig",
    "HttpConfig",
    "NatsConfig",
    "WebhookConfig",
    "hash_api_key",
    "load_gateway_config",
]

Hex32 = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$(?!\n)")]
KeyName = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_.@-]{1,64}$(?!\n)")]


class ConfigError(ClientError):
    """A gateway configuration that cannot be read or does not validate."""


class ApiKey(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One caller of the REST API. Only the SHA-256 of the key is configured."""

    name: KeyName
    """Who the key belongs to, as logs and the message store record it."""
    key_hash: Hex32
    """Hex SHA-256 of the bearer key (`hash_api_key`)."""
    role: Literal["system", "officer"]
    """`system`: the national case-management system (may acknowledge messages);
    `officer`: one investigator, whose identity is put into every body they send."""
    officer: Officer | None = None
    """Required for `officer` keys: name and unit written into `Body.author`."""

    def __post_init__(self) -> None:
        if self.role == "officer" and self.officer is None:
            raise ValueError(f"API key {self.name!r} has role officer but no officer")


class NatsConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where NATS is and how the authority's user authenticates."""

    url: str = "nats://127.0.0.1:4222"
    nkey_seed_file: str | None = None
    creds_file: str | None = None
    """The authority's NATS creds (user JWT from the hub and its own seed), for a hub in
    operator mode (docs/deployment.md); or, on its leaf node, none here at all."""
    tls_ca_file: str | None = None
    """The hub operators' CA, to verify a `tls://` hub's certificate (TLS 1.3) when the
    gateway connects to the hub directly; unset on its leaf node (loopback)."""
    domain: str | None = None
    """JetStream domain of the hub's streams: `palermo` with the hub's accounts (see
    docs/deployment.md); unset on a single local server."""
    evidence_domain: str | None = None
    """JetStream domain of the evidence buckets: `palermo-evidence` with the hub's
    accounts; unset on a single local server."""
    publish_timeout: Annotated[float, Meta(gt=0)] = 5.0
    """Seconds a send waits for JetStream's acknowledgement before it answers 202
    (queued in the outbox) instead of 201."""


class AuditConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The broker's audit log, as this gateway checks it."""

    origin: str = "palermo.example/audit"
    """The log's origin line in its signed checkpoints (the broker's `origin`)."""
    checkpoint_interval: Annotated[float, Meta(gt=0)] = 60.0
    """Seconds between two fetches of the signed checkpoint."""
    witnesses: list[str] = msgspec.field(default_factory=list)
    """Verifier keys of the witnesses this gateway trusts (`palermo witness vkey`)."""
    quorum: Annotated[int, Meta(ge=0)] = 0
    """Cosignatures by distinct trusted witnesses a checkpoint needs. 0 (the default)
    checks the log's signature only; k > 0 adopts only the cosigned checkpoint and
    refuses one with fewer than k valid cosignatures."""

    def __post_init__(self) -> None:
        keys = self.witness_keys()
        if self.quorum > len({k.name for k in keys}):
            raise ValueError(
                f"audit.quorum ({self.quorum}) is above the number of trusted witnesses "
                f"({len(keys)})"
            )

    def witness_keys(self) -> list[WitnessKey]:
        """The trusted witnesses; `ValueError` naming a vkey that does not parse."""
        try:
            return [WitnessKey.from_vkey(v) for v in self.witnesses]
        except NoteError as exc:
            raise ValueError(f"audit.witnesses: {exc}") from exc


class HttpConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where the REST API listens."""

    host: str = "127.0.0.1"
    """Loopback by default: put a TLS-terminating proxy in front for remote callers."""
    port: Annotated[int, Meta(ge=0, le=65535)] = 8580
    max_body: Annotated[int, Meta(ge=1024)] = 1024 * 1024
    """Largest JSON request: a 256 KiB inline body written as JSON, with margin."""
    max_upload: Annotated[int, Meta(ge=1)] = 4 * 1024**3
    """Largest attachment upload, in bytes (streamed: memory use does not depend on it)."""


class WebhookConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Push of received messages to the national system."""

    url: str | None = None
    """Without a URL nothing is pushed; the system polls and acknowledges instead."""
    secret: str | None = None
    """Shared HMAC-SHA256 secret; required with `url`."""
    timeout: Annotated[float, Meta(gt=0)] = 10.0
    retry_base: Annotated[float, Meta(gt=0)] = 1.0
    """First retry delay in seconds; doubled per failure, with full jitter."""
    retry_max: Annotated[float, Meta(gt=0)] = 300.0
    """Longest delay between two attempts: retries never stop, they only slow down."""

    def __post_init__(self) -> None:
        if self.url and not self.secret:
            raise ValueError("webhook.url needs webhook.secret")


class ErasureConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Per-case data keys and erasure (docs/gateway-guide.md, "Erasure")."""

    kek_file: str = "store.kek"
    """The key-encryption key of the cases' data keys (relative paths are under
    `data_dir`); made on first start. Keep it out of the message store's backups."""
    retention_days: Annotated[int, Meta(ge=1, le=36500)] | None = None
    """Erase a case when its last message was stored this many days ago (legal basis
    `retention_expiry`). Off by default: the period is set by the authority's law, not
    by the software."""
    interval: Annotated[float, Meta(gt=0)] = 60.0
    """Seconds between two passes that send queued erasure notices and apply the
    retention period."""


class GatewayConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Everything the gateway process needs to know."""

    directory_root: Hex32
    """Hex Ed25519 public key of the directory root: the one key the gateway trusts."""
    keystore: str = "authority.keystore"
    """The authority's keystore (relative paths are under `data_dir`)."""
    passphrase: str | None = None
    data_dir: str = "gateway-data"
    """Message store, de-duplication record and linkage keys."""
    nats: NatsConfig = msgspec.field(default_factory=NatsConfig)
    http: HttpConfig = msgspec.field(default_factory=HttpConfig)
    webhook: WebhookConfig = msgspec.field(default_factory=WebhookConfig)
    audit: AuditConfig = msgspec.field(default_factory=AuditConfig)
    erasure: ErasureConfig = msgspec.field(default_factory=ErasureConfig)
    api_keys: list[ApiKey] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        names = [k.name for k in self.api_keys]
        if len(set(names)) != len(names):
            raise ValueError("two API keys have the same name")
        hashes = [k.key_hash for k in self.api_keys]
        if len(set(hashes)) != len(hashes):
            raise ValueError("two API keys have the same key_hash")

    def path(self, name: str) -> Path:
        """`name` resolved under the data directory unless absolute."""
        candidate = Path(name)
        return candidate if candidate.is_absolute() else Path(self.data_dir) / candidate


ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "PALERMO_NATS_URL": ("nats", "url"),
    "PALERMO_GATEWAY_PASSPHRASE": ("passphrase",),
    "PALERMO_DIRECTORY_ROOT": ("directory_root",),
    "PALERMO_GATEWAY_DATA_DIR": ("data_dir",),
    "PALERMO_WEBHOOK_URL": ("webhook", "url"),
    "PALERMO_WEBHOOK_SECRET": ("webhook", "secret"),
}


def hash_api_key(key: str) -> str:
    """The `key_hash` to configure for bearer key `key` (hex SHA-256)."""
    return hashlib.sha256(key.encode()).hexdigest()


def load_gateway_config(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> GatewayConfig:
    """Decode the configuration from `path` (TOML), then `env`, then `overrides`
    (dotted names, e.g. ``{"http.port": 0}``).

    Raises `ConfigError` naming the file and the bad field.
    """
    return decode_layers(
        GatewayConfig, path, env, overrides, env_map=ENV_OVERRIDES, error=ConfigError,
        what="gateway configuration",
    )  # fmt: skip
