"""Minimisation of a whole message body before it is encrypted.

`minimise` pseudonymises and generalises every victim's and witness's identity, removes
it unless a disclosure is given, and refuses free text that still names or identifies
them. It is a pure function of its arguments: the same body, key and day give the same
result, and nothing is logged or stored.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import msgspec
import msgspec.inspect as mi

from ..errors import DisclosureInvalid, FieldFinding, IdentifierInFreeText, MinimisationError
from ..records import (
    SCAN_EXTRA_KEY as _SCAN_KEY,
)
from ..records import (
    SCAN_PERSONS_ONLY as _PERSONS_ONLY,
)
from ..records import (
    Address,
    Disclosure,
    Document,
    Officer,
    PersonIdentity,
    PersonName,
    Pseudonym,
    PseudonymKind,
    Suspect,
    Victim,
    VictimLevel,
    Witness,
)
from .generalise import age_band, is_minor, region_of
from .linkage import encode_name
from .normalise import normalise_identifier
from .pseudonym import LinkageKey, pseudonym
from .scan import ProtectedPerson, Scanner

T = TypeVar("T", bound=msgspec.Struct)
Person = Victim | Witness

# Records whose strings are not free text about a protected person: pseudonyms are
# bytes and codes, the author is the officer, a suspect is meant to be identified, and
# the identity is what minimisation handles itself.
_NOT_SCANNED = (Pseudonym, Officer, Suspect, PersonIdentity)


def name_text(name: PersonName) -> str:
    """A structured name as one string: given names, patronymic, family names."""
    parts = [*name.given, *([name.patronymic] if name.patronymic else []), *name.family]
    return " ".join(parts)


def _identity_values(
    identity: PersonIdentity,
) -> Iterator[tuple[PseudonymKind, str | dt.date | Document | Address, str]]:
    """(kind, value, field path inside the identity) of every direct identifier."""
    for index, name in enumerate(identity.names):
        yield "name", name, f"names[{index}]"
    for index, structured in enumerate(identity.structured_names):
        yield "name", name_text(structured), f"structured_names[{index}]"
    if identity.date_of_birth is not None:
        yield "date_of_birth", identity.date_of_birth, "date_of_birth"
    for index, document in enumerate(identity.documents):
        yield "document", document, f"documents[{index}]"
    for index, phone in enumerate(identity.phones):
        yield "phone", phone, f"phones[{index}]"
    for index, email in enumerate(identity.emails):
        yield "email", email, f"emails[{index}]"
    for index, address in enumerate(identity.addresses):
        yield "address", address, f"addresses[{index}]"
    for index, account in enumerate(identity.bank_accounts):
        yield "bank_account", account, f"bank_accounts[{index}]"


def _protected(identity: PersonIdentity) -> ProtectedPerson:
    identifiers: list[tuple[PseudonymKind, str]] = []
    for kind, value, _ in _identity_values(identity):
        match value:
            case dt.date():
                identifiers.append((kind, value.isoformat()))
            case Document(number=number) | Address(text=number):
                identifiers.append((kind, number))
            case str() if kind != "name":
                identifiers.append((kind, value))
    names = [*identity.names, *(name_text(n) for n in identity.structured_names)]
    family = [part for n in identity.structured_names for part in n.family]
    return ProtectedPerson(
        names=tuple(names), identifiers=tuple(identifiers), family_names=tuple(family)
    )


# What may hold a Struct; anything else (strings, numbers, bytes) is a leaf.
_CONTAINERS = (msgspec.Struct, list, tuple, set, frozenset, dict)


def _structs(value: object) -> Iterator[msgspec.Struct]:
    """Every Struct in `value`, depth first, `value` itself included."""
    if isinstance(value, msgspec.Struct):
        yield value
        items: Iterable[object] = msgspec.structs.astuple(value)
    elif isinstance(value, dict):
        items = value.values()
    elif isinstance(value, list | tuple | set | frozenset):
        items = value
    else:
        return
    for item in items:
        if isinstance(item, _CONTAINERS):
            yield from _structs(item)


def protected_identifiers(body: msgspec.Struct) -> list[ProtectedPerson]:
    """The names and identifiers of every victim and witness in `body` with an identity.

    Feed them to `Scanner` to check text that travels with the body (an attachment's
    description, a reply) against the same persons.
    """
    return _identities(_persons(body))


def _persons(body: msgspec.Struct) -> list[Person]:
    return [record for record in _structs(body) if isinstance(record, Victim | Witness)]


def _identities(records: list[Person]) -> list[ProtectedPerson]:
    return [_protected(r.identity) for r in records if r.identity is not None]


def person_regions(body: msgspec.Struct) -> list[str]:
    """The countries of every victim and witness in `body`: nationality, country or
    location country, and the countries of their identities' documents and addresses
    (ISO 3166-1 alpha-2, upper case, each once), for reading national phone numbers."""
    return _regions(_persons(body))


def _regions(records: list[Person]) -> list[str]:
    found: list[str | None] = []
    for record in records:
        if isinstance(record, Victim):
            found += [record.nationality, record.country]
        else:
            found.append(record.location_country)
        if record.identity is not None:
            found += [d.country for d in record.identity.documents]
            found += [a.country for a in record.identity.addresses]
    return list(dict.fromkeys(c.upper() for c in found if c))


def _with_persons(value: Any, path: str, change: Callable[[Person, str], Person]) -> Any:
    """`value` rebuilt with every Victim and Witness passed through `change`; parts
    without one are returned as they are (Structs are frozen, so sharing is safe)."""
    if isinstance(value, Victim | Witness):
        return change(value, path)
    if isinstance(value, msgspec.Struct):
        changes = {}
        for name, old in zip(value.__struct_fields__, msgspec.structs.astuple(value), strict=True):
            if not isinstance(old, _CONTAINERS):
                continue
            new = _with_persons(old, _join(path, name), change)
            if new is not old:
                changes[name] = new
        return msgspec.structs.replace(value, **changes) if changes else value
    if isinstance(value, list | tuple | set | frozenset):
        items = [_with_persons(item, f"{path}[{i}]", change) for i, item in enumerate(value)]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, dict):
        entries = {
            key: _with_persons(item, f"{path}[{i}]", change)
            for i, (key, item) in enumerate(value.items())
        }
        return entries if any(entries[k] is not value[k] for k in value) else value
    return value


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _minimise_person(
    record: Person, path: str, *, key: LinkageKey | None, today: dt.date, keep_identity: bool
) -> Person:
    identity = record.identity
    if identity is None:
        return record
    if key is None:
        raise MinimisationError(
            f"{path} has an identity: a linkage key is needed to pseudonymise it"
        )
    pseudonyms = list(record.pseudonyms)
    encodings = list(record.name_encodings)
    for kind, value, where in _identity_values(identity):
        try:
            normalised = normalise_identifier(kind, value)
        except MinimisationError as exc:
            raise MinimisationError(f"{path}.identity.{where}: {exc}") from exc
        if not normalised:
            # A name of punctuation only: its pseudonym would link every such name.
            continue
        made = pseudonym(key, kind, normalised)
        if made not in pseudonyms:
            pseudonyms.append(made)
    # A structured name is encoded without its patronymic, which Latin documents leave
    # out and siblings share; every name was checked by normalisation above.
    encoded_names = [
        *identity.names,
        *(" ".join([*n.given, *n.family]) for n in identity.structured_names),
    ]
    for name in encoded_names:
        encoded = encode_name(key, name)
        if encoded is not None and encoded not in encodings:
            encodings.append(encoded)
    changes: dict[str, object] = {"pseudonyms": pseudonyms, "name_encodings": encodings}
    changes.update(_generalised(record, identity, path, today))
    if not keep_identity:
        changes["identity"] = None
    return msgspec.structs.replace(record, **changes)


def _generalised(
    record: Person, identity: PersonIdentity, path: str, today: dt.date
) -> dict[str, object]:
    """Age band, minority and (victims) region and country, where not already set."""
    changes: dict[str, object] = {}
    if identity.date_of_birth is not None:
        try:
            if record.age_band is None:
                changes["age_band"] = age_band(identity.date_of_birth, today)
            if record.minor is None:
                changes["minor"] = is_minor(identity.date_of_birth, today)
        except MinimisationError as exc:
            raise MinimisationError(f"{path}.identity.date_of_birth: {exc}") from exc
    if isinstance(record, Victim) and identity.addresses:
        region, country = region_of(identity.addresses[0])
        if record.region is None and region is not None:
            changes["region"] = region
        if record.country is None and country is not None:
            changes["country"] = country
    return changes


@functools.cache
def _fields(cls: type[msgspec.Struct]) -> tuple[mi.Field, ...]:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)  # noqa: S101 - type_info of a Struct class
    return info.fields


# Values that hold no free text: skipped without building their paths.
_NOT_TEXT = (*_NOT_SCANNED, enum.Enum, bool, int, float, bytes)


@functools.cache
def _plan(cls: type[msgspec.Struct]) -> tuple[tuple[str, mi.Type, bool], ...]:
    """(name, declared type, marked as selector) of each field of a Struct class."""
    return tuple((f.name, f.type, _is_selector(f.type)) for f in _fields(cls))


def _members(info: mi.Type) -> tuple[mi.Type, ...]:
    """The alternatives of a declared type, with `Annotated` metadata unwrapped."""
    while isinstance(info, mi.Metadata):
        info = info.type
    if isinstance(info, mi.UnionType):
        return tuple(m for member in info.types for m in _members(member))
    return (info,)


def _item_type(info: mi.Type, index: int) -> mi.Type:
    for member in _members(info):
        if isinstance(member, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            return member.item_type
        if isinstance(member, mi.TupleType) and index < len(member.item_types):
            return member.item_types[index]
    return mi.AnyType()


def _is_selector(info: mi.Type) -> bool:
    """Whether `info` carries the `SELECTOR` marker, at any level of metadata or union."""
    if isinstance(info, mi.Metadata):
        extra = info.extra or {}
        return extra.get(_SCAN_KEY) == _PERSONS_ONLY or _is_selector(info.type)
    if isinstance(info, mi.UnionType):
        return any(_is_selector(member) for member in info.types)
    return False


def _free_texts(
    value: object, info: mi.Type, path: str, selector: bool = False
) -> Iterator[tuple[str, str, bool]]:
    """(dotted path, text, is a selector) of every free-text string in `value`,
    declared as `info`. Selector marking is inherited by a container's items."""
    if _skipped(type(value)):
        return
    selector = selector or _info_is_selector(info)
    if isinstance(value, msgspec.Struct):
        for name, field_type, marked in _plan(type(value)):
            item = getattr(value, name)
            # Empty values and values that hold no text are skipped without a path.
            if item and not _skipped(type(item)):
                yield from _free_texts(item, field_type, _join(path, name), selector or marked)
        return
    if isinstance(value, str):
        if _info_is_free_text(info, value):
            yield path, value, selector
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _free_texts(item, _item_type(info, index), f"{path}[{index}]", selector)
    elif isinstance(value, dict):
        dict_info = next((m for m in _members(info) if isinstance(m, mi.DictType)), None)
        key_info = dict_info.key_type if dict_info else mi.AnyType()
        value_info = dict_info.value_type if dict_info else mi.AnyType()
        # Paths name entries by position: a key may itself be the text that is refused.
        for index, (key, item) in enumerate(value.items()):
            yield from _free_texts(key, key_info, f"{path}[{index}]", selector)
            yield from _free_texts(item, value_info, f"{path}[{index}]", selector)


