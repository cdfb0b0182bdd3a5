"""The layered configuration decoder: a TOML file, then the environment, then overrides.

The broker's and the gateway's configurations are separate frozen Struct trees, decoded
the same way; this decoder is the one both use, so precedence and error messages are
the same on both sides. It lives with the protocol only because both deployables need
it and neither may import the other; it reads the files and the mapping it is given.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec

__all__ = ["decode_layers"]

T = TypeVar("T")


def decode_layers(
    kind: type[T],
    path: Path | None,
    env: Mapping[str, str] | None,
    overrides: Mapping[str, Any] | None,
    *,
    env_map: Mapping[str, tuple[str, ...]],
    error: type[Exception],
    what: str,
) -> T:
    """Decode `kind` from a TOML file, then the environment variables of `env_map`, then
    dotted `overrides` (``{"http.port": 0}``); every failure is an `error` naming the
    file and the field. `env` defaults to the process environment: this is the one
    place that reads it, once, at start."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text())
        except OSError as exc:
            raise error(f"cannot read {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise error(f"{path} is not valid TOML: {exc}") from exc
    for name, where in env_map.items():
        if env.get(name):
            _set(raw, where, env[name])
    for dotted, value in (overrides or {}).items():
        _set(raw, tuple(dotted.split(".")), value)
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as exc:
        raise error(f"{what}{f' in {path}' if path else ''}: {exc}") from exc


def _set(tree: dict[str, Any], where: tuple[str, ...], value: Any) -> None:
    for key in where[:-1]:
        tree = tree.setdefault(key, {})
    tree[where[-1]] = value
