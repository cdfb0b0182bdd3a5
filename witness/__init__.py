"""An independent witness of the audit log (c2sp.org/tlog-witness).

A third party — another country's authority, a UN body — runs it with
`palermo witness run`: it keeps, per log, the latest checkpoint it cosigned, verifies
a consistency proof from it to each new checkpoint the log submits, and answers its
cosignature (c2sp.org/tlog-cosignature). It depends on the protocol package only, like
the broker and the clients, and on neither of them: a witness operator installs
nothing of the hub's or an authority's side.
"""

from __future__ import annotations

from .config import LogConfig, WitnessConfig, load_config
from .errors import ConfigError, StateError, WitnessServiceError
from .run import running
from .service import Refused, Witness, make_app
from .state import Ledger, origin_hash

__all__ = [
    "ConfigError",
    "Ledger",
    "LogConfig",
    "Refused",
    "StateError",
    "Witness",
    "WitnessConfig",
    "WitnessServiceError",
    "load_config",
    "make_app",
    "origin_hash",
    "running",
]
