"""Citizen panels: the panels and where each one stands; a panel's public page (its question and mandate, the
composition against the quotas, anonymised, sessions, recommendations and the municipality's answer to each
with its deadline); the draw replay page (the commitment, the public number or seed, how the seed picks the
panel, and the commands that re-run and check the draw); answering an invitation letter with its code, and
registering with only what the quotas need; "your registration" with the eligibility check's outcome.

What each page calls (panels service, all public except the registration):

- ``GET /panels``: ``v1/panels``;
- ``GET /panels/<id>``: ``v1/panels/<id>``, ``v1/panels/<id>/representativeness`` and ``.../contributions``;
- ``GET /panels/<id>/draw``: ``v1/panels/<id>``; the artefacts are the API pass-through
  ``/api/panels/v1/panels/<id>/artefacts``, replayed with ``meemaken-sortition replay`` (the panels service's
  command line, documented in its README);
- ``GET /panels/invitation``: ``v1/panels`` (the panels taking registrations: which one the letter is about);
- ``/panels/<id>/register``: ``v1/panels/<id>``, then ``POST v1/panels/<id>/registrations`` as the resident
  with ``Idempotency-Key: panel-registration-<nonce>`` (a double click registers once);
- ``GET /panels/<id>/registration``: ``v1/panels/registrations`` (the resident's own, found by the service from
  their login) and, once the lottery is committed, ``v1/panels/<id>/probabilities/<pseudonym>``; the panel page
  and the form ask the same for a signed-in resident ("see your registration").

The code on the reply card goes to the service as ``invitation_code`` with the ``letter`` channel; the service
keeps only its keyed hash and checks it against the invitations it drew when the eligibility check runs. The
resident's pseudonym on the panel is the service's keyed hash of their id, which the gateway cannot compute and
does not keep: the service finds the resident's registrations from the token.
"""

from __future__ import annotations

import secrets
import shlex
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Response as FlaskResponse
from flask import redirect, request, url_for
from flask_babel import format_percent, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from gateway.backends import Refused, ServiceError, api
from gateway.context import gateway
from gateway.portal import portal
from gateway.portal.proposals import submission_limits
from gateway.web import page
from meemaken_kit.auth import principal, public

RECRUITING, ANSWERED = "recruiting", "answered"
STAGES = ("recruiting", "pool_closed", "computing", "committed", "drawn", "deliberating", "recommended", "answered")
DRAWN = ("drawn", "deliberating", "recommended", "answered")
AGE_FEATURES, DISTRICT_FEATURES = frozenset({"age", "age_band"}), frozenset({"district"})
VERIFIED_FEATURES = AGE_FEATURES | DISTRICT_FEATURES  # as the panels service takes them from the login
# number = SHA-256("<commitment>:<seed>") mod m + 1, as the panels service draws it (its README), in Python alone
SEED_TO_NUMBER = (
    "import hashlib, sys; c, s, m = sys.argv[1:]; "
    'print(int(hashlib.sha256(f"{c}:{s}".encode()).hexdigest(), 16) % int(m) + 1)'
)
CODE_MIN, CODE_MAX, ADDRESS_MIN, ADDRESS_MAX = 4, 100, 3, 300  # the service's bounds, told up front


@portal.app_template_filter("share")
def share(value: float | None) -> str:
    """A share (0.25) as the page's language writes a percentage (25%, 25 %)."""
    return "" if value is None else str(format_percent(value, "#,##0.#%"))


# --- what the pages show, from the service's answers (plain Python) --------------------------------------


