"""Participatory budget: the rounds; a round with its projects and who may vote; the ballot for each form the
proposals service takes (approval within the budget, k-approval, cumulative points, ranking), checked here
in plain words before the service checks it again; a check page; the vote cast once (Idempotency-Key); a
confirmation with the receipt code; "you have already voted"; the results explained per project.

What each page calls (proposals service):

- ``GET /budgets``: ``v1/processes?municipality=`` and ``v1/rounds`` (this municipality's rounds only);
- ``GET /budgets/<id>``: ``v1/rounds/<id>``, ``v1/processes/<process>`` (its municipality and dates) and,
  signed in, ``v1/rounds/<id>/ballot`` (the resident's own ballot: "you have already voted");
- ``/budgets/<id>/ballot`` and ``/budgets/<id>/ballot/check``: the same, then
  ``PUT v1/rounds/<id>/ballot`` with ``Idempotency-Key: ballot-<nonce>`` (a new nonce per choice, so a
  double click casts once and a changed choice replaces the vote);
- ``GET /budgets/<id>/voted``: ``v1/rounds/<id>/ballot`` (the receipt code as the ballot box holds it);
- ``GET /budgets/<id>/results``: ``v1/rounds/<id>``; the ``.pb`` file is the API pass-through
  ``/api/proposals/v1/rounds/<id>/pabulib``.

Who may vote is explained from the resident's verified attributes in their login (age, residence,
district), as the service decides it; the service's answer to the ballot is what counts. The choice being
made lives in the resident's login session until it is cast.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from babel import Locale
from flask import Response as FlaskResponse
from flask import redirect, request, session, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response as BaseResponse

from gateway.backends import Refused, ServiceError, api
from gateway.context import gateway
from gateway.portal import portal
from gateway.portal.home import current_phase, municipality_processes
from gateway.portal.proposals import submission_limits
from gateway.web import page
from meemaken_kit.auth import principal, public

CHOICES = "ballot_choices"
THEME = "theme:"
OPEN, COMING, COUNTING, DONE = "voting", ("ideas", "feasibility"), "closed", ("results", "implementation")


@portal.app_template_filter("euros")
def euros(cents: int | float | None) -> str:
    """An amount in euro cents as the page's language writes it (€ 1.500,00, 1 500,00 €, €1,500.00)."""
    value = (cents or 0) / 100
    locale = get_locale() or Locale.parse("nl")
    pattern = copy.copy(locale.currency_formats["standard"])
    if value == int(value):  # whole euros without ",00"
        pattern.frac_prec = (0, 0)
    return str(pattern.apply(value, locale, currency="EUR", currency_digits=False))


# --- who may vote ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Voter:
    """The facts the login verifies, as the proposals service reads them for a round of ``municipality``."""

    age: int | None
    resident: bool | None
    district: str | None

    @classmethod
    def of(cls, attributes: Mapping[str, Any], municipality: str) -> Voter:
        age, flag, home = attributes.get("age"), attributes.get("resident"), attributes.get("municipality")
        resident: bool | None = None
        if flag is False or (isinstance(home, str) and home != municipality):
            resident = False
        elif flag is True and home == municipality:
            resident = True
        district = attributes.get("district")
        return cls(
            age if isinstance(age, int) and not isinstance(age, bool) else None,
            resident,
            district if isinstance(district, str) and district else None,
        )


@dataclass(frozen=True)
class Verdict:
    """May this resident vote online, and if not, why: ``eligible``, ``too_young``, ``not_resident``,
    ``other_district`` or ``unknown`` (``missing`` facts; ``desk``: a paper ballot at the desk is possible)."""

    outcome: str
    missing: tuple[str, ...] = ()
    desk: bool = False

    @property
    def eligible(self) -> bool:
        return self.outcome == "eligible"