_SKIPPED: dict[type, bool] = {}


def _skipped(cls: type) -> bool:
    """Whether values of `cls` hold no free text (see `_NOT_TEXT`)."""
    answer = _SKIPPED.get(cls)
    if answer is None:
        answer = _SKIPPED[cls] = issubclass(cls, _NOT_TEXT)
    return answer


# Declared types are long-lived objects of the cached `_fields`, but not hashable:
# their answers are cached by identity, the object kept alongside to check it.
_SELECTOR_CACHE: dict[int, tuple[mi.Type, bool]] = {}
_TEXT_CACHE: dict[int, tuple[mi.Type, frozenset[object], bool]] = {}


def _info_is_selector(info: mi.Type) -> bool:
    cached = _SELECTOR_CACHE.get(id(info))
    if cached is not None and cached[0] is info:
        return cached[1]
    answer = _is_selector(info)
    if len(_SELECTOR_CACHE) < 4096:
        _SELECTOR_CACHE[id(info)] = (info, answer)
    return answer


def _info_is_free_text(info: mi.Type, value: str) -> bool:
    """Whether a string declared as `info` is free text: not a literal code and not an
    id constrained by a pattern (what depends on `info` alone is cached)."""
    cached = _TEXT_CACHE.get(id(info))
    if cached is None or cached[0] is not info:
        members = _members(info)
        literals = frozenset(v for m in members if isinstance(m, mi.LiteralType) for v in m.values)
        strings = [m for m in members if isinstance(m, mi.StrType)]
        free = not strings or any(m.pattern is None for m in strings)
        cached = (info, literals, free)
        if len(_TEXT_CACHE) < 4096:
            _TEXT_CACHE[id(info)] = cached
    return value not in cached[1] and cached[2]


