"""The hub's operator-mode files: keys, the operator JWT, the resolver config, creds.

`init_hub(dir)` makes everything a hub needs in one directory (`palermo nats-config
init`); `load_hub(dir)` reads it back. The layout:

    operator.nk       operator identity seed: signs operator.jwt; move it offline
    operator.jwt      the operator (trusts signing.nk's public key for accounts)
    signing.nk        operator signing seed: signs every account JWT (hub side)
    accounts.key      the secret every account key is derived from (hex, hub side)
    resolver.conf     `include` it in every node's config (trust, resolver, preloads)
    broker.creds      the broker's user in PALERMO
    governor.creds    the directory governors' user in PALERMO
    system.creds      the SYS user that pushes account JWTs (broker, nats-config push)

Secrets are written mode 0600. An authority's creds are made on the authority's side
from the user JWT the hub issues for its public NKEY (`natsconfig.user_jwt`);
`Hub.authority_creds` does both at once, for tests and local setups.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import nats
import nats.errors
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext

from schemas.directory import AuthorityRecord

from . import natsjwt, topology
from .errors import TopologyError
from .natsconfig import (
    DEFAULT_DOMAIN,
    EVIDENCE_DOMAIN,
    SYSTEM_ACCOUNT,
    AccountLimits,
    HubKeys,
    NatsConfigError,
    account_jwt,
    broker_user_jwt,
    fixed_accounts,
    governor_user_jwt,
    latest_records,
    operator_jwt,
    push_account,
    resolver_config,
    system_user_jwt,
    user_jwt,
    write_file,
)
from .topology import TopologySettings

log = structlog.get_logger(__name__)

__all__ = ["AccountPusher", "Hub", "init_hub", "load_hub", "server_config"]


@dataclass(frozen=True)
class Hub:
    """A hub directory made by `init_hub` (see the module docstring)."""

    dir: Path
    keys: HubKeys
    limits: AccountLimits = field(default_factory=AccountLimits)
    domain: str = DEFAULT_DOMAIN
    evidence_domain: str = EVIDENCE_DOMAIN

    @property
    def resolver_conf(self) -> Path:
        """The file every node's server config includes."""
        return self.dir / "resolver.conf"

    @property
    def broker_creds(self) -> Path:
        """The broker's creds (`[nats] creds_file`)."""
        return self.dir / "broker.creds"

    @property
    def governor_creds(self) -> Path:
        """The governors' creds (`palermo directory ... --creds`)."""
        return self.dir / "governor.creds"

    @property
    def system_creds(self) -> Path:
        """The account pusher's creds (`[nats] system_creds_file`)."""
        return self.dir / "system.creds"

    def authority_creds(self, authority: str, *, issued_at: int | None = None) -> Path:
        """Make a user key for `authority`, issue its user JWT and write
        `<dir>/<authority>.creds` (what the authority does with the JWT it receives)."""
        user = natsjwt.new_key("user")
        token = user_jwt(
            self.keys,
            authority,
            user.public,
            issued_at=int(time.time()) if issued_at is None else issued_at,
            domain=self.domain,
            evidence_domain=self.evidence_domain,
        )
        path = self.dir / f"{authority}.creds"
        write_file(path, natsjwt.creds(token, user.seed), secret=True)
        return path

    def account(self, record: AuthorityRecord) -> tuple[str, str]:
        """`record`'s (account public key, account JWT)."""
        return account_jwt(
            self.keys,
            record,
            limits=self.limits,
            domain=self.domain,
            evidence_domain=self.evidence_domain,
        )

    async def connect_system(self, url: str | list[str]) -> Client:
        """A connection as the account pusher."""
        return await nats.connect(
            url, user_credentials=str(self.system_creds), name="palermo-accounts"
        )

    async def push(self, nc: Client, records: Iterable[AuthorityRecord]) -> int:
        """Push the account of each verified record (the latest per id) on the pusher's
        connection `nc`; returns how many. The broker role's record has no account."""
        count = 0
        for record in latest_records(records).values():
            if "broker" in record.roles:
                continue
            await push_account(nc, self.account(record)[1])
            count += 1
        return count


def init_hub(
    directory: Path,
    *,
    resolver_dir: Path | None = None,
    store_bytes: int | None = None,
    evidence_bytes: int | None = None,
    issued_at: int | None = None,
) -> Hub:
    """Make a new hub directory (refuses one that already holds keys)."""
    if (directory / "signing.nk").exists():
        raise NatsConfigError(f"{directory} already holds hub keys; not replacing them")
    now = int(time.time()) if issued_at is None else issued_at
    keys, operator = HubKeys.generate()
    write_file(directory / "operator.nk", operator.seed + "\n", secret=True)
    write_file(directory / "signing.nk", keys.signing.seed + "\n", secret=True)
    write_file(directory / "accounts.key", keys.secret.hex() + "\n", secret=True)
    write_file(directory / "operator.jwt", operator_jwt(operator, keys, issued_at=now) + "\n")
    hub = Hub(directory, keys)
    write_resolver_config(
        hub,
        resolver_dir=resolver_dir or directory / "jwt",
        store_bytes=store_bytes,
        evidence_bytes=evidence_bytes,
        issued_at=now,
    )
    for path, make in (
        (hub.broker_creds, broker_user_jwt),
        (hub.governor_creds, governor_user_jwt),
        (hub.system_creds, system_user_jwt),
    ):
        user = natsjwt.new_key("user")
        token = make(keys, user.public, issued_at=now)
        write_file(path, natsjwt.creds(token, user.seed), secret=True)
    return hub