def verdict(rules: Mapping[str, Any], voter: Voter) -> Verdict:
    """The round's eligibility (``min_age``, ``residents_only``, ``districts``, ``unverified``) for ``voter``:
    the same order of checks as the service, so the page says what the service would answer."""
    missing: list[str] = []
    if rules.get("min_age", 0) > 0:
        if voter.age is None:
            missing.append("age")
        elif voter.age < rules["min_age"]:
            return Verdict("too_young")
    if rules.get("residents_only", True):
        if voter.resident is None:
            missing.append("residence")
        elif not voter.resident:
            return Verdict("not_resident")
    if rules.get("districts"):
        if voter.district is None:
            missing.append("district")
        elif voter.district not in rules["districts"]:
            return Verdict("other_district")
    if missing:
        return Verdict("unknown", tuple(missing), rules.get("unverified", "desk") == "desk")
    return Verdict("eligible")


# --- a round as the pages show it ------------------------------------------------------------------------


@dataclass
class Part:
    """A part of the budget: city-wide (``key`` None), a district's, or a theme's, with its projects."""

    key: str | None
    budget: int | None
    projects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "part-" + ("city" if self.key is None else "".join(c if c.isalnum() else "-" for c in self.key))

    @property
    def theme(self) -> str | None:
        return self.key.removeprefix(THEME) if self.key and self.key.startswith(THEME) else None

    @property
    def district(self) -> str | None:
        return self.key if self.key and not self.key.startswith(THEME) else None


def part_of(project: Mapping[str, Any]) -> str | None:
    district, theme = project.get("district"), project.get("theme")
    return district if district else (THEME + theme if theme else None)


def budgets_of(r: Mapping[str, Any]) -> dict[str | None, int]:
    """Money per part, as the service counts it: districts', themes', and the city-wide rest."""
    parts: dict[str | None, int] = dict(r.get("district_budgets") or {})
    parts |= {THEME + t: b for t, b in (r.get("theme_budgets") or {}).items()}
    rest = r["budget"] - sum((r.get("district_budgets") or {}).values()) - sum((r.get("theme_budgets") or {}).values())
    if rest > 0:
        parts[None] = rest
    return parts


