"""Which victims and witnesses stored at the gateway are the same person.

A message's victims and witnesses carry keyed pseudonyms and name encodings
(`schemas.minimise`); `schemas.minimise.linkage.link` compares two such records made
under one linkage key. `collect` and `compare` compare each person of one stored message with the
persons of the gateway's most recent stored messages, sent and received, under every
key of that person that this gateway holds. Erased and refused messages are not read;
nothing here decrypts more than the store already holds, and the answer carries scores
and agreeing kinds, never an identifier.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Final, Literal

import msgspec

from schemas.kinds import Message
from schemas.minimise import LinkageKey
from schemas.minimise.linkage import Link, link
from schemas.records import Victim, Witness

from .gateway_linkage import LinkageKeys
from .gateway_schema import HexId
from .gateway_store import MessageStore

__all__ = [
    "DEFAULT_WINDOW", "MAX_WINDOW", "Comparison", "LinkCandidate", "LinksView", "PersonLinks",
    "collect", "compare",
]  # fmt: skip

DEFAULT_WINDOW: Final = 2_000
MAX_WINDOW: Final = 20_000
MAX_CANDIDATES: Final = 20
Person = Victim | Witness


class LinkCandidate(msgspec.Struct, frozen=True, kw_only=True):
    """A person of another stored message, compared with one person of this message."""

    message_id: HexId
    ref: str
    role: Literal["victim", "witness"]
    linked: bool
    """The decision: the score reached the threshold of `docs/minimisation.md`."""
    score: float
    name_similarity: float | None
    agreements: list[str]
    """Kinds whose pseudonyms are equal (date_of_birth, document, phone, ...)."""
    disagreements: list[str]


class PersonLinks(msgspec.Struct, frozen=True, kw_only=True):
    """One victim or witness of the message, and the best candidates found for it."""

    ref: str
    role: Literal["victim", "witness"]
    key_held: bool
    """Whether this gateway holds a linkage key the person's pseudonyms were made with;
    without one nothing can be compared."""
    candidates: list[LinkCandidate]
    """Linked candidates first, then by score; at most 20, only with a positive score."""


class LinksView(msgspec.Struct, frozen=True, kw_only=True):
    """`GET /v1/messages/{message_id}/links`."""

    message_id: HexId
    persons: list[PersonLinks]
    searched: int
    """How many other stored messages were compared (the most recent `window`)."""


def _persons(value: object) -> Iterator[Person]:
    """Every victim and witness inside a body, at any depth."""
    if isinstance(value, Victim | Witness):
        yield value
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from _persons(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _persons(item)


def _role(person: Person) -> Literal["victim", "witness"]:
    return "victim" if isinstance(person, Victim) else "witness"


def _key_ids(person: Person) -> list[bytes]:
    ids = [p.key_id for p in person.pseudonyms] + [e.key_id for e in person.name_encodings]
    return sorted(set(ids))


@dataclasses.dataclass(frozen=True)
class Comparison:
    """What `compare` needs, read from the store: the message's body, the keys held for
    its persons, and the other bodies."""

    message_id: str
    body: Message
    keys: dict[bytes, LinkageKey]
    others: list[tuple[str, Message]]


def collect(
    store: MessageStore, keys: LinkageKeys, message_id: str, *, window: int = DEFAULT_WINDOW
) -> Comparison | None:
    """Read what `compare` needs (on the store's thread); None if the store has no such
    message. Raises `CaseErased` when that message's content was erased."""
    message = store.get(message_id)
    if message is None:
        return None
    held: dict[bytes, LinkageKey] = {}
    for person in _persons(message.body):
        for key_id in _key_ids(person):
            key = keys.by_key_id(key_id)
            if key is not None:
                held[key_id] = key
    others = list(store.recent_bodies(exclude=message_id, limit=window)) if held else []
    return Comparison(message_id, message.body, held, others)


def compare(found: Comparison) -> LinksView:
    """Each victim and witness of the message against every person of the other bodies,
    under each key of the person that the gateway holds (pure computation: run it off
    the event loop)."""
    persons = []
    for person in _persons(found.body):
        keys = [found.keys[id_] for id_ in _key_ids(person) if id_ in found.keys]
        candidates = []
        for other_id, body in found.others:
            for other in _persons(body):
                for key in keys:
                    result = link(person, other, key=key)
                    if result.comparable and result.score > 0:
                        candidates.append(_candidate(other_id, other, result))
        candidates.sort(key=lambda c: (not c.linked, -c.score))
        top = candidates[:MAX_CANDIDATES]
        persons.append(
            PersonLinks(ref=person.ref, role=_role(person), key_held=bool(keys), candidates=top)
        )
    return LinksView(message_id=found.message_id, persons=persons, searched=len(found.others))


def _candidate(message_id: str, person: Person, result: Link) -> LinkCandidate:
    similarity = result.name_similarity
    return LinkCandidate(
        message_id=message_id, ref=person.ref, role=_role(person), linked=result.decision,
        score=round(result.score, 3),
        name_similarity=None if similarity is None else round(similarity, 3),
        agreements=list(result.agreements), disagreements=list(result.disagreements),
    )  # fmt: skip
