"""The `palermo` command line.

One command for every tool of the project. Its subcommand groups are found through the
`palermo.commands` entry-point group (see pyproject.toml): each entry point is a
function that adds its subcommands to the parser and returns the error types its
commands report as one line. So the authority side's tools (`keys`, `gateway`, `send`,
`endpoint`, `demo`, ...) and the broker's (`up`, `directory`, `audit`, `nats-config`,
`broker-keys`) share one command while neither package imports the other. Errors are
one clear line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any, Final

from schemas.errors import ProtocolError

from .cli_common import ERRORS

COMMAND_GROUP: Final = "palermo.commands"
"""The entry-point group whose members add subcommands to `palermo`."""

AddCommands = Callable[[Any], tuple[type[Exception], ...]]


def _groups() -> list[tuple[str, AddCommands]]:
    """The installed command groups, by entry-point name; one that cannot be loaded is
    named on stderr and left out, so the other tools still work."""
    found: dict[str, AddCommands] = {}
    for entry in metadata.entry_points(group=COMMAND_GROUP):
        if entry.name in found:
            continue
        try:
            found[entry.name] = entry.load()
        except (ImportError, AttributeError) as exc:
            print(f"palermo: commands {entry.name!r} unavailable: {exc}", file=sys.stderr)
    return sorted(found.items())


def build_parser() -> tuple[argparse.ArgumentParser, tuple[type[Exception], ...]]:
    """The argument parser of `palermo` with every installed subcommand, and the errors
    those subcommands report as one line."""
    parser = argparse.ArgumentParser(
        prog="palermo",
        description="Signed, end-to-end encrypted exchange between competent authorities.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    errors: list[type[Exception]] = [ProtocolError, *ERRORS]
    for _, add_commands in _groups():
        errors.extend(add_commands(commands))
    return parser, tuple(dict.fromkeys(errors))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `palermo` console script.

    Whatever goes wrong ends in one line on stderr: the command's own errors and a file
    that cannot be read or written exit 1, Ctrl-C exits 130, and an error no command
    expected exits 70 naming its type (a bug to report, not a traceback to read)."""
    parser, errors = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except errors as exc:
        return _fail(str(exc), 1)
    except OSError as exc:
        return _fail(_os_error(exc), 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:  # the last resort: one line instead of a traceback
        return _fail(f"unexpected {type(exc).__name__}: {exc} (please report it)", 70)
    return code


def _fail(message: str, code: int) -> int:
    """Print `message` as one line on stderr and return `code`. Characters that are not
    printable (a newline in an id a user typed, a terminal escape in a file name) are
    shown escaped, so the line stays one line and says what was there."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    print(f"palermo: {shown}", file=sys.stderr)
    return code


def _os_error(exc: OSError) -> str:
    """An operating-system error as one line: the file and why, as other Unix tools say
    it ("key.txt: No such file or directory")."""
    why = exc.strerror or str(exc) or type(exc).__name__
    return why if exc.filename is None else f"{exc.filename}: {why}"


if __name__ == "__main__":
    sys.exit(main())
