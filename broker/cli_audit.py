"""`palermo audit export` and `palermo audit verify`: the audit log out of NATS, and
checked offline against signed checkpoints."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .cli_common import ERRORS, connect_args, nats_args, run_nats


def _audit_export(args: argparse.Namespace) -> int:
    from .auditlog import export_audit  # noqa: PLC0415

    async def run() -> int:
        nc = await connect_args(args)
        try:
            with open(args.out, "w", encoding="utf-8") as out:  # noqa: ASYNC230  (a CLI run)
                summary = await export_audit(nc.jetstream(), out)
            if args.checkpoint_out and summary.checkpoint:
                Path(args.checkpoint_out).write_bytes(summary.checkpoint)  # noqa: ASYNC240
        finally:
            await nc.drain()
        print(f"exported {summary.events} events (last sequence {summary.last_seq}) to {args.out}")
        return 0

    return run_nats(run(), args.nats_url)


def _audit_verify(args: argparse.Namespace) -> int:
    from .auditlog import (  # noqa: PLC0415
        AuditLogTampered,
        CheckpointRejected,
        ExportMalformed,
        verify_export,
    )

    try:
        report = verify_export(
            Path(args.export), [Path(c).read_bytes() for c in args.checkpoint], args.vkey
        )
    except AuditLogTampered as exc:
        print(f"palermo: audit log does not verify: {exc}", file=sys.stderr)
        return 1
    except (ExportMalformed, CheckpointRejected) as exc:
        print(f"palermo: {exc}", file=sys.stderr)
        return 2
    largest = max(c.size for c in report.checkpoints)
    print(
        f"audit log verifies: {report.events} events; {len(report.checkpoints)} signed "
        f"checkpoint(s), the largest of size {largest}, cover {report.covered} of them"
    )
    return 0


def add_commands(commands: Any) -> tuple[type[Exception], ...]:
    """Add `palermo audit`; returns the errors its commands report as one line."""
    audit = commands.add_parser("audit", help="export and verify the audit log")
    a_sub = audit.add_subparsers(dest="audit_command", required=True)
    export = a_sub.add_parser("export", help="write every audit event and the tree tiles")
    nats_args(export)
    export.add_argument("--out", required=True)
    export.add_argument("--checkpoint-out", help="also write the latest signed checkpoint")
    export.set_defaults(run=_audit_export)
    verify = a_sub.add_parser("verify", help="verify an export offline")
    verify.add_argument("export")
    verify.add_argument(
        "--checkpoint", action="append", required=True, help="a signed checkpoint file (repeatable)"
    )
    verify.add_argument("--vkey", required=True, help="the log's verifier key")
    verify.set_defaults(run=_audit_verify)
    return ERRORS
