"""Palermo authority side: the endpoint library, the national gateway, the CLI.

An authority's gateway (or a small authority directly) runs an `Endpoint`: it sends
minimised, sealed messages and receives verified ones, with receipts, broker notices,
evidence chains, audit checkpoints and MLA and extradition state tracking; every
failure of one inbox message is a typed event (`clients.events`). Investigators at an
authority that runs a gateway use `GatewayClient` (or the `palermo` CLI) instead;
private keys stay in the gateway. Attachments travel encrypted in 64 KiB chunks
(`clients.attachments`).
"""

from .endpoint import Endpoint
from .errors import (
    ClientError,
    DirectoryUnavailable,
    SendFailed,
    StoreDamaged,
    UnknownRecipient,
)
from .events import (
    BadDelivery,
    BrokerNotice,
    Deferred,
    Event,
    Received,
    Refused,
    Replayed,
    Unopenable,
)
from .evidence import (
    AuditUnavailable,
    CheckpointWatcher,
    EvidenceChain,
    EvidenceLog,
    QuorumNotMet,
    SplitView,
)
from .gateway_client import GatewayClient
from .threads import HandlingViolation, MlaTracker, NotThreadParty, StatusTracker, check_forward

__all__ = [
    "AuditUnavailable",
    "BadDelivery",
    "BrokerNotice",
    "CheckpointWatcher",
    "ClientError",
    "Deferred",
    "DirectoryUnavailable",
    "Endpoint",
    "Event",
    "EvidenceChain",
    "EvidenceLog",
    "GatewayClient",
    "HandlingViolation",
    "MlaTracker",
    "NotThreadParty",
    "QuorumNotMet",
    "Received",
    "Refused",
    "Replayed",
    "SendFailed",
    "SplitView",
    "StatusTracker",
    "StoreDamaged",
    "UnknownRecipient",
    "Unopenable",
    "check_forward",
]
