"""The desk: a case officer records an attribute they verified against a resident's document.

The resident shows the reference code from their account page; the official enters it with what they
verified (birth date, residence municipality, district). Municipality-wide: a case officer of any
department may verify (it is about the person, not a case). Nobody verifies their own attributes.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from flask import Blueprint, Response
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from gateway.context import gateway
from gateway.identity.pseudonyms import normalise_reference
from gateway.identity.verification import Official, OwnVerification, UnknownReference, record_verification
from gateway.web import install_page_answers, page
from meemaken_kit.auth import allow, principal
from meemaken_kit.roles import Role

log = logging.getLogger("gateway.identity")

desk = Blueprint("desk", __name__)
install_page_answers(desk)

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}$")


def _reference(form: FlaskForm, field: StringField) -> None:
    if normalise_reference(field.data or "") is None:
        raise ValidationError(_l("Enter the reference code shown on the resident's account page, e.g. K7QF-3MZP-X2."))


def _past(form: FlaskForm, field: DateField) -> None:
    if field.data and not date(1900, 1, 1) <= field.data <= date.today():
        raise ValidationError(_l("Enter a date of birth in the past."))


class VerificationForm(FlaskForm):  # type: ignore[misc]
    reference = StringField(_l("Reference code"), validators=[_reference])
    birthdate = DateField(_l("Date of birth"), validators=[Optional(), _past])
    municipality = StringField(
        _l("Municipality of residence (code)"),
        validators=[Optional(), Length(max=80), Regexp(CODE, message=_l("Use letters, digits, spaces or dashes."))],
    )
    district = StringField(
        _l("District"),
        validators=[Optional(), Length(max=80), Regexp(CODE, message=_l("Use letters, digits, spaces or dashes."))],
    )

    def validate(self, extra_validators: object = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if valid and not (self.birthdate.data or self.municipality.data or self.district.data):
            self.birthdate.errors = [_l("Fill in at least one attribute you verified.")]
            return False
        return valid


@desk.route("/desk", methods=["GET", "POST"])
@allow(Role.CASE_OFFICER)
def verify() -> Response:
    gw = gateway()
    who = principal()
    assert who is not None and who.person_id is not None
    form = VerificationForm()
    if not form.validate_on_submit():
        return page("desk.html", 200 if not form.errors else 400, form=form, municipality=gw.settings.municipality)
    reference = normalise_reference(form.reference.data)
    assert reference is not None
    values = {
        "birthdate": form.birthdate.data.isoformat() if form.birthdate.data else "",
        "municipality": (form.municipality.data or "").strip(),
        "district": (form.district.data or "").strip(),
    }
    try:
        person_id = record_verification(
            gw.engine, gw.outbox, gw.events, Official(str(who.person_id), Role.CASE_OFFICER), reference, values
        )
    except UnknownReference:
        form.reference.errors = [_l("Nobody with this reference code has logged in yet.")]
        return page("desk.html", 400, form=form, municipality=gw.settings.municipality)
    except OwnVerification:
        form.reference.errors = [_l("You cannot verify your own attributes; ask a colleague.")]
        return page("desk.html", 400, form=form, municipality=gw.settings.municipality)
    recorded = sorted(name for name, value in values.items() if value)
    log.info("attributes verified", extra={"person_id": person_id, "official": str(who.person_id)})
    fresh = VerificationForm(formdata=None)
    return page("desk.html", form=fresh, recorded=recorded, municipality=gw.settings.municipality)
