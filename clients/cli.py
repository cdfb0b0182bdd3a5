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
    _finish_help(parser, [])
    return parser, tuple(dict.fromkeys(errors))


EXAMPLES: Final[dict[str, str]] = {
    "audit export": "palermo audit export --nkey-seed governor.nk --out audit.jsonl "
    "--checkpoint-out checkpoint.txt",
    "audit verify": "palermo audit verify audit.jsonl --checkpoint checkpoint.txt --vkey VKEY",
    "broker-keys new": "palermo broker-keys new --out broker.keystore --origin hub.example/audit",
    "broker-keys show": "palermo broker-keys show --keystore broker.keystore --config broker.toml",
    "demo send": "palermo demo send --data-dir data",
    "demo exchange": "palermo demo exchange --data-dir data",
    "demo gateways": "palermo demo gateways --data-dir data",
    "directory init": "palermo directory init --out root.keystore",
    "directory list": "palermo directory list --nkey-seed governor.nk "
    "--root-keystore root.keystore",
    "directory add": "palermo directory add --root-keystore root.keystore --authority ng-naptip "
    '--name "NAPTIP" --roles police,prosecutor --keystore ng-naptip.keystore '
    "--config broker.toml",
    "directory add-broker": "palermo directory add-broker --root-keystore root.keystore "
    "--broker-keystore broker.keystore",
    "directory root-key": "palermo directory root-key --root-keystore root.keystore",
    "directory suspend": "palermo directory suspend --root-keystore root.keystore ng-naptip",
    "directory revoke": "palermo directory revoke --root-keystore root.keystore ng-naptip",
    "directory reinstate": "palermo directory reinstate --root-keystore root.keystore "
    "ng-naptip --config broker.toml",
    "directory sign-head": "palermo directory sign-head --root-keystore root.keystore",
    "endpoint send": "palermo endpoint send referral.toml --to it-dna --keystore "
    "ng-naptip.keystore --root-public ROOT",
    "endpoint directory": "palermo endpoint directory --keystore ng-naptip.keystore "
    "--root-public ROOT",
    "endpoint inbox": "palermo endpoint inbox --keystore ng-naptip.keystore --root-public ROOT",
    "evidence-export": "palermo evidence-export MESSAGE_ID --out evidence.json",
    "evidence-directory": "palermo evidence-directory --root-public ROOT --out directory.json",
    "evidence-verify": "palermo evidence-verify evidence.json --directory directory.json",
    "gateway": "palermo gateway --config gateway.toml",
    "gateway erase": "palermo gateway erase --config gateway.toml --thread THREAD_ID "
    "--legal-basis court_order --reference 'Ord. 2026/118'",
    "gateway erasures": "palermo gateway erasures --config gateway.toml --thread THREAD_ID",
    "send": "palermo send request.toml --to gb-ukca --attach records.pdf",
    "inbox": "palermo inbox --unacknowledged",
    "read": "palermo read MESSAGE_ID",
    "thread": "palermo thread THREAD_ID",
    "fetch": "palermo fetch MESSAGE_ID 0 --out statement.pdf",
    "evidence": "palermo evidence MESSAGE_ID",
    "ack": "palermo ack MESSAGE_ID",
    "keys new": "palermo keys new --authority ng-naptip --out ng-naptip.keystore",
    "keys show": "palermo keys show ng-naptip.keystore",
    "nats-config init": "palermo nats-config init --dir /etc/palermo/nats/hub",
    "nats-config user": "palermo nats-config user --dir hub --root-public ROOT "
    "--authority ng-naptip --nkey UABC... --out ng-naptip.jwt --creds governor.creds",
    "nats-config push": "palermo nats-config push --dir hub --root-public ROOT "
    "--creds governor.creds",
    "nats-config creds": "palermo nats-config creds --jwt ng-naptip.jwt "
    "--seed ng-naptip.nk --out ng-naptip.creds",
    "up": "palermo up --config broker.toml",
    "stats aggregate": "palermo stats aggregate received.jsonl --out published",
    "stats check": "palermo stats check report.json",
}
"""One example per command, shown at the end of its `--help`."""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the example's line breaks and adds each option's default to its help,
    unless the help already says it or there is no default to show."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            action.option_strings
            and default not in (None, False, argparse.SUPPRESS)
            and "default" not in text
            and "%(default)" not in text
        ):
            text = f"{text} (default: %(default)s)".strip()
        return text


def _finish_help(parser: argparse.ArgumentParser, path: list[str]) -> None:
    """Give every command the same help: its description (its one-line help when it has
    none of its own), every option's default, and its example."""
    parser.formatter_class = _HelpFormatter
    for action in parser._actions:  # argparse has no public walk of its tree
        # argparse prints nothing, not even the default, for an option without help.
        showable = action.default not in (None, False, argparse.SUPPRESS)
        if not action.help and action.option_strings and showable:
            action.help = "default: %(default)s"
        if isinstance(action, argparse._SubParsersAction):
            helps = {c.dest: c.help for c in action._choices_actions}
            for name, sub in action.choices.items():
                if sub.description is None and (text := str(helps.get(name) or "")):
                    sub.description = text[0].upper() + text[1:] + "."
                _finish_help(sub, [*path, name])
    command = " ".join(path)
    if command in EXAMPLES and parser.epilog is None:
        parser.epilog = "example:\n  " + EXAMPLES[command]


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
