"""Every error the protocol layer raises.

One base class, `ProtocolError`; each subclass names what went wrong. Messages name
the bad input (a field, a kind, an authority id) and never a key, a plaintext or an
identifier value. Each class carries `code`, the enumerated reason a sender or an
operator can act on; the broker and the clients reuse these codes on the wire.
"""

from __future__ import annotations

import dataclasses


class ProtocolError(Exception):
    """Base class of every error raised by `schemas`."""

    code: str = "protocol_error"


# --- envelope -----------------------------------------------------------------------


class Malformed(ProtocolError):
    """Bytes that do not decode to the expected structure, or not canonically."""

    code = "malformed"


class TooLarge(ProtocolError):
    """An envelope or an inline payload over its size cap."""

    code = "too_large"


class SignatureInvalid(ProtocolError):
    """An Ed25519 signature that does not verify."""

    code = "bad_signature"


class OuterSignatureInvalid(SignatureInvalid):
    """The sender's signature over the header does not verify."""


class InnerSignatureInvalid(SignatureInvalid):
    """The sender's signature inside the ciphertext does not verify."""


class Tampered(ProtocolError):
    """Ciphertext, key commitment or length disagree with the signed header."""

    code = "tampered"


class NotARecipient(ProtocolError):
    """The opening authority is not among the message's recipients."""

    code = "not_a_recipient"


class WrongKey(ProtocolError):
    """The message was encrypted to a key the opening authority does not hold."""

    code = "wrong_key"


class Expired(ProtocolError):
    """The message's `expires` time has passed."""

    code = "expired"


class NotYetValid(ProtocolError):
    """The message was created further in the future than the allowed clock skew."""

    code = "not_yet_valid"


class ReplayDetected(ProtocolError):
    """A (sender, message id) seen before with a different envelope."""

    code = "replay"


class KindMismatch(Malformed):
    """The decrypted body is of a different kind than the signed binding says."""


# --- keys and directory -------------------------------------------------------------


class InvalidAuthorityId(ProtocolError):
    """A string that is not wholly an authority id (`[a-z]{2}-[a-z0-9]{1,30}`, nothing after)."""

    code = "invalid_authority_id"


class UnknownKey(ProtocolError):
    """A key id that no directory record lists for that authority."""

    code = "unknown_key"


class KeyInvalid(ProtocolError):
    """A key that exists but is outside its validity window or has the wrong use."""

    code = "key_invalid"


class UnknownAuthority(ProtocolError):
    """An authority id that the directory does not hold."""

    code = "unknown_authority"


class AuthorityInactive(ProtocolError):
    """An authority whose directory status is suspended or revoked."""

    code = "authority_inactive"


class DirectoryError(ProtocolError):
    """A directory record or head that cannot be trusted."""

    code = "directory_invalid"


class StaleDirectory(DirectoryError):
    """A directory head that has expired, so revocations may be missing."""

    code = "directory_stale"


class DirectoryRollback(DirectoryError):
    """A record or head older than one already seen: a rollback attempt."""

    code = "directory_rollback"


class KeystoreError(ProtocolError):
    """A keystore file that cannot be read."""

    code = "keystore_invalid"


class WrongPassphrase(KeystoreError):
    """The passphrase does not open the keystore (or the file was altered)."""

    code = "wrong_passphrase"


# --- minimisation -------------------------------------------------------------------


class MinimisationError(ProtocolError):
    """Victim or witness identifiers would leave the sender in clear."""

    code = "minimisation"


@dataclasses.dataclass(frozen=True)
class FieldFinding:
    """One identifier found in a free-text field: the field's dotted path, the kind, and
    the character span (Python `str` offsets) in that field's text; never the value."""

    field: str
    kind: str
    start: int
    end: int


class IdentifierInFreeText(MinimisationError):
    """A free-text field holds a protected person's identifier or an identifier pattern.

    `field` and `identifier` name the first finding; `findings` lists every finding in
    every free-text field of the body, in field order, then by position."""

    code = "identifier_in_free_text"

    def __init__(
        self, field: str, identifier: str, findings: tuple[FieldFinding, ...] = ()
    ) -> None:
        self.field = field
        self.identifier = identifier
        self.findings = findings
        article = "an" if identifier[:1] in "aeiou" else "a"
        more = len(findings) - 1
        also = f" (and {more} more finding{'s' * (more > 1)})" if more > 0 else ""
        super().__init__(
            f"field {field!r} contains what looks like {article} {identifier}{also}; remove "
            "it, use the person's record, or send with an explicit disclosure"
        )


class DisclosureInvalid(MinimisationError):
    """A disclosure without a recognised legal basis, or for a kind that forbids it."""

    code = "disclosure_denied"


class InvalidTransition(ProtocolError):
    """A status update that the MLA or extradition state machine does not allow."""

    code = "invalid_transition"

    def __init__(self, previous: str | None, status: str) -> None:
        self.previous = previous
        self.status = status
        super().__init__(f"status {status!r} may not follow {previous or 'the request'!r}")
