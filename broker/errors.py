"""Every error the broker raises: one base class, subclasses named for what went wrong."""

from __future__ import annotations


class BrokerError(Exception):
    """Base class of every error raised by `broker`."""


class ConfigError(BrokerError):
    """A configuration file or environment value that cannot be used."""


class TopologyError(BrokerError):
    """A stream, consumer or bucket that exists with a configuration we cannot accept."""


class NotReady(BrokerError):
    """The broker is asked to work before its directory watch has loaded."""