def _check_disclosure(disclosure: Disclosure) -> None:
    # Structs built in Python are not validated; the legal basis is what gets audited,
    # so it is checked against the enumeration here rather than trusted.
    try:
        msgspec.convert(msgspec.to_builtins(disclosure), Disclosure)
    except (msgspec.ValidationError, TypeError) as exc:
        raise DisclosureInvalid(f"disclosure rejected: {exc}") from exc


def minimise(
    body: T,
    *,
    linkage_key: LinkageKey | None,
    today: dt.date,
    disclosure: Disclosure | None = None,
    regions: Sequence[str] = (),
) -> tuple[T, VictimLevel]:
    """Minimise a message body for sending; returns the new body and its victim level.

    Every Victim and Witness with an `identity` gains a pseudonym for each direct
    identifier (keyed by `linkage_key`), an age band and minority from the date of birth
    as of `today`, and (victims) region and country from the first address, where these
    are not already set. Without `disclosure` the identity is then removed and every
    free-text string in the body is scanned for the persons' names and identifiers and
    for identifier patterns. With a valid `disclosure` identities stay and nothing is
    scanned: disclosure is the sender's explicit, audited decision.

    Returns the level "disclosed" with a disclosure, else "pseudonymised" when the body
    holds a victim, witness or pseudonym, else "none".

    Raises `MinimisationError` when an identity is present but `linkage_key` is None or
    an identifier cannot be normalised; `IdentifierInFreeText` (naming the first field
    and identifier kind, and listing every finding with field, kind and span, never a
    value) when free text still identifies someone;
    `DisclosureInvalid` for a disclosure whose legal basis or reference is invalid.
    """
    if disclosure is not None:
        _check_disclosure(disclosure)
    elif getattr(body, "disclosure", None) is not None:
        raise DisclosureInvalid("a body's disclosure is set by sealing with a disclosure")
    records = _persons(body)
    persons = _identities(records)
    all_regions = [*regions, *_regions(records)]

    def change(record: Person, path: str) -> Person:
        return _minimise_person(
            record, path, key=linkage_key, today=today, keep_identity=disclosure is not None
        )

    minimised: T = _with_persons(body, "", change)
    if disclosure is not None:
        # The recipients read the decision (basis and reference) with the identities.
        return msgspec.structs.replace(minimised, disclosure=disclosure), "disclosed"
    scanner = Scanner(persons, regions=all_regions)
    findings: list[FieldFinding] = []
    for path, text, selector in _free_texts(minimised, mi.AnyType(), ""):
        findings += (
            FieldFinding(path, f.kind, f.start, f.end)
            for f in scanner.findings(text, patterns=not selector)
        )
    if findings:
        first = findings[0]
        raise IdentifierInFreeText(
            field=first.field, identifier=first.kind, findings=tuple(findings)
        )
    # Minimising adds pseudonyms only to victims and witnesses: the body holds a
    # pseudonym after it exactly when it held a victim, witness or pseudonym before.
    protected = bool(records) or any(isinstance(s, Pseudonym) for s in _structs(body))
    return minimised, "pseudonymised" if protected else "none"
