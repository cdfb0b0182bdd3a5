"""E-mail addresses written with words ("name at domain dot com"), found around the
separators the scanner's cue words locate."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

__all__ = ["AT_WORDS", "obfuscated_emails"]

Hit = tuple[str, int, int]
"""(kind, start, end) in folded offsets."""

AT_WORDS: Final = ("at", "arroba", "arobase", "собака")
"""Words written for "@" between spaces."""

_AT: Final = (
    r"(?:\s*[(\[{<]\s*(?:at|@|arroba|arobase|собака)\s*[)\]}>]\s*"
    r"|\s+(?:at|arroba|arobase|собака)\s+)"
)
_DOT: Final = (
    r"(?:\s*[(\[{<]\s*(?:dot|point|punto|ponto|точка)\s*[)\]}>]\s*"
    r"|\s+(?:dot|point|punto|ponto|точка)\s+|\.)"
)
_TLD: Final = r"(?:com|org|net|info|biz|edu|gov|mail|[a-z]{2}|рф)"
_LOCAL_BEFORE: Final = re.compile(r"(?<![\w.+-])[a-z0-9][\w.+-]*\Z")
_OBFUSCATED_REST: Final = re.compile(
    rf"{_AT}(?P<domain>[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*?{_DOT}){_TLD}(?![\w@])"
)
_PLAIN_DOMAIN: Final = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.")
_LOCAL_MARK: Final = re.compile(r"[0-9._+\-]")
# Webmail domains: "john at gmail.com" is an address even with a plain local part.
_WEBMAIL: Final = frozenset(
    [
        "gmail",
        "googlemail",
        "yahoo",
        "ymail",
        "hotmail",
        "outlook",
        "live",
        "msn",
        "icloud",
        "me",
        "aol",
        "proton",
        "protonmail",
        "gmx",
        "mail",
        "yandex",
        "rambler",
        "inbox",
        "bk",
        "list",
        "ukr",
        "orange",
        "free",
        "wanadoo",
        "laposte",
        "sfr",
        "terra",
        "uol",
        "bol",
        "ig",
        "sapo",
    ]
)


def obfuscated_emails(folded: str, separators: Iterable[int]) -> list[Hit]:
    """E-mail addresses written with words: "name at domain dot com", "name (at) domain
    (dot) org", "nombre arroba dominio punto es", "имя собака домен точка рф". Only with a
    top-level domain at the end and a letter in the local part; written with a plain
    " at " and plain dots, the local part must hold a digit, ".", "_", "+" or "-", or
    the domain be a webmail's ("john at gmail.com"; "worked at hotel.com" is no
    address).

    `separators` are where "at", "(at)", "arroba", … start (`CUE_WORDS` finds them); the
    local part before each and the domain after it are matched there only."""
    hits: list[Hit] = []
    for at in separators:
        hit = _obfuscated_at(folded, at)
        if hit is not None:
            hits.append(hit)
    return hits


def _obfuscated_at(folded: str, at: int) -> Hit | None:
    # The separator may start with white space the local part is not followed by.
    while at > 0 and folded[at - 1].isspace():
        at -= 1
    rest = _OBFUSCATED_REST.match(folded, at)
    local = _LOCAL_BEFORE.search(folded, max(0, at - 64), at) if rest is not None else None
    if local is None or rest is None or not any(c.isalpha() for c in local[0]):
        return None  # "she was 17 at school.in 2020" has no local part
    plain = folded[at : rest.start("domain")].strip() == "at"
    domain = rest.group("domain")
    if (
        plain
        and _PLAIN_DOMAIN.fullmatch(domain)
        and not _LOCAL_MARK.search(local[0])
        and domain.split(".")[0] not in _WEBMAIL
    ):
        return None
    return ("email", local.start(), rest.end())
