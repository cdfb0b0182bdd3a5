"""Palermo authority side: the endpoint library, the national gateway, the CLI.

An authority's gateway (or a small authority directly) runs an `Endpoint`: it sends
minimised, sealed messages and receives verified ones, with receipts, broker notices,
evidence chains, audit checkpoints and MLA state tracking. Investigators at an
authority that runs a gateway use `GatewayClient` (or the `palermo` CLI) instead;
private keys stay in the gateway. Attachments travel encrypted in 64 KiB chunks
(`clients.attachments`).
"""

from .endpoint import BrokerNotice, Endpoint, Event, Received, Refused, Unopenable
from .errors import ClientError, DirectoryUnavailable, SendFailed, UnknownRecipient
from .evidence import AuditUnavailable, CheckpointWatcher, EvidenceChain, EvidenceLog, SplitView
from .gateway_client import GatewayClient
from .threads import HandlingViolation, MlaTracker, check_forward

__all__ = [
    "AuditUnavailable",
    "BrokerNotice",
    "CheckpointWatcher",
    "ClientError",
    "DirectoryUnavailable",
    "Endpoint",
    "Event",
    "EvidenceChain",
    "EvidenceLog",
    "GatewayClient",
    "HandlingViolation",
    "MlaTracker",
    "Received",
    "Refused",
    "SendFailed",
    "SplitView",
    "UnknownRecipient",
    "Unopenable",
    "check_forward",
]
