"""Every error the authority side raises: one base class, subclasses for what went wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemas.envelope import Sealed


class ClientError(Exception):
    """Base class of every error raised by `clients`."""


class DirectoryUnavailable(ClientError):
    """The directory could not be read from NATS (the broker side is unreachable)."""


class StoreDamaged(ClientError):
    """The endpoint's own store (its de-duplication record and directory head mark) holds
    something that does not read back: an operator must look, nothing is reset."""


class UnknownRecipient(ClientError):
    """A recipient or network that the verified directory does not hold (or holds
    inactive): refused before anything is sealed."""


class QuotaExceeded(ClientError):
    """The server refused a write past a byte quota (an evidence bucket's `max_bytes`).

    `quota` is the limit in bytes and `stored` what the bucket held when the write was
    refused (either may be None if the server could not be asked); nothing of the
    refused write is kept."""

    def __init__(self, message: str, *, bucket: str, quota: int | None, stored: int | None) -> None:
        super().__init__(message)
        self.bucket = bucket
        self.quota = quota
        self.stored = stored


class SendFailed(ClientError):
    """JetStream did not confirm it stored the envelope (the ingress stream refused, or
    no answer came in time: it may still have been stored).

    `sealed` is the envelope as sealed: publish exactly it again with `Endpoint.resend`
    (same bytes, same `Nats-Msg-Id`), never a new seal of the same body, so the message
    cannot arrive twice."""

    def __init__(self, message: str, sealed: Sealed) -> None:
        super().__init__(message)
        self.sealed = sealed

    @property
    def message_id(self) -> bytes:
        """The message id of the envelope that was not confirmed."""
        return self.sealed.binding.message_id
