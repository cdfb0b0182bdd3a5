"""An authority's leaf node: the nats-server configuration beside its gateway.

The leaf runs no JetStream. It listens on loopback only, for the authority's gateway
(or its endpoint), and dials the hub's leafnode port over TLS 1.3, verifying the hub's
certificate against the hub's CA, with the authority's own NATS credentials: its creds
file on a hub in operator mode (the production hub, `deploy/nats/hub.conf`), or an
NKEY seed on a server that lists NKEY users itself. The hub binds the link to that
authority's account, so everything the gateway does through the leaf carries
exactly the authority's permissions; the leaf adds none of its own.

`render_leaf` writes the configuration; `deploy/nats/leaf.conf` is its output for the
production values (the creds file, the name from the environment), and the suite runs
leaves rendered by it against a three-node TLS hub in operator mode
(`tests/cluster/test_leaf_tls.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .natsconfig import NatsConfigError

__all__ = ["HUB_LEAF_PORT", "LeafAuth", "render_leaf"]

HUB_LEAF_PORT = 7422
"""The hub's leafnode port (the IANA-registered NATS leafnode port)."""

_ENV = re.compile(r"[A-Z_][A-Z0-9_]*")
_SEED = re.compile(r"SU[A-Z2-7]{56}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_URL = re.compile(r"tls://[A-Za-z0-9.:\[\]-]+:[0-9]{1,5}")


@dataclass(frozen=True)
class LeafAuth:
    """How the leaf signs in to the hub: exactly one of a creds file (`credentials`:
    the user JWT the hub issued and the user's seed, for a hub in operator mode), an
    NKEY seed given literally (`nkey_seed`), or an NKEY seed from an environment
    variable of the server process (`nkey_env`, so the file holds no secret); the last
    two for a server that lists NKEY users in its configuration."""

    nkey_seed: str | None = None
    nkey_env: str | None = None
    credentials: Path | None = None

    def line(self) -> str:
        """The remote's sign-in line."""
        given = [v for v in (self.nkey_seed, self.nkey_env, self.credentials) if v is not None]
        if len(given) != 1:
            raise NatsConfigError("give exactly one of nkey_seed, nkey_env, credentials")
        if self.nkey_seed is not None:
            if not _SEED.fullmatch(self.nkey_seed):
                raise NatsConfigError("nkey_seed is not a NATS user seed (58 chars, 'SU...')")
            return f"nkey: {_q(self.nkey_seed)}"
        if self.nkey_env is not None:
            if not _ENV.fullmatch(self.nkey_env):
                raise NatsConfigError(f"{self.nkey_env!r} is not an environment variable name")
            return f"nkey: ${self.nkey_env}"
        assert self.credentials is not None  # noqa: S101  (one of three, checked above)
        return f"credentials: {_q(str(self.credentials))}"


def render_leaf(
    *,
    name: str,
    hub_urls: Sequence[str],
    hub_ca_file: Path,
    auth: LeafAuth,
    port: int = 4222,
    http_port: int | None = None,
) -> str:
    """The leaf node's configuration file.

    `name` is the server name (`$VAR` takes it from the environment); `hub_urls` the
    hub nodes' leafnode URLs, each `tls://host:port` (the leaf tries them in turn);
    `hub_ca_file` the CA that signed the hub's certificates (the leaf refuses any other
    server); `port` the loopback port the gateway connects to; `http_port` a loopback
    monitoring port (`/leafz`, `/healthz`), none by default. Raises `NatsConfigError`
    for a value the server would misread.
    """
    if not (_NAME.fullmatch(name) or (name.startswith("$") and _ENV.fullmatch(name[1:]))):
        raise NatsConfigError(f"{name!r} is not a server name or $VARIABLE")
    if not hub_urls:
        raise NatsConfigError("give at least one hub URL")
    for url in hub_urls:
        if not _URL.fullmatch(url):
            raise NatsConfigError(f"{url!r} is not a tls://host:port URL")
    for p in (port, http_port):
        if p is not None and not 0 < p < 65536:
            raise NatsConfigError(f"port {p} is out of range")
    name_value = name if name.startswith("$") else _q(name)
    lines = [
        f"server_name: {name_value}",
        f"listen: 127.0.0.1:{port}",
        *([f"http: 127.0.0.1:{http_port}"] if http_port is not None else []),
        "",
        "leafnodes {",
        "  remotes: [",
        "    {",
        "      urls: [",
        *(f"        {_q(url)}" for url in hub_urls),
        "      ]",
        f"      {auth.line()}",
        "      tls {",
        f"        ca_file: {_q(str(hub_ca_file))}",
        '        min_version: "1.3"',
        "      }",
        "    }",
        "  ]",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _q(text: str) -> str:
    # JSON string syntax is the server's quoted-string syntax.
    return json.dumps(text)
