"""structlog configured once at start: JSON in production, console locally.

Per-message context is bound with contextvars (message id, sender, kind) — never
content, keys or identifiers; nothing here can add them. Both the broker and the
gateway configure logging the same way, so this lives with the protocol package that
both deployables depend on (and neither may import the other).
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog


def configure(fmt: Literal["console", "json"] = "console", level: str = "info") -> None:
    """Route structlog (and the standard library's warnings) to stderr."""
    numeric = logging.getLevelName(level.upper())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=max(numeric, logging.WARNING), stream=sys.stderr)
