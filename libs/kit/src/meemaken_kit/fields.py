"""Request fields every service shares, beside marshmallow's own.

``Text`` is what a person types (a title, a reason, a name): surrounding whitespace is dropped, and text
with nothing visible in it (spaces, tabs, line breaks, zero-width or other invisible characters) is
refused as blank, naming its field. A plain ``fields.String`` with ``Length(min=1)`` lets ``" "``
through to a domain that strips it to nothing, where it fails later, or worse, is stored.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from marshmallow import fields


def visible(text: str) -> bool:
    """Does ``text`` show anything? Separators (Z*) and control, format and private characters (C*) do not."""
    return any(unicodedata.category(c)[0] not in "ZC" for c in text)


class Text(fields.String):
    """A person's text: stripped, and refused when nothing visible is left."""

    default_error_messages = {"blank": "may not be blank (it has nothing visible in it)."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not visible(text):
            raise self.make_error("blank")
        return text
