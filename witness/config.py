"""The witness's configuration: one frozen Struct tree, decoded once at start from a
TOML file and the environment (`PALERMO_WITNESS_PASSPHRASE`), then passed on."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from schemas.config_layers import decode_layers
from schemas.note import NoteError, NoteVerifier

from .errors import ConfigError

KeyName = Annotated[str, Meta(pattern=r"^[!-*,-~]{1,200}\Z")]
"""A signed-note key name: printable ASCII, no space, no "+"."""


class LogConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A log the witness cosigns: its origin line and its verifier key (type 0x01)."""

    origin: KeyName
    vkey: str
    """The log's key as `palermo broker-keys show` prints it: "<origin>+<hash>+<key>"."""

    def verifier(self) -> NoteVerifier:
        """The log's checkpoint verifier; `ConfigError` if the vkey is not the origin's."""
        try:
            verifier = NoteVerifier.from_vkey(self.vkey)
        except NoteError as exc:
            raise ConfigError(f"log {self.origin!r}: {exc}") from exc
        if verifier.name != self.origin:
            raise ConfigError(f"log {self.origin!r}: its vkey is for {verifier.name!r}")
        return verifier


class HttpConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where the witness listens, and its limits."""

    host: str = "127.0.0.1"
    """Loopback by default: put a TLS-terminating proxy in front for the logs."""
    port: Annotated[int, Meta(ge=0, le=65535)] = 8680
    prefix: Annotated[str, Meta(pattern=r"^(/[A-Za-z0-9._~-]+)*\Z")] = ""
    """The submission and monitoring prefix: `POST <prefix>/add-checkpoint`."""
    max_body: Annotated[int, Meta(ge=1024, le=1024 * 1024)] = 80 * 1024
    """Largest add-checkpoint body: 63 proof lines and a 64 KiB note fit."""
    read_timeout: Annotated[float, Meta(gt=0)] = 10.0
    """Seconds a request may take to send its body."""
    keepalive_timeout: Annotated[float, Meta(gt=0)] = 75.0
    """Seconds an idle keep-alive connection is kept (the spec asks for keep-alive)."""


class WitnessConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Everything `palermo witness run` needs."""

    name: KeyName
    """The witness's key name, e.g. "witness.un.example/w1": the name of its cosignature
    lines. A name and key go together for good: a new name needs a new key."""
    keystore: str = "witness.keystore"
    """The cosigning key (`palermo witness keygen`); relative to the config file."""
    state_dir: str = "witness-state"
    """One file per log: the latest checkpoint cosigned; relative to the config file."""
    passphrase: str | None = None
    passphrase_file: str | None = None
    logs: list[LogConfig] = msgspec.field(default_factory=list)
    http: HttpConfig = msgspec.field(default_factory=HttpConfig)
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    base: str = "."
    """Directory relative paths are resolved in (set to the config file's own)."""

    def path(self, name: str) -> Path:
        """`name` resolved under `base` unless absolute."""
        candidate = Path(name)
        return candidate if candidate.is_absolute() else Path(self.base) / candidate

    def verifiers(self) -> dict[str, NoteVerifier]:
        """The configured logs by origin; `ConfigError` for a vkey or a duplicate."""
        found: dict[str, NoteVerifier] = {}
        for log in self.logs:
            if log.origin in found:
                raise ConfigError(f"log {log.origin!r} is configured twice")
            found[log.origin] = log.verifier()
        return found


ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "PALERMO_WITNESS_PASSPHRASE": ("passphrase",),
    "PALERMO_LOG_FORMAT": ("log_format",),
}


def load_config(
    path: Path, env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> WitnessConfig:
    """Decode the configuration from `path` (TOML), the environment, then `overrides`;
    relative paths are taken from the file's directory. `ConfigError` names the field."""
    config = decode_layers(
        WitnessConfig, path, env, overrides, env_map=ENV_OVERRIDES, error=ConfigError,
        what="witness configuration",
    )  # fmt: skip
    if config.base == ".":
        config = msgspec.structs.replace(config, base=str(path.parent))
    config.verifiers()
    return config