def write_resolver_config(
    hub: Hub,
    *,
    resolver_dir: Path | str,
    store_bytes: int | None = None,
    evidence_bytes: int | None = None,
    issued_at: int | None = None,
) -> None:
    """(Re)write `resolver.conf`: the operator JWT, `SYS`, the resolver and the fixed
    accounts with their store caps (a later `issued_at` replaces what a node holds)."""
    fixed = fixed_accounts(
        hub.keys,
        issued_at=int(time.time()) if issued_at is None else issued_at,
        store_bytes=store_bytes,
        evidence_bytes=evidence_bytes,
        evidence_domain=hub.evidence_domain,
    )
    text = resolver_config(
        (hub.dir / "operator.jwt").read_text().strip(), fixed, resolver_dir=resolver_dir
    )
    write_file(hub.resolver_conf, text)


def load_hub(directory: Path, *, limits: AccountLimits | None = None) -> Hub:
    """The hub directory's keys (the operator identity seed is not needed)."""
    try:
        signing = natsjwt.Key((directory / "signing.nk").read_text().strip())
        secret = bytes.fromhex((directory / "accounts.key").read_text().strip())
        operator = natsjwt.decode((directory / "operator.jwt").read_text().strip())
    except (OSError, ValueError) as exc:
        raise NatsConfigError(f"{directory} is not a hub directory: {exc}") from exc
    if signing.public not in operator["nats"].get("signing_keys", []):
        raise NatsConfigError(f"{directory}: signing.nk is not a signing key of operator.jwt")
    keys = HubKeys(signing, secret, str(operator["sub"]))
    if operator["nats"].get("system_account") != keys.account(SYSTEM_ACCOUNT).public:
        raise NatsConfigError(f"{directory}: accounts.key does not match operator.jwt")
    return Hub(directory, keys, limits or AccountLimits())


def server_config(hub: Hub, path: Path, *, jetstream_domain: str = "hub") -> Path:
    """Write a single-node server config to `path` for tests and local use: JetStream
    in the hub's own domain, and the hub's trust and resolver. Returns `path`."""
    # nats-server resolves an include relative to the including file, even an absolute one.
    include = os.path.relpath(hub.resolver_conf, path.parent)
    write_file(
        path, f"jetstream {{\n  domain: {jetstream_domain}\n}}\ninclude {json.dumps(include)}\n"
    )
    return path


class AccountPusher:
    """The broker's side of operator mode: for every verified directory record, as the
    directory watch applies it, register an active authority (inbox consumer, evidence
    bucket; idempotent) and push its account JWT to the resolver.

    A record that changes status reaches the server within one round trip of the
    watch seeing it: a suspension or revocation closes the authority's connections
    there and then. Pushes that fail (NATS down) are retried until they succeed; the
    JWT of a record is always the same, so a repeat changes nothing.
    """

    RETRY: ClassVar[float] = 1.0

    def __init__(
        self,
        hub: Hub,
        js: JetStreamContext,
        settings: TopologySettings,
        changes: asyncio.Queue[AuthorityRecord],
    ) -> None:
        self._hub = hub
        self._js = js
        self._settings = settings
        self.changes = changes
        self.pushed = 0

    async def run(self, url: str | list[str], stop: asyncio.Event) -> None:
        """Push until `stop` is set."""
        nc = await nats.connect(
            url,
            user_credentials=str(self._hub.system_creds),
            name="palermo-accounts",
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
        )
        try:
            while not stop.is_set():
                record = await self.changes.get()
                if "broker" in record.roles:
                    continue
                while True:
                    try:
                        await self._push(nc, record)
                        break
                    except (nats.errors.Error, TimeoutError, NatsConfigError) as exc:
                        log.warning(
                            "account_push_failed", authority=record.id, error=type(exc).__name__
                        )
                        await asyncio.sleep(self.RETRY)
        finally:
            with contextlib.suppress(nats.errors.Error):
                await nc.drain()

    async def _push(self, nc: Client, record: AuthorityRecord) -> None:
        if record.status == "active":
            # Before the account: its first request must find its inbox and bucket. A
            # quota that does not fit is the operators' to fix (the governors' `add`
            # said so too); the account is pushed all the same.
            try:
                await topology.register_authority(self._js, record.id, self._settings)
            except TopologyError as exc:
                log.error("registration_failed", authority=record.id, error=str(exc))
        await push_account(nc, self._hub.account(record)[1])
        self.pushed += 1
        log.info("account_pushed", authority=record.id, status=record.status)
