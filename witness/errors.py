"""The witness service's errors: one base, each named for what went wrong."""

from __future__ import annotations


class WitnessServiceError(Exception):
    """Base class of the witness service's failures (reported as one line)."""


class ConfigError(WitnessServiceError):
    """A configuration file or value the witness cannot start with."""


class StateError(WitnessServiceError):
    """The state directory cannot be read, written or locked."""