def on_ballot(r: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [p for p in r.get("projects", []) if p.get("feasibility") == "feasible"]


def parts_of(r: Mapping[str, Any], projects: list[dict[str, Any]]) -> list[Part]:
    """The projects grouped by part: city-wide first, then districts, then themes (each by name)."""
    money = budgets_of(r)
    grouped: dict[str | None, Part] = {}
    for project in projects:
        key = part_of(project)
        grouped.setdefault(key, Part(key, money.get(key))).projects.append(project)
    return sorted(grouped.values(), key=lambda p: (p.key is not None, p.theme is not None, p.key or ""))


def votable(r: Mapping[str, Any], voter: Voter | None) -> list[dict[str, Any]]:
    """What this voter may choose: city-wide and theme projects, and their own district's."""
    district = voter.district if voter else None
    return [p for p in on_ballot(r) if p.get("district") in (None, district)]


def titles_of(r: Mapping[str, Any]) -> dict[str, str]:
    return {p["id"]: p["title"] for p in r.get("projects", [])}


def _round(round_id: uuid.UUID) -> tuple[dict[str, Any] | None, dict[str, Any] | None, int]:
    """The round and its process (None, None, status when it cannot be shown: 404 or 503)."""
    try:
        r = api().get("proposals", f"v1/rounds/{round_id}")
        ours = {p["id"] for p in municipality_processes()}
    except Refused as refused:
        return None, None, 404 if refused.status in (404, 422) else refused.status
    except ServiceError:
        return None, None, 503
    if r["process_id"] not in ours:
        return None, None, 404  # another municipality's round is not on this portal
    try:
        process = api().get("proposals", f"v1/processes/{r['process_id']}")
    except ServiceError:
        process = None
    return r, process, 200


def _voter(process: Mapping[str, Any] | None) -> Voter | None:
    who = principal()
    if who is None or who.person_id is None:
        return None
    return Voter.of(who.attributes, (process or {}).get("municipality") or gateway().settings.municipality)


def _own_ballot(round_id: uuid.UUID) -> dict[str, Any] | None:
    """The resident's own ballot with its receipt code, or None (not voted, not signed in, or unknown now)."""
    if principal() is None:
        return None
    try:
        found: dict[str, Any] = api().get("proposals", f"v1/rounds/{round_id}/ballot")
    except ServiceError:
        return None
    return found


def _voting_ends(process: Mapping[str, Any] | None) -> datetime | None:
    if not process:
        return None
    phase = current_phase(dict(process), datetime.now(UTC))
    return phase.ends_at if phase is not None and phase.running else None


def _missing(status: int) -> FlaskResponse:
    return page("portal/budgets/missing.html", status, unavailable=status == 503)


# --- pages -----------------------------------------------------------------------------------------------


@portal.get("/budgets")
@public
def round_list() -> FlaskResponse:
    try:
        processes = municipality_processes()
        rounds = api().get("proposals", "v1/rounds")
    except ServiceError:
        return page("portal/budgets/list.html", 503, unavailable=True, groups={})
    ours = {p["id"] for p in processes}
    mine = [r for r in rounds if r["process_id"] in ours]
    groups = {
        "open": [r for r in mine if r["phase"] == OPEN],
        "coming": [r for r in mine if r["phase"] in COMING],
        "closed": [r for r in mine if r["phase"] == COUNTING or r["phase"] in DONE],
    }
    return page("portal/budgets/list.html", unavailable=False, groups=groups, on_ballot=on_ballot)


@portal.get("/budgets/<uuid:round_id>")
@public
def round_detail(round_id: uuid.UUID) -> FlaskResponse:
    r, process, status = _round(round_id)
    if r is None:
        return _missing(status)
    voter = _voter(process)
    rules = r["eligibility"]
    shown = on_ballot(r) if r["phase"] != "ideas" else r["projects"]
    return page(
        "portal/budgets/round.html",
        round=r,
        process=process,
        parts=parts_of(r, shown),
        rules=rules,
        verdict=verdict(rules, voter) if voter else None,
        voter=voter,
        own=_own_ballot(round_id) if r["phase"] == OPEN and voter else None,
        ends=_voting_ends(process),
    )


def _choice_from(form: Mapping[str, Any], kind: str, projects: list[dict[str, Any]]) -> dict[str, Any]:
    """What the resident filled in, kept as typed (to show it again) per project id."""
    ids = [p["id"] for p in projects]
    if kind == "cumulative":
        return {"points": {pid: form.get(f"points-{pid}", "").strip()[:6] for pid in ids}}
    if kind == "ranking":
        return {"ranks": {pid: form.get(f"rank-{pid}", "") for pid in ids}}
    chosen = set(form.getlist("project")) if hasattr(form, "getlist") else set(form.get("project", []))
    return {"projects": [pid for pid in ids if pid in chosen]}


@dataclass
class Checked:
    """A choice checked against the round's form: errors (anchor, message), totals, and the ballot to cast."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    field_errors: dict[str, str] = field(default_factory=dict)
    spent: dict[str | None, int] = field(default_factory=dict)
    given: int = 0
    body: dict[str, Any] = field(default_factory=dict)
    count: int = 0


def check_choice(
    r: Mapping[str, Any], parts: list[Part], choice: Mapping[str, Any], messages: Mapping[str, Any]
) -> Checked:
    """The round's rules in the resident's words (``messages`` word them: see ``_messages``)."""
    kind = r["form"]["kind"]
    if kind == "cumulative":
        return _check_points(r, parts, choice.get("points", {}), messages)
    if kind == "ranking":
        return _check_ranking(r, parts, choice.get("ranks", {}), messages)
    return _check_approval(r, parts, choice.get("projects", []), messages)


def _whole(typed: str) -> int | None:
    """A whole number as typed in a form ("7"), or None ("seven", "7.5", "-1", "²")."""
    return int(typed) if typed.isascii() and typed.isdigit() and len(typed) <= 6 else None


def _first(parts: list[Part], prefix: str) -> str:
    """The anchor of the first project's control, where an error about the whole ballot points."""
    projects = [p for part in parts for p in part.projects]
    return f"{prefix}-{projects[0]['id']}" if projects else "main"


def _check_points(
    r: Mapping[str, Any], parts: list[Part], typed: Mapping[str, str], messages: Mapping[str, Any]
) -> Checked:
    """Cumulative: whole points from 0 to the round's points per project, together at most that many."""
    most, result, points = r["form"]["points"], Checked(), {}
    for pid, value in typed.items():
        number = _whole(value) if value else 0
        if number is None or number > most:
            result.field_errors[f"points-{pid}"] = messages["whole"](most)
            result.errors.append((f"points-{pid}", messages["whole_for"](most, titles_of(r)[pid])))
        elif number:
            points[pid] = number
    result.given, result.count, result.body = sum(points.values()), len(points), {"points": points}
    if not result.errors and not points:
        result.errors.append((_first(parts, "points"), messages["none_points"]()))
    elif result.given > most:
        result.errors.append((f"points-{next(iter(points))}", messages["too_many_points"](result.given, most)))
    return result


def _check_ranking(
    r: Mapping[str, Any], parts: list[Part], typed: Mapping[str, str], messages: Mapping[str, Any]
) -> Checked:
    """Ranking: a place from 1 to k per project, each place given once; the ballot lists them in order."""
    places = r["form"]["k"] or sum(len(part.projects) for part in parts)
    result, ranks = Checked(), {}
    for pid, value in typed.items():
        place = _whole(value)
        if place is not None and 1 <= place <= places:
            ranks[pid] = place
    taken: dict[int, list[str]] = {}
    for pid, place in ranks.items():
        taken.setdefault(place, []).append(pid)
    for place, pids in sorted(taken.items()):
        if len(pids) > 1:
            result.field_errors |= {f"rank-{pid}": messages["place_twice"](place) for pid in pids}
            result.errors.append((f"rank-{pids[0]}", messages["place_twice"](place)))
    if not ranks:
        result.errors.append((_first(parts, "rank"), messages["none_ranked"]()))
    result.count, result.body = len(ranks), {"projects": sorted(ranks, key=lambda pid: ranks[pid])}
    return result


def _check_approval(
    r: Mapping[str, Any], parts: list[Part], chosen_ids: list[str], messages: Mapping[str, Any]
) -> Checked:
    """Approval within each part's budget (knapsack), or k-approval: at most k projects."""
    form, result = r["form"], Checked()
    costs = {p["id"]: p["cost"] for part in parts for p in part.projects}
    chosen = [pid for pid in chosen_ids if pid in costs]
    result.count, result.body = len(chosen), {"projects": chosen}
    result.spent = {part.key: sum(costs[p["id"]] for p in part.projects if p["id"] in chosen) for part in parts}
    if not chosen:
        result.errors.append((_first(parts, "project"), messages["none_chosen"]()))
    if form["kind"] == "k_approval" and form["k"] and len(chosen) > form["k"]:
        result.errors.append((_first(parts, "project"), messages["too_many_projects"](len(chosen), form["k"])))
    if form["kind"] == "approval":
        for part in parts:
            spent = result.spent[part.key]
            if part.budget is not None and spent > part.budget:
                anchor = f"project-{next(p['id'] for p in part.projects if p['id'] in chosen)}"
                result.field_errors[part.anchor] = messages["over_budget"](part, spent)
                result.errors.append((anchor, messages["over_budget"](part, spent)))
    return result


def _messages() -> dict[str, Any]:
    """The ballot's validation messages in the page's language (translated where they are worded)."""
    from flask_babel import gettext as _
    from flask_babel import ngettext

    def over_budget(part: Part, spent: int) -> str:
        where = (
            _("city-wide")
            if part.key is None
            else _("theme %(theme)s", theme=part.theme)
            if part.theme
            else _("district %(district)s", district=part.district)
        )
        return _(
            "The projects you chose (%(where)s) cost %(spent)s, more than the %(budget)s available. Remove a project.",
            where=where,
            spent=euros(spent),
            budget=euros(part.budget),
        )

    return {
        "none_chosen": lambda: _("Choose at least one project."),
        "too_many_projects": lambda n, k: ngettext(
            "You can choose at most %(num)s project, and you chose %(chosen)s. Remove a project.",
            "You can choose at most %(num)s projects, and you chose %(chosen)s. Remove a project.",
            k,
            chosen=n,
        ),
        "over_budget": over_budget,
        "whole": lambda n: _("Enter a whole number of points from 0 to %(max)s.", max=n),
        "whole_for": lambda n, title: _(
            "Enter a whole number of points from 0 to %(max)s for “%(title)s”.", max=n, title=title
        ),
        "none_points": lambda: _("Give points to at least one project."),
        "too_many_points": lambda given, n: ngettext(
            "You gave %(given)s points, but you have %(num)s point to give. Take some points away.",
            "You gave %(given)s points, but you have %(num)s points to give. Take some points away.",
            n,
            given=given,
        ),
        "place_twice": lambda place: _(
            "Place %(place)s is given to more than one project. Give each place once.", place=place
        ),
        "none_ranked": lambda: _("Give a place to at least one project."),
    }


def _ballot_context(round_id: uuid.UUID) -> tuple[dict[str, Any], FlaskResponse | None]:
    """The round, the voter and their verdict for the ballot pages, or the page that says why not."""
    r, process, status = _round(round_id)
    if r is None:
        return {}, _missing(status)
    voter = _voter(process)
    if voter is None:  # @public is not on these views: the login comes first
        return {}, _missing(404)
    if r["phase"] != OPEN:
        return {}, page("portal/budgets/closed.html", 409, round=r)
    judged = verdict(r["eligibility"], voter)
    if not judged.eligible:
        return {}, page("portal/budgets/ineligible.html", 403, round=r, verdict=judged, rules=r["eligibility"])
    projects = votable(r, voter)
    context = {
        "round": r,
        "process": process,
        "voter": voter,
        "parts": parts_of(r, projects),
        "hidden_districts": voter.district is None and any(p.get("district") for p in on_ballot(r)),
        "places": min(r["form"].get("k") or len(projects), len(projects)),
        "ends": _voting_ends(process),
    }
    return context, None


def _saved(round_id: uuid.UUID) -> dict[str, Any] | None:
    found: dict[str, Any] | None = session.get(CHOICES, {}).get(str(round_id))
    return found


def _save(round_id: uuid.UUID, choice: dict[str, Any], body: dict[str, Any] | None) -> None:
    choices = dict(session.get(CHOICES, {}))
    choices[str(round_id)] = {"choice": choice, "body": body, "key": secrets.token_hex(16)}
    while len(choices) > 5:
        del choices[next(iter(choices))]
    session[CHOICES] = choices


def _forget(round_id: uuid.UUID) -> None:
    choices = dict(session.get(CHOICES, {}))
    choices.pop(str(round_id), None)
    session[CHOICES] = choices


def _from_ballot(kind: str, own: Mapping[str, Any]) -> dict[str, Any]:
    """The resident's cast ballot as the form's choice (to change it)."""
    if kind == "cumulative":
        return {"points": {pid: str(n) for pid, n in (own.get("points") or {}).items()}}
    if kind == "ranking":
        return {"ranks": {pid: str(i) for i, pid in enumerate(own["projects"], 1)}}
    return {"projects": list(own["projects"])}


@portal.route("/budgets/<uuid:round_id>/ballot", methods=["GET", "POST"])
def ballot(round_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    context, refusal = _ballot_context(round_id)
    if refusal is not None:
        return refusal
    r, parts = context["round"], context["parts"]
    own = _own_ballot(round_id)
    if own is not None and own.get("paper"):
        return page("portal/budgets/voted.html", 409, round=r, own=own, paper=True, ends=context["ends"])
    projects = [p for part in parts for p in part.projects]
    if request.method == "GET":
        saved = _saved(round_id)
        choice = saved["choice"] if saved else (_from_ballot(r["form"]["kind"], own) if own else {})
        checked = check_choice(r, parts, choice, _messages()) if choice else Checked()
        return page("portal/budgets/ballot.html", choice=choice, checked=checked, errors=[], own=own, **context)
    choice = _choice_from(request.form, r["form"]["kind"], projects)
    checked = check_choice(r, parts, choice, _messages())
    if checked.errors:
        _save(round_id, choice, None)
        return page(
            "portal/budgets/ballot.html", 422, choice=choice, checked=checked, errors=checked.errors, own=own, **context
        )
    _save(round_id, choice, checked.body)
    if request.form.get("action") == "total":  # "check my choice": the running total, without moving on
        return page(
            "portal/budgets/ballot.html", choice=choice, checked=checked, errors=[], own=own, totals=True, **context
        )
    return redirect(url_for("portal.check_ballot", round_id=round_id))


@portal.route("/budgets/<uuid:round_id>/ballot/check", methods=["GET", "POST"])
def check_ballot(round_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    context, refusal = _ballot_context(round_id)
    if refusal is not None:
        return refusal
    r, parts = context["round"], context["parts"]
    saved = _saved(round_id)
    if saved is None or saved.get("body") is None:
        return redirect(url_for("portal.ballot", round_id=round_id))
    checked = check_choice(r, parts, saved["choice"], _messages())
    if checked.errors:  # the round changed since: back to the form to fix it
        return page(
            "portal/budgets/ballot.html",
            422,
            choice=saved["choice"],
            checked=checked,
            errors=checked.errors,
            own=None,
            **context,
        )
    own = _own_ballot(round_id)
    if request.method == "GET":
        return page("portal/budgets/check.html", checked=checked, own=own, **context)
    try:
        with submission_limits():
            api().put(
                "proposals", f"v1/rounds/{round_id}/ballot", checked.body, idempotency_key=f"ballot-{saved['key']}"
            )
    except Refused as refused:
        if refused.status == 409:
            closed = _round(round_id)[0]
            if closed is not None and closed["phase"] != OPEN:
                return page("portal/budgets/closed.html", 409, round=closed)
            held = _own_ballot(round_id)
            if held is not None and held.get("paper"):  # voted at the desk: only the desk changes it
                return page("portal/budgets/voted.html", 409, round=r, own=held, paper=True, ends=None)
            # the same vote still being cast (a double click): the choice is kept, try again
            return page("portal/budgets/check.html", 409, checked=checked, own=own, unavailable=True, **context)
        if refused.status == 403:
            return page(
                "portal/budgets/ineligible.html", 403, round=r, verdict=Verdict("refused"), rules=r["eligibility"]
            )
        return page("portal/budgets/check.html", refused.status, checked=checked, own=own, refused=True, **context)
    except ServiceError:
        return page("portal/budgets/check.html", 503, checked=checked, own=own, unavailable=True, **context)
    _forget(round_id)
    return redirect(url_for("portal.ballot_cast", round_id=round_id))


@portal.get("/budgets/<uuid:round_id>/voted")
def ballot_cast(round_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    r, process, status = _round(round_id)
    if r is None:
        return _missing(status)
    if principal() is None:
        return _missing(404)
    own = _own_ballot(round_id)
    if own is None:
        return redirect(url_for("portal.round_detail", round_id=round_id))
    return page(
        "portal/budgets/voted.html",
        round=r,
        own=own,
        titles=titles_of(r),
        confirmation=True,
        ends=_voting_ends(process),
        paper=bool(own.get("paper")),
    )


@portal.get("/budgets/<uuid:round_id>/results")
@public
def round_results(round_id: uuid.UUID) -> FlaskResponse:
    r, _process, status = _round(round_id)
    if r is None:
        return _missing(status)
    results = r.get("results")
    if not results:
        return page("portal/budgets/results.html", round=r, results=None)
    parts = explained_parts(r, results)
    return page(
        "portal/budgets/results.html",
        round=r,
        results=results,
        parts=parts,
        titles=titles_of(r),
        funded=sum(1 for e in results["explanation"] if e["selected"]),
        pabulib=f"/api/proposals/v1/rounds/{round_id}/pabulib",
    )


def explained_parts(r: Mapping[str, Any], results: Mapping[str, Any]) -> list[Part]:
    """The count's explanation per project, by part of the budget: funded first, then by votes (the
    ``why`` macro of ``portal/budgets/_budgets.html`` words each one); the officials' desk shows the same."""
    explained = {e["project_id"]: e for e in results["explanation"]}
    projects = {p["id"]: p for p in r["projects"]}
    rows = []
    for pid, e in explained.items():
        project = projects.get(pid, {})
        rows.append(
            e
            | {
                "district": project.get("district"),
                "theme": project.get("theme"),
                "title": project.get("title", e["name"]),
            }
        )
    parts = parts_of(r, rows)
    for part in parts:
        part.projects.sort(key=lambda e: (not e["selected"], -e["votes"], e["title"]))
    return parts
