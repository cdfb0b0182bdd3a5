"""Starting a witness: its key, its state, its HTTP listener, and a bounded stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from schemas.errors import ProtocolError
from schemas.keys import SigningKey
from schemas.keystore import load_witness_key_bytes, read_keystore_file

from .config import WitnessConfig
from .errors import ConfigError
from .service import Witness, make_app
from .state import Ledger

log = structlog.get_logger(__name__)

SHUTDOWN_TIMEOUT = 5.0


def passphrase(config: WitnessConfig) -> str:
    """The keystore passphrase: from the environment or config, else its file."""
    if config.passphrase:
        return config.passphrase
    if config.passphrase_file:
        path = config.path(config.passphrase_file)
        try:
            return path.read_text().rstrip("\n")
        except OSError as exc:
            raise ConfigError(f"cannot read passphrase file {path}: {exc.strerror}") from exc
    raise ConfigError(
        "no keystore passphrase: set passphrase_file in the configuration "
        "or PALERMO_WITNESS_PASSPHRASE"
    )


def load_key(config: WitnessConfig) -> SigningKey:
    """The witness's cosigning key; `ConfigError` if the keystore does not open."""
    try:
        data = read_keystore_file(config.path(config.keystore))
        return load_witness_key_bytes(data, passphrase(config))
    except ProtocolError as exc:
        raise ConfigError(f"keystore: {exc}") from exc


@contextlib.asynccontextmanager
async def running(config: WitnessConfig, key: SigningKey | None = None) -> AsyncIterator[str]:
    """Run the witness of `config` while in the block; yields its base URL (prefix
    included). `ConfigError`/`StateError` if it cannot start."""
    if key is None:
        key = await asyncio.to_thread(load_key, config)
    logs = config.verifiers()
    ledger = Ledger(config.path(config.state_dir), logs)
    await asyncio.to_thread(ledger.open)
    try:
        witness = Witness(config.name, key, logs, ledger)
        runner = web.AppRunner(
            make_app(witness, config),
            access_log=None,
            keepalive_timeout=config.http.keepalive_timeout,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            host, port = config.http.host, config.http.port
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as exc:
                raise ConfigError(f"witness cannot listen on {host}:{port}: {exc}") from exc
            bound_host, bound_port = runner.addresses[0][:2]
            shown = f"[{bound_host}]" if ":" in bound_host else bound_host
            url = f"http://{shown}:{bound_port}{config.http.prefix}"
            log.info("witness_ready", name=config.name, url=url, logs=len(logs))
            yield url
        finally:
            async with asyncio.timeout(SHUTDOWN_TIMEOUT * 2):
                await runner.cleanup()
    finally:
        ledger.close()
