"""The `palermo keys` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clients.cli import main
from schemas.keystore import load_keystore


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
