"""The national gateway: an authority's endpoint, message store, REST API and webhook.

It holds the authority's keystore and runs the one `Endpoint` that consumes the
authority's inbox. Each received message is committed to the local store, as the exact
bytes its sender signed, before the endpoint is asked for the next event (which is when
it is acked on NATS and its retrieval receipt goes out), then pushed to the national
system's webhook until taken. Whatever goes wrong with one message is logged as that
message's outcome; the inbox loop goes on. Investigators and the case-management system
send through the REST API; officers' keys put the officer into the signed body, and
every sealed envelope passes through the outbox (`gateway_outbox`). The gateway also
fetches the audit log's signed checkpoint periodically: each must extend the last (a
split view shows on `/healthz` and `/v1/status`), and the latest is echoed in every
binding it sends. Case data is kept encrypted under per-case data keys, and an erased
case's notices go out and come in through `gateway_erasure`. `docs/gateway-guide.md`
is the guide.

`palermo gateway` runs `run_gateway(load_gateway_config(...), stop)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
from collections.abc import AsyncGenerator, Callable
from importlib import metadata
from pathlib import Path
from typing import Final, cast

import structlog
from aiohttp import web

from schemas.envelope import now_ms
from schemas.errors import ProtocolError
from schemas.keys import AuthorityKeys
from schemas.keystore import load_keystore
from schemas.kinds import ExtraditionRequest, ExtraditionStatus, MlaRequest, MlaStatus
from schemas.nats_connect import CaFileUnreadable, tls_context

from . import gateway_files
from .endpoint import BrokerNotice, Endpoint, Event, Received, Refused, Unopenable
from .events import BadDelivery, Deferred, Replayed
from .evidence import SplitView
from .gateway_api import GatewayState, make_app
from .gateway_casekeys import load_kek
from .gateway_config import ConfigError, GatewayConfig, load_gateway_config
from .gateway_erasure import Eraser
from .gateway_linkage import LinkageKeys
from .gateway_openapi import openapi_document
from .gateway_outbox import Outbox
from .gateway_store import MessageStore
from .gateway_webhook import WebhookPusher

__all__ = ["Gateway", "GatewayConfig", "load_gateway_config", "run_gateway"]

log = structlog.get_logger(__name__)

SHUTDOWN_TIMEOUT: Final = 5.0
RETRY_MAX: Final = 30.0
"""Longest pause before the inbox consumer tries NATS again."""
STORE_FILE: Final = "messages.sqlite3"
SEEN_FILE: Final = "seen"


def _version() -> str:
    try:
        return metadata.version("palermo")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0"


class Gateway:
    """One authority's gateway. `run(stop)` serves until `stop` is set; `ready` is set
    once the API listens, and `url` is then its base URL (the real port for port 0).

    `keys` skips reading the keystore (tests and embedding); `clock` is a seam.
    """

    def __init__(
        self,
        config: GatewayConfig,
        *,
        keys: AuthorityKeys | None = None,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.config = config
        self._keys = keys
        self._clock = clock
        self.url = ""
        self.ready = asyncio.Event()
        self._eraser: Eraser | None = None

    async def _load_keys(self) -> AuthorityKeys:
        if self._keys is not None:
            return self._keys
        if not self.config.passphrase:
            raise ConfigError("the keystore passphrase is not set (PALERMO_GATEWAY_PASSPHRASE)")
        try:
            # Argon2id takes about a second: keep the loop free meanwhile.
            return await asyncio.to_thread(
                load_keystore, self.config.path(self.config.keystore), self.config.passphrase
            )
        except ProtocolError as exc:
            raise ConfigError(f"keystore: {exc}") from exc

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set. Raises `ConfigError` for a keystore that does not
        open or an address that cannot be bound."""
        config = self.config
        keys = await self._load_keys()
        data = Path(config.data_dir)
        await asyncio.to_thread(_private_dir, data)
        kek = await asyncio.to_thread(load_kek, config.path(config.erasure.kek_file))
        with MessageStore(data / STORE_FILE, kek=kek) as store:
            endpoint = await Endpoint.connect(
                config.nats.url,
                keys,
                bytes.fromhex(config.directory_root),
                seen_path=data / SEEN_FILE,
                nkey_seed_file=config.nats.nkey_seed_file,
                creds_file=config.nats.creds_file,
                tls=_tls(config.nats.tls_ca_file),
                domain=config.nats.domain,
                evidence_domain=config.nats.evidence_domain,
                audit_origin=config.audit.origin,
                witnesses=config.audit.witness_keys(),
                quorum=config.audit.quorum,
                publish_timeout=config.nats.publish_timeout,
            )
            async with endpoint:
                _restore_threads(endpoint, store)
                pusher = WebhookPusher(config.webhook, store) if config.webhook.url else None
                wake = pusher.wake.set if pusher else (lambda: None)
                outbox = Outbox(endpoint, store, clock=self._clock)
                self._eraser = Eraser(
                    store, config.erasure, authority=keys.authority,
                    seal=endpoint.seal_message, dispatch=outbox.dispatch, clock=self._clock,
                )  # fmt: skip
                state = GatewayState(
                    config=config,
                    authority=keys.authority,
                    store=store,
                    seal=endpoint.seal_message,
                    dispatch=outbox.dispatch,
                    linkage=LinkageKeys(data / "linkage"),
                    clock=self._clock,
                    connected=lambda: endpoint.connected,
                    stored=wake,
                )
                # The endpoint's JetStream context: attachments live in our evidence bucket.
                state.extra_routes.append(gateway_files.routes(endpoint.js))
                openapi = openapi_document(version=_version(), attachments=True)
                runner = web.AppRunner(
                    make_app(state, openapi), shutdown_timeout=SHUTDOWN_TIMEOUT / 2,
                    access_log=None,
                )  # fmt: skip
                await runner.setup()
                try:
                    await self._listen(runner)
                    async with asyncio.TaskGroup() as tasks:
                        # These run until cancelled; the store holds their state.
                        endless = [
                            tasks.create_task(self._consume(endpoint, store, wake)),
                            tasks.create_task(outbox.run()),
                            tasks.create_task(self._watch_checkpoints(endpoint, state, stop)),
                            tasks.create_task(self._eraser.run()),
                        ]
                        if pusher is not None:
                            tasks.create_task(pusher.run(stop))
                        self.ready.set()
                        log.info("gateway_ready", authority=keys.authority, url=self.url)
                        await stop.wait()
                        await _cancel(endless)
                finally:
                    self.ready.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(SHUTDOWN_TIMEOUT):
                            await runner.cleanup()
                    log.info("gateway_stopped", authority=keys.authority)

    async def _listen(self, runner: web.AppRunner) -> None:
        host, port = self.config.http.host, self.config.http.port
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            raise ConfigError(f"gateway API cannot listen on {host}:{port}: {exc}") from exc
        bound_host, bound_port = runner.addresses[0][:2]
        self.url = (
            f"http://[{bound_host}]:{bound_port}"
            if ":" in bound_host
            else f"http://{bound_host}:{bound_port}"
        )

    async def _watch_checkpoints(
        self, endpoint: Endpoint, state: GatewayState, stop: asyncio.Event
    ) -> None:
        """Fetch the audit log's signed checkpoint every `audit.checkpoint_interval`
        seconds; the endpoint echoes the latest in what it sends, and refuses one that
        does not extend it (`SplitView`), which the API then reports for good."""
        while not stop.is_set():
            try:
                checkpoint = await endpoint.refresh_checkpoint()
                state.checkpoint = (checkpoint.size, checkpoint.root_hash)
            except SplitView as exc:
                if state.split_view is None:
                    state.split_view = str(exc)
                log.error("audit_split_view", error=str(exc))
            except Exception as exc:  # whatever the broker answers, the gateway goes on
                # Not reachable, not signed by the log key in the directory, or a proof
                # that does not decode: try again later.
                log.warning("checkpoint_unavailable", error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.audit.checkpoint_interval)

    async def _consume(
        self, endpoint: Endpoint, store: MessageStore, wake: Callable[[], None]
    ) -> None:
        """Store every received message before moving on; note broker notices.

        Nothing a peer or the broker sends may stop this loop: an exception while
        handling one event is that event's outcome (logged; an unsettled message comes
        back later), and one that ends the endpoint's event stream restarts it after a
        pause. Only cancellation ends it."""
        failures = 0
        while True:
            try:
                events = cast(AsyncGenerator[Event, None], endpoint.events(auto_ack=False))
                async with contextlib.aclosing(events):
                    async for event in events:
                        failures = 0
                        try:
                            await self._handle(event, store, wake)
                        except Exception as exc:  # one event's outcome, whatever it is
                            log.error("inbox_event_failed", error=type(exc).__name__)
            except Exception as exc:  # NATS, or one bad delivery: go on
                failures += 1
                delay = min(RETRY_MAX, 0.5 * 2 ** min(failures, 6))
                log.warning("inbox_retrying", error=type(exc).__name__, delay=delay)
                await asyncio.sleep(delay)

    async def _handle(self, event: Event, store: MessageStore, wake: Callable[[], None]) -> None:
        match event:
            case Received():
                await self._store(store, event, None)
                if self._eraser is not None:  # an erasure notice is honoured before its ack
                    await self._eraser.received(event.opened.binding, event.opened.body_bytes)
                await event.settle()  # stored: now ack it and send the receipt
                wake()
            case Refused(received=received, error=error):
                log.warning("mla_update_refused", code=error.code, sender=received.sender)
                await self._store(store, received, str(error))
                await received.settle()
                wake()
            case BrokerNotice(notice=n) if n.message_id is not None:
                store.note(n.message_id.hex(), n.type, n.reason, n.time_ms, n.audit_seq)
            case Unopenable():
                log.warning("inbox_unopenable", code=event.error.code, sender=event.sender)
            case Replayed():
                log.warning("inbox_replay_refused", sender=event.sender,
                            message_id=event.message_id.hex())  # fmt: skip
            case BadDelivery():
                log.warning("inbox_bad_delivery", reason=event.reason, header=event.header,
                            sender=event.sender)  # fmt: skip
            case Deferred():
                log.info("inbox_deferred", code=event.code, delay=event.delay)
            case _:
                pass

    async def _store(self, store: MessageStore, event: Received, refused: str | None) -> None:
        # The message is settled (acked) only after this commit: retry a failing disk
        # rather than move on; a shutdown meanwhile leaves it in the inbox.
        opened = event.opened
        b = opened.binding
        delay = 0.5
        while True:
            try:
                new = store.add(
                    "received", b, opened.binding_bytes, opened.body_bytes, opened.hash,
                    stored_ms=self._clock(),
                    accepted_ms=event.accepted_ms, audit_seq=event.audit_seq,
                    inner_signature=event.opened.inner_signature, refused=refused,
                )  # fmt: skip
            except Exception as exc:  # sqlite3.Error, OSError: the disk, not the message
                log.error("store_failed_retrying", error=type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(RETRY_MAX, delay * 2)
                continue
            log.info("received", message_id=b.message_id.hex(), kind=b.kind, sender=b.sender,
                     new=new)  # fmt: skip
            return


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel `tasks` until every one has finished: on Python 3.11 a library's
    `asyncio.wait_for` loses a cancellation that races its own result (a NATS reply
    arriving as the gateway stops), and the task would carry on for ever."""
    while pending := [task for task in tasks if not task.done()]:
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=0.5)


def _tls(ca_file: str | None) -> ssl.SSLContext | None:
    """The hub's TLS as `nats.tls_ca_file` says; `ConfigError` naming it if unusable."""
    try:
        return tls_context(ca_file, "nats.tls_ca_file")
    except CaFileUnreadable as exc:
        raise ConfigError(str(exc)) from exc


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # decrypted case data lives here


def _restore_threads(endpoint: Endpoint, store: MessageStore) -> None:
    """Rebuild the endpoint's MLA and extradition state machines from the store (they
    live in memory)."""
    for binding, body in store.status_history():
        if isinstance(body, MlaRequest | ExtraditionRequest):
            endpoint.mla.request(binding)
        elif isinstance(body, MlaStatus | ExtraditionStatus):
            with contextlib.suppress(ProtocolError):
                endpoint.mla.update(binding, body)


async def run_gateway(config: GatewayConfig, stop: asyncio.Event) -> None:
    """Run the gateway described by `config` until `stop` is set (`palermo gateway`)."""
    await Gateway(config).run(stop)
