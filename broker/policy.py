"""Routing policy and per-sender rate limits.

Policy sees only what the broker may see: the sender's and recipients' directory
records and the binding's kind, victim-identifier level and legal basis.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from schemas.directory import AuthorityRecord

from .config import PolicyConfig

STATISTICS_KIND: Final = "statistics_report"
COORDINATOR: Final = "coordinator"


@dataclass(frozen=True)
class Refusal:
    """A policy refusal: the rejection code and a sentence the sender can act on."""

    code: Literal["policy_denied", "disclosure_denied"]
    detail: str


def _matches(patterns: Sequence[str], values: Sequence[str]) -> bool:
    return "*" in patterns or any(v in patterns for v in values)


class Policy:
    """Decides whether a sender may send a kind to recipients at a victim level."""

    def __init__(self, config: PolicyConfig) -> None:
        self._config = config

    def check(
        self,
        sender: AuthorityRecord,
        kind: str,
        recipients: Sequence[AuthorityRecord],
        victim_level: str,
        legal_basis: str | None,
    ) -> Refusal | None:
        """`None` if allowed, else the `policy_denied` or `disclosure_denied` refusal.

        Whatever the rules say, a `statistics_report` goes only to coordinators: its
        counts are published only after the coordinator's suppression."""
        for recipient in recipients:
            if kind == STATISTICS_KIND and COORDINATOR not in recipient.roles:
                return Refusal(
                    "policy_denied",
                    f"{kind} goes only to a coordinator; {recipient.id} "
                    f"({', '.join(recipient.roles)}) is not one",
                )
            if not self._allowed(sender, kind, recipient):
                return Refusal(
                    "policy_denied",
                    f"{sender.id} ({', '.join(sender.roles)}) may not send {kind} to "
                    f"{recipient.id} ({', '.join(recipient.roles)})",
                )
        if victim_level == "disclosed":
            c = self._config
            if kind not in c.disclosure_kinds:
                return Refusal("disclosure_denied", f"{kind} may not carry disclosed identifiers")
            if legal_basis not in c.disclosure_legal_bases:
                return Refusal(
                    "disclosure_denied", f"legal basis {legal_basis} is not accepted for disclosure"
                )
            for recipient in recipients:
                if not any(role in c.disclosure_recipient_roles for role in recipient.roles):
                    return Refusal(
                        "disclosure_denied",
                        f"{recipient.id} may not receive disclosed identifiers",
                    )
        return None

    def _allowed(self, sender: AuthorityRecord, kind: str, recipient: AuthorityRecord) -> bool:
        return any(
            _matches(rule.kinds, [kind])
            and _matches(rule.senders, sender.roles)
            and _matches(rule.recipients, recipient.roles)
            for rule in self._config.rules
        )


class RateLimiter:
    """A token bucket per key, refilled continuously (monotonic clock), in one process.

    The ingress pipeline does not use it: its rate is judged on ingress time and shared
    between broker processes (`broker.ratelimit`)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, sender: str) -> bool:
        """Take one token for `sender`; False when its bucket is empty."""
        now = self._clock()
        tokens, last = self._buckets.get(sender, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens < 1.0:
            self._buckets[sender] = (tokens, now)
            return False
        self._buckets[sender] = (tokens - 1.0, now)
        return True
