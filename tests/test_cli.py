"""The `palermo` command: its command groups, and the `palermo keys` commands."""

from __future__ import annotations

import argparse
import json
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from broker.errors import BrokerError
from clients.cli import COMMAND_GROUP, build_parser, main
from clients.errors import ClientError
from schemas.errors import ProtocolError
from schemas.keystore import load_keystore

ROOT = Path(__file__).resolve().parents[1]


def test_keys_new_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`keys new` writes a keystore that `keys show` opens, printing the same public keys."""
    secret = tmp_path / "pass"
    secret.write_text("a long enough passphrase\n")
    out = tmp_path / "ng.keystore"
    args = ["--passphrase-file", str(secret)]
    assert (
        main(["keys", "new", "--authority", "ng-naptip", "--out", str(out), "--fast-kdf", *args])
        == 0
    )
    created = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert main(["keys", "show", str(out), *args]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert created == shown
    keys = load_keystore(out, "a long enough passphrase")
    assert shown["signing"]["key_id"] == keys.signing.key_id.hex()


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad authority id or a wrong passphrase ends with one line on stderr and exit 1."""
    secret = tmp_path / "pass"
    secret.write_text("a long enough passphrase")
    assert main(["keys", "new", "--authority", "NG_bad", "--passphrase-file", str(secret)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("palermo: 'NG_bad' is not an authority id")
    assert err.count("\n") == 1
    out = tmp_path / "k"
    main(
        [
            "keys",
            "new",
            "--authority",
            "ng-naptip",
            "--out",
            str(out),
            "--fast-kdf",
            "--passphrase-file",
            str(secret),
        ]
    )
    capsys.readouterr()
    secret.write_text("another long passphrase")
    assert main(["keys", "show", str(out), "--passphrase-file", str(secret)]) == 1
    assert "does not open the keystore of ng-naptip" in capsys.readouterr().err


def test_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An existing keystore is not replaced without --force."""
    out = tmp_path / "k"
    out.write_text("precious")
    secret = tmp_path / "pass"
    secret.write_text("a long enough passphrase")
    assert (
        main(
            [
                "keys",
                "new",
                "--authority",
                "ng-naptip",
                "--out",
                str(out),
                "--passphrase-file",
                str(secret),
            ]
        )
        == 1
    )
    assert "pass --force" in capsys.readouterr().err
    assert out.read_text() == "precious"


DOCUMENTED = {
    "keys": ["new", "show"],
    "up": [],
    "directory": [
        "init",
        "list",
        "add",
        "add-broker",
        "root-key",
        "suspend",
        "revoke",
        "reinstate",
        "sign-head",
    ],
    "broker-keys": ["new", "show"],
    "audit": ["export", "verify"],
    "nats-config": [],
    "demo": ["send", "exchange", "gateways"],
    "gateway": ["erase", "erasures"],
    "endpoint": ["send", "inbox", "directory"],
    "witness": ["keygen", "vkey", "run"],
    "stats": ["aggregate", "check"],
    **{c: [] for c in ("send", "inbox", "read", "thread", "fetch", "evidence", "ack")},
    **{c: [] for c in ("evidence-export", "evidence-directory", "evidence-verify")},
}


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_documented_command_is_one_palermo_command() -> None:
    """The broker's and the authority side's command groups, found through the
    `palermo.commands` entry points, make up one `palermo` with every documented
    subcommand, and the installed entry points are the ones pyproject.toml declares."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"][
        COMMAND_GROUP
    ]
    installed = {e.name: e.value for e in metadata.entry_points(group=COMMAND_GROUP)}
    assert installed == declared, "reinstall (make lint) after changing pyproject.toml"
    parser, errors = build_parser()
    groups = _choices(parser)
    assert sorted(groups) == sorted(DOCUMENTED)
    for name, subcommands in DOCUMENTED.items():
        if subcommands:
            assert sorted(_choices(groups[name])) == sorted(subcommands), name
    assert {BrokerError, ClientError, ProtocolError} <= set(errors)


def test_broker_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An error of a broker command group is reported as one line, like the clients'."""
    secret = tmp_path / "pass"
    secret.write_text("a long enough passphrase\n")
    existing = tmp_path / "broker.keystore"
    existing.write_text("x")
    args = ["broker-keys", "new", "--out", str(existing), "--passphrase-file", str(secret)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err == f"palermo: {existing} exists; pass --force to replace it\n"


def test_a_broken_command_group_leaves_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command group whose module cannot be imported is named in one line on stderr;
    every other command still works."""
    dist = tmp_path / "palermo_extra-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: palermo-extra\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        f"[{COMMAND_GROUP}]\nextra = palermo_no_such_module:add_commands\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    secret = tmp_path / "pass"
    secret.write_text("correct horse battery staple\n")
    out = tmp_path / "it-dna.keystore"
    args = ["keys", "new", "--authority", "it-dna", "--out", str(out), "--fast-kdf"]
    assert main([*args, "--passphrase-file", str(secret)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("palermo: commands 'extra' unavailable: No module named")
    assert err.count("\n") == 1
    assert out.exists()


def test_demo_commands_need_the_demo_broker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the files `palermo up --demo` writes, the demo commands say so in one line."""
    assert main(["demo", "send", "--data-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"palermo: {tmp_path}/demo-passphrase is missing: start the demo broker first "
        f"(palermo up --demo --data-dir {tmp_path})\n"
    )


def _leaves(parser: argparse.ArgumentParser, path: list[str]) -> list[list[str]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [path]
    # A command that runs on its own and has subcommands too (`gateway`) is one itself.
    runs = [path] if path and parser.get_default("run") is not None else []
    return runs + [
        leaf for a in subs for n, p in a.choices.items() for leaf in _leaves(p, [*path, n])
    ]


COMMANDS = [" ".join(path) for path in _leaves(build_parser()[0], [])]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_description_defaults_and_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`palermo COMMAND --help` has a description, an example, and shows the default of
    every option that has one."""
    with pytest.raises(SystemExit) as stopped:
        main([*command.split(), "--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    usage, description = text.split("\n\n")[:2]
    assert usage.startswith(f"usage: palermo {command}")
    assert description.strip()
    assert not description.startswith(("options:", "positional"))
    assert f"example:\n  palermo {command}" in text
    parser = build_parser()[0]
    for word in command.split():
        parser = next(
            a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
        ).choices[word]
    flat = " ".join(text.split())
    for action in parser._actions:
        if action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
            said = "default" in (action.help or "")
            assert said or f"(default: {action.default})" in flat, action.option_strings


def test_attach_says_which_victim_level_it_assumes(capsys: pytest.CaptureFixture[str]) -> None:
    """`send --help` says an attachment is taken as pseudonymised unless told otherwise."""
    with pytest.raises(SystemExit):
        main(["send", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--attachment-level: pseudonymised unless you say otherwise" in text
