"""Every error the authority side raises: one base class, subclasses for what went wrong."""

from __future__ import annotations


class ClientError(Exception):
    """Base class of every error raised by `clients`."""


class DirectoryUnavailable(ClientError):
    """The directory could not be read from NATS (the broker side is unreachable)."""


class UnknownRecipient(ClientError):
    """A recipient or network that the verified directory does not hold (or holds
    inactive): refused before anything is sealed."""


class SendFailed(ClientError):
    """JetStream did not store the envelope (the ingress stream refused or timed out)."""
