"""A person's text is stripped and never blank: what a domain would strip to nothing is refused at its field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from meemaken_kit.fields import Text, visible


class Title(Schema):
    title = Text(required=True)


@pytest.mark.parametrize("blank", ["", " ", "\t\n", "\u200b", "\u00a0\u2003", "\u200d\ufeff", "\x07"])
def test_text_with_nothing_visible_is_refused_naming_the_field(blank):
    with pytest.raises(ValidationError) as refused:
        Title().load({"title": blank})
    assert refused.value.messages == {"title": ["may not be blank (it has nothing visible in it)."]}


def test_surrounding_whitespace_is_dropped_and_the_rest_kept():
    assert Title().load({"title": "  Speeltuin 't Zand \n"}) == {"title": "Speeltuin 't Zand"}
    assert Title().load({"title": "\u200bé"}) == {"title": "\u200bé"}


@given(st.text())
def test_any_text_is_kept_stripped_or_refused_as_blank_and_nothing_else(text):
    try:
        loaded = Title().load({"title": text})
    except ValidationError:
        assert not visible(text)
    else:
        assert visible(text) and loaded == {"title": text.strip()}
