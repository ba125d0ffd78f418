"""A resident's pseudonymous id: stable for one municipality, not reversible without its key.

``person_id = UUIDv8(HMAC-SHA256(key, municipality, issuer, subject))``: the same login gives the
same id every time; another municipality (or another key) gives an unrelated one; nobody holding
only ids and events can find the person back without the key (``MEEMAKEN_PSEUDONYM_KEY``). Changing
the key or the provider changes every id, so both are part of the municipality's configuration, kept
like its signing keys.

The reference code is what a resident shows at the municipality's desk: ten characters of the id in
Crockford's base32 (no I, L, O or U), easy to read aloud; the desk finds the person by it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")
_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V", "-": None, " ": None})
REFERENCE_LENGTH = 10
_REFERENCE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{10}$")


@dataclass(frozen=True)
class Pseudonyms:
    key: bytes
    municipality: str

    def person_id(self, issuer: str, subject: str) -> uuid.UUID:
        message = b"\x00".join(part.encode() for part in ("meemaken-person-v1", self.municipality, issuer, subject))
        digest = hmac.new(self.key, message, hashlib.sha256).digest()
        return uuid_v8(digest[:16])


def uuid_v8(raw: bytes) -> uuid.UUID:
    """RFC 9562 version 8 (custom): our bits, with the version and variant set."""
    value = int.from_bytes(raw, "big")
    value &= ~(0xF << 76)
    value |= 0x8 << 76
    value &= ~(0x3 << 62)
    value |= 0x2 << 62
    return uuid.UUID(int=value)


def reference_code(person_id: uuid.UUID) -> str:
    encoded = base64.b32encode(hashlib.sha256(b"meemaken-reference-v1" + person_id.bytes).digest())
    return encoded.decode().translate(_CROCKFORD)[:REFERENCE_LENGTH]


def normalise_reference(typed: str) -> str | None:
    """What an official typed (any case, dashes, spaces, O for 0) as a reference code, or None."""
    code = typed.strip().upper().translate(_TYPED)
    return code if _REFERENCE.match(code) else None


def display_reference(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