def declared_features(panel: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """The features only the resident can say (gender, education, ...), each with its values."""
    return [(name, sorted(values)) for name, values in panel["features"].items() if name not in VERIFIED_FEATURES]


def missing_facts(panel: Mapping[str, Any], attributes: Mapping[str, Any]) -> tuple[str, ...]:
    """What the service would refuse at once because the login does not carry it: residence, age, district."""
    missing = []
    if not isinstance(attributes.get("resident"), bool):
        missing.append("residence")
    age = attributes.get("age")
    needs_age = panel["min_age"] > 0 or any(name in AGE_FEATURES for name in panel["features"])
    if needs_age and (not isinstance(age, int) or isinstance(age, bool)):
        missing.append("age")
    district = attributes.get("district")
    if any(name in DISTRICT_FEATURES for name in panel["features"]) and not (isinstance(district, str) and district):
        missing.append("district")
    return tuple(missing)


@dataclass(frozen=True)
class Row:
    """One value of a feature: its quota on the panel, and how many the panel, the pool and the population count
    (a count is ``"<5"`` when the service suppressed a small cell; None when it has no such figure)."""

    value: str
    low: int
    high: int
    panel: int | str | None
    pool: int | str | None
    population: int | str | None
    population_share: float | None

    @property
    def within(self) -> bool | None:
        return self.low <= self.panel <= self.high if isinstance(self.panel, int) else None


def composition(panel: Mapping[str, Any], report: Mapping[str, Any]) -> list[tuple[str, list[Row]]]:
    """Per feature, each value's quota beside the report's counts (the panel's only once it is drawn). The
    population is left out of a feature the register extract did not have as a column (every count 0)."""
    drawn = panel["status"] in DRAWN
    features = []
    for name, values in panel["features"].items():
        rows = []
        cells_of = report.get(name) or {}
        counted = any((cells.get("population") or {}).get("count") not in (None, 0) for cells in cells_of.values())
        for value, quota in values.items():
            cells = cells_of.get(value) or {}
            population = cells.get("population") if counted else None
            rows.append(
                Row(
                    value,
                    quota["min"],
                    quota["max"],
                    (cells.get("panel") or {}).get("count") if drawn else None,
                    (cells.get("pool") or {}).get("count"),
                    population.get("count") if population else None,
                    population.get("share") if population else None,
                )
            )
        features.append((name, rows))
    return features


def stage_of(status: str) -> int:
    """The step of five the panel is at (registration, draw, sessions, recommendations, the municipality's
    answer: 0-4; 5 when every recommendation is answered)."""
    return {"recruiting": 0, "deliberating": 2, "recommended": 4, "answered": 5}.get(status, 1)


def replay_commands(public_url: str, panel: Mapping[str, Any]) -> dict[str, str]:
    """The commands that check the draw, for a shell (the public input quoted, whatever it holds)."""
    artefacts = f"{public_url}/api/panels/v1/panels/{panel['id']}/artefacts"
    seeded = panel["public_input"] is not None and str(panel["public_input"]) != str(panel["drawn_number"])
    public_input = f"--seed {shlex.quote(panel['public_input'])}" if seeded else f"--number {panel['drawn_number']}"
    commands = {
        "download": f"curl -s {shlex.quote(artefacts)} > draw.json",
        "replay": f"meemaken-sortition replay draw.json {public_input}",
    }
    if seeded:
        arguments = [panel["commitment"], panel["public_input"], str(panel["lottery_size"])]
        commands["seed"] = " ".join(["python3 -c", shlex.quote(SEED_TO_NUMBER), *map(shlex.quote, arguments)])
    return commands


# --- calls ----------------------------------------------------------------------------------------------


def _panel(panel_id: uuid.UUID) -> tuple[dict[str, Any] | None, int]:
    """The panel, or None and the page's status (404 unknown, 503 the service does not answer)."""
    try:
        found: dict[str, Any] = api().get("panels", f"v1/panels/{panel_id}")
    except Refused as refused:
        return None, 404 if refused.status in (404, 422) else refused.status
    except ServiceError:
        return None, 503
    return found, 200


def _missing(status: int) -> FlaskResponse:
    return page("portal/panels/missing.html", status, unavailable=status == 503)


def _own(panel_id: uuid.UUID) -> dict[str, Any] | None:
    """The signed-in resident's registration for this panel, with its outcome, or None (none, or not a resident).
    Raises ``ServiceError`` when the service cannot say."""
    who = principal()
    if who is None or who.person_id is None:
        return None
    try:
        mine = api().get("panels", "v1/panels/registrations")
    except Refused as refused:
        if refused.status == 403:  # an official without the resident role registers for nothing
            return None
        raise
    return next((r for r in mine if r["panel_id"] == str(panel_id)), None)


def _own_or_none(panel_id: uuid.UUID) -> dict[str, Any] | None:
    try:
        return _own(panel_id)
    except ServiceError:
        return None


# --- pages ----------------------------------------------------------------------------------------------


@portal.get("/panels")
@public
def panel_list() -> FlaskResponse:
    try:
        panels = api().get("panels", "v1/panels")
    except ServiceError:
        return page("portal/panels/list.html", 503, unavailable=True, groups={})
    groups = {
        "open": [p for p in panels if p["status"] == RECRUITING],
        "under_way": [p for p in panels if p["status"] not in (RECRUITING, ANSWERED)],
        "ended": [p for p in panels if p["status"] == ANSWERED],
    }
    return page("portal/panels/list.html", unavailable=False, groups=groups)


@portal.get("/panels/<uuid:panel_id>")
@public
def panel_detail(panel_id: uuid.UUID) -> FlaskResponse:
    panel, status = _panel(panel_id)
    if panel is None:
        return _missing(status)
    try:
        report = api().get("panels", f"v1/panels/{panel_id}/representativeness")["features"]
        voices = api().get("panels", f"v1/panels/{panel_id}/contributions")
    except ServiceError:
        report, voices = None, None
    features = composition(panel, report) if report is not None else None
    return page(
        "portal/panels/panel.html",
        panel=panel,
        stage=stage_of(panel["status"]),
        composition=features,
        population=any(row.population is not None for _name, rows in features or [] for row in rows),
        voices=voices,
        drawn=panel["status"] in DRAWN,
        own=_own_or_none(panel_id),
    )


@portal.get("/panels/<uuid:panel_id>/draw")
@public
def panel_draw(panel_id: uuid.UUID) -> FlaskResponse:
    panel, status = _panel(panel_id)
    if panel is None:
        return _missing(status)
    committed = panel["commitment"] is not None
    drawn = panel["status"] in DRAWN and panel["drawn_number"] is not None
    return page(
        "portal/panels/draw.html",
        panel=panel,
        committed=committed,
        drawn=drawn,
        seeded=drawn and str(panel["public_input"]) != str(panel["drawn_number"]),
        commands=replay_commands(gateway().settings.public_url, panel) if drawn else {},
        artefacts=f"/api/panels/v1/panels/{panel_id}/artefacts",
    )


@portal.get("/panels/invitation")
@public
def panel_invitation() -> FlaskResponse | BaseResponse:
    """ "I received a letter": which panel it is about (straight to its form when only one takes registrations)."""
    try:
        recruiting = [p for p in api().get("panels", "v1/panels") if p["status"] == RECRUITING]
    except ServiceError:
        return page("portal/panels/invitation.html", 503, unavailable=True, panels=[])
    if len(recruiting) == 1:
        return redirect(url_for("portal.panel_register", panel_id=recruiting[0]["id"], letter=1))
    return page("portal/panels/invitation.html", unavailable=False, panels=recruiting)


class RegistrationForm(FlaskForm):  # type: ignore[misc]
    """The questions every registration asks; ``registration_form`` adds the panel's own."""

    invitation_code = StringField(
        _l("Code on your reply card"),
        filters=[lambda v: " ".join(v.split()) if v else v],
        validators=[
            Optional(),
            Length(
                CODE_MIN,
                CODE_MAX,
                _l("The code has between %(min)d and %(max)d characters.", min=CODE_MIN, max=CODE_MAX),
            ),
        ],
    )


def registration_form(panel: Mapping[str, Any], letter: bool) -> RegistrationForm:
    """The form for this panel: the code (needed when only letters invite), a question per declared feature,
    the address when one member per household is the rule, and consent. Nothing else is asked."""

    class PanelRegistrationForm(RegistrationForm):
        pass

    for i, (name, values) in enumerate(declared_features(panel)):
        setattr(
            PanelRegistrationForm,
            f"feature_{i}",
            SelectField(
                name.replace("_", " ").capitalize(),
                choices=[SelectChoice("", _l("Choose an answer")), *(SelectChoice(v) for v in values)],
                validators=[DataRequired(_l("Choose an answer for “%(question)s”.", question=name.replace("_", " ")))],
            ),
        )
    if panel["household_rule"]:
        PanelRegistrationForm.address = StringField(
            _l("Your address"),
            filters=[lambda v: " ".join(v.split()) if v else v],
            validators=[
                DataRequired(_l("Enter your address.")),
                Length(ADDRESS_MIN, ADDRESS_MAX, _l("Enter your street, number and postcode.")),
            ],
        )
    PanelRegistrationForm.consent = BooleanField(  # last, as on the page (the error summary keeps the fields' order)
        _l("I agree that the municipality uses these answers to draw the panel, as described above."),
        validators=[DataRequired(_l("Tick the box to agree, or do not register."))],
    )
    form = PanelRegistrationForm()
    if not panel["open_registration"] or letter:
        form.invitation_code.validators = [
            DataRequired(_l("Enter the code printed on your reply card.")),
            *form.invitation_code.validators[1:],
        ]
    return form


def _registration_body(panel: Mapping[str, Any], form: RegistrationForm) -> dict[str, Any]:
    code = form.invitation_code.data or None
    strata = {name: form[f"feature_{i}"].data for i, (name, _values) in enumerate(declared_features(panel))}
    return {
        "channel": "letter" if code else "open",
        "invitation_code": code,
        "consent": bool(form.consent.data),
        "address": form.address.data if panel["household_rule"] else None,
        "strata": strata,
        "contact": {"language": str(get_locale() or "nl")},  # letters about the panel in the page's language
    }


@portal.route("/panels/<uuid:panel_id>/register", methods=["GET", "POST"])
def panel_register(panel_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    panel, status = _panel(panel_id)
    if panel is None:
        return _missing(status)
    who = principal()
    if who is None or who.person_id is None:  # @public is not on this view: the login comes first
        return _missing(404)
    if _own_or_none(panel_id) is not None:  # unknown now: the service refuses a second registration itself
        return redirect(url_for("portal.panel_registration", panel_id=panel_id))
    if panel["status"] != RECRUITING:
        return page("portal/panels/closed.html", 409, panel=panel)
    missing = missing_facts(panel, who.attributes)
    if missing:
        return page("portal/panels/cannot.html", 403, panel=panel, missing=missing)
    letter = request.values.get("letter") == "1"
    form = registration_form(panel, letter)
    nonce = request.form.get("nonce", "")
    nonce = nonce if len(nonce) == 32 and nonce.isalnum() else secrets.token_hex(16)
    context: dict[str, Any] = {
        "panel": panel,
        "form": form,
        "letter": letter,
        "nonce": nonce,
        "declared": declared_features(panel),
    }
    if request.method == "GET":
        return page("portal/panels/register.html", **context)
    if not form.validate_on_submit():
        return page("portal/panels/register.html", 422, **context)
    try:
        with submission_limits():
            api().post(
                "panels",
                f"v1/panels/{panel_id}/registrations",
                _registration_body(panel, form),
                idempotency_key=f"panel-registration-{nonce}",
            )
    except Refused as refused:
        if refused.status == 409 and "code" in refused.detail:  # the reply card's code served someone already
            form.invitation_code.errors = [
                _l("Someone already registered with this code. Check the code on your card.")
            ]
            return page("portal/panels/register.html", 409, **context)
        if refused.status == 409 and refused.title == "Already registered":
            return page("portal/panels/registration.html", 409, panel=panel, already=True, registration=None)
        if refused.status == 409:
            return page("portal/panels/closed.html", 409, panel=panel)
        if refused.status == 403:
            return page("portal/panels/cannot.html", 403, panel=panel, missing=(), refused=True)
        return page("portal/panels/register.html", refused.status, refused=True, **context)
    except ServiceError:
        return page("portal/panels/register.html", 503, unavailable=True, **context)
    return redirect(url_for("portal.panel_registration", panel_id=panel_id, sent=1))


@portal.get("/panels/<uuid:panel_id>/registration")
def panel_registration(panel_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    panel, status = _panel(panel_id)
    if panel is None:
        return _missing(status)
    try:
        registration = _own(panel_id)
    except ServiceError:
        return page("portal/panels/registration.html", 503, panel=panel, registration=None)
    if registration is None:
        return redirect(url_for("portal.panel_detail", panel_id=panel_id))
    pseudonym, chance = registration["pseudonym"], None
    if panel["commitment"] is not None and registration["status"] == "admitted":
        try:
            chance = api().get("panels", f"v1/panels/{panel_id}/probabilities/{pseudonym}")["probability"]
        except ServiceError:
            chance = None
    return page(
        "portal/panels/registration.html",
        panel=panel,
        registration=registration,
        sent=request.args.get("sent") == "1",
        chance=chance,
        member=pseudonym in panel["selected"],
        alternate=pseudonym in panel["alternate_members"],
        drawn=panel["status"] in DRAWN,
    )
