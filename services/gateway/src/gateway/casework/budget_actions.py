"""The officials' actions on participatory budget rounds, beside the work queue: open a round with its
ballot form, winner rule and eligibility (minimum age, residence, districts); move it through its phases
(start the feasibility review, open voting, close voting); review each project's feasibility and cost, many
on one page; and read the results with the count's explanation per project.

Every action is a form (no JavaScript needed) with an error summary, then a confirmation page, then the
proposals service's API through ``gateway.backends.api()`` with the official's own token and an
Idempotency-Key fixed on the confirmation page (a form sent twice acts once). The service decides: it
takes a round's steps and reviews from a case officer (scoped ones within their process); the pages
offer what the session's roles allow (``next_actions.roles_of``) and say the service's refusal in words.
Assessors and the decision body read the same pages without the forms.

The count runs in the proposals service as soon as voting closes and publishes the results itself;
the confirmation of the close says so, with the rule that will count, and the results page shows the
explanation of each project as the residents' results page does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, abort, flash, get_flashed_messages, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from gateway.backends import Refused, ServiceError, Unavailable, api
from gateway.casework import budget_rounds as rounds
from gateway.casework.next_actions import roles_of
from gateway.context import gateway
from gateway.portal.budgets import budgets_of, explained_parts, part_of, titles_of
from gateway.web import install_page_answers, page
from meemaken_kit.auth import allow, principal
from meemaken_kit.roles import Role

budget_actions = Blueprint("budget_actions", __name__)
install_page_answers(budget_actions)

STEPPING = roles_of("prepare_round", "start_feasibility")
assert STEPPING == roles_of("review_feasibility", "open_voting") == roles_of("close_voting", "close_voting")
REVIEWING = roles_of("assess_project", "assess_project")
RESULTS = roles_of("publish_results", "publish_results")
OPENING = (Role.CASE_OFFICER,)  # no queue item asks for a new round: the service takes it from a case officer
READING = tuple(sorted({Role.ASSESSOR, Role.DECISION_BODY, *STEPPING, *REVIEWING, *RESULTS}))
BUDGET_WORK = frozenset({"prepare_round", "review_feasibility", "assess_project", "close_voting", "publish_results"})
TEXT_MAX = 5000
Problems = dict[str, str]


def _holds(roles: tuple[str, ...]) -> bool:
    """Whether the session's principal holds one of ``roles`` (never the request's word for it)."""
    who = principal()
    return who is not None and not set(who.roles).isdisjoint(roles)


def _runs_rounds() -> bool:
    return _holds(REVIEWING)


@budget_actions.app_context_processor
def _budget_desk() -> dict[str, Any]:
    """The work queue links its budget items here (the session's roles decide, never the request)."""
    return {"budget_work": BUDGET_WORK if _holds(READING) else frozenset()}


# --- the service's answers in words ------------------------------------------------------------------


def refusal(error: ServiceError) -> str:
    """What the service said, in plain words (its own detail follows, as it gave it)."""
    if isinstance(error, Unavailable):
        return _("The proposals service did not answer. Nothing was changed; try again in a moment.")
    assert isinstance(error, Refused)
    lead = {
        401: _("Your session has ended; log in again."),
        403: _("You may not do this for this budget round."),
        404: _("There is no such budget round or project."),
        409: _("This is not possible in the round's current phase."),
        422: _("The proposals service did not accept what you sent."),
    }.get(error.status, _("The proposals service refused this."))
    return f"{lead} {error.detail}".strip()


def _round(round_id: uuid.UUID) -> dict[str, Any]:
    """The round from the service (404 when it is not there or not this municipality's)."""
    try:
        found = dict(api().get("proposals", f"v1/rounds/{round_id}"))
        process = api().get("proposals", f"v1/processes/{found['process_id']}")
    except Refused as error:
        abort(404 if error.status in (400, 404, 422) else error.status)
    if process.get("municipality") != gateway().settings.municipality:
        abort(404)
    found["process"] = process
    return found


def _unavailable() -> Response:
    return page("casework/budgets/list.html", 503, rounds=[], unavailable=True, flashed=[])


def _text(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "").replace("\r\n", "\n").strip()


def _long(text: str) -> str | None:
    return _("Use at most %(count)s characters.", count=TEXT_MAX) if len(text) > TEXT_MAX else None


# --- the rounds, and one round ---------------------------------------------------------------------------


def _budget_processes() -> list[dict[str, Any]]:
    found = api().get("proposals", "v1/processes", {"municipality": gateway().settings.municipality})
    return [p for p in found if p.get("kind") == "budget_round"]


@budget_actions.get("/desk/budgets")
@allow(*READING)
def round_list() -> Response:
    try:
        processes = {p["id"]: p for p in _budget_processes()}
        found = [r for pid in processes for r in api().get("proposals", "v1/rounds", {"process_id": pid})]
    except ServiceError:
        return _unavailable()
    return page(
        "casework/budgets/list.html",
        rounds=found,
        processes=processes,
        runs=_runs_rounds(),
        flashed=get_flashed_messages(category_filter=["budgets"]),
    )


@budget_actions.get("/desk/budgets/<uuid:round_id>")
@allow(*READING)
def round_page(round_id: uuid.UUID) -> Response:
    try:
        r = _round(round_id)
    except Unavailable:
        return _unavailable()
    return page(
        "casework/budgets/round.html",
        round=r,
        parts=budgets_of(r),
        pending=rounds.pending(r),
        step=rounds.NEXT_STEP.get(r["phase"]),
        runs=_runs_rounds(),
        reads_results=_holds(RESULTS),
        flashed=get_flashed_messages(category_filter=["budgets"]),
    )


# --- a phase's step: start the feasibility review, open voting, close voting -----------------------------

STEP_PATH = "/desk/budgets/<uuid:round_id>/<any(feasibility, voting, close):step>"


@budget_actions.route(STEP_PATH, methods=["GET", "POST"])
@allow(*STEPPING)
def phase_step(round_id: uuid.UUID, step: str) -> Response | BaseResponse:
    try:
        r = _round(round_id)
    except Unavailable:
        return _unavailable()
    context = {"round": r, "step": step, "pending": rounds.pending(r), "parts": budgets_of(r)}
    due = rounds.STEPS[step] == r["phase"]
    if request.method == "GET" or not due:
        return page("casework/budgets/step.html", 200 if due else 409, due=due, key=str(uuid.uuid4()), **context)
    try:
        key = str(uuid.UUID(request.form.get("key", "")))
    except ValueError:
        return page("casework/budgets/step.html", 400, due=due, key=str(uuid.uuid4()), **context)
    try:
        body = {} if step != "voting" else {"lot_order": None}
        api().post("proposals", f"v1/rounds/{round_id}/{step}", body, idempotency_key=f"{step}-{key}")
    except ServiceError as error:
        return page("casework/budgets/step.html", 409, due=due, key=key, refused=refusal(error), **context)
    flash(step, "budgets")
    return redirect(url_for("budget_actions.round_page", round_id=round_id), 303)


# --- the projects' feasibility and cost, many on one page --------------------------------------------------


def _review_page(
    r: dict[str, Any],
    shown: list[dict[str, Any]],
    values: Mapping[str, str],
    problems: Problems,
    status: int = 200,
) -> Response:
    return page(
        "casework/budgets/review.html",
        400 if problems else status,
        round=r,
        shown=shown,
        reviewed=[p for p in r["projects"] if p["feasibility"] != "pending"],
        pending=rounds.pending(r),
        values=values,
        problems=problems,
        part_budget={p["id"]: budgets_of(r).get(part_of(p)) for p in shown},
        editable=r["phase"] == "feasibility" and _runs_rounds(),
    )


def _prefilled(projects: list[dict[str, Any]]) -> dict[str, str]:
    """The form's first values: what the project holds now (the residents' cost estimate until reviewed)."""
    values: dict[str, str] = {}
    for p in projects:
        pid = p["id"]
        values[f"{pid}-cost"] = rounds.euros_typed(int(p["cost"]))
        if p["feasibility"] != "pending":
            values[f"{pid}-verdict"] = p["feasibility"]
            values[f"{pid}-legal_check"] = p.get("legal_check") or ""
            values[f"{pid}-reason"] = p.get("reason") or ""
            if p.get("jury_score") is not None:
                values[f"{pid}-jury_score"] = str(p["jury_score"])
    return values


@budget_actions.get("/desk/budgets/<uuid:round_id>/review")
@allow(*READING)
def review_form(round_id: uuid.UUID) -> Response:
    try:
        r = _round(round_id)
    except Unavailable:
        return _unavailable()
    shown = rounds.pending(r)[: rounds.MAX_PROJECTS]
    return _review_page(r, shown, _prefilled(shown), {})


@budget_actions.get("/desk/budgets/<uuid:round_id>/<project_id>")
@allow(*READING)
def project_review(round_id: uuid.UUID, project_id: str) -> Response:
    """One project's review (the queue's item for it): the same form, with a link to the next one."""
    try:
        r = _round(round_id)
    except Unavailable:
        return _unavailable()
    shown = [p for p in r["projects"] if p["id"] == project_id]
    if not shown:
        abort(404)
    return _review_page(r, shown, _prefilled(shown), {})


def _read_review(r: dict[str, Any], p: dict[str, Any], form: Mapping[str, str]) -> tuple[Any, Problems]:
    """One project's review from the form: None when left for later, else a Review or its problems."""
    pid = p["id"]
    verdict = form.get(f"{pid}-verdict", "")
    if verdict in ("", "later"):
        return None, {}
    problems: Problems = {}
    if verdict not in ("feasible", "not_feasible"):
        problems[f"{pid}-verdict"] = _("Choose feasible, not feasible or later.")
    cost = rounds.cents(form.get(f"{pid}-cost", ""))
    budget = budgets_of(r).get(part_of(p))
    if cost is None or cost < 1:
        problems[f"{pid}-cost"] = _("Give the cost in euros, for example 12500 or 12.500,50.")
    elif verdict == "feasible" and budget is not None and cost > budget:
        problems[f"{pid}-cost"] = _("This is more than its part of the budget; it cannot be on the ballot.")
    legal = _text(form, f"{pid}-legal_check")
    if not legal:
        problems[f"{pid}-legal_check"] = _("Say what the legal check found.")
    elif found := _long(legal):
        problems[f"{pid}-legal_check"] = found
    reason = _text(form, f"{pid}-reason")
    if verdict == "not_feasible" and not reason:
        problems[f"{pid}-reason"] = _("Say why it is not feasible: the residents read this.")
    elif found := _long(reason):
        problems[f"{pid}-reason"] = found
    score = None
    if r.get("jury_weight") is not None and verdict == "feasible":
        try:
            score = float(form.get(f"{pid}-jury_score", "").replace(",", "."))
            if not 0 <= score <= 1000:
                raise ValueError
        except ValueError:
            problems[f"{pid}-jury_score"] = _("Give the jury's score, a number from 0.")
    if problems:
        return None, problems
    assert cost is not None
    return rounds.Review(pid, verdict == "feasible", cost, legal, reason, score), {}


@budget_actions.post("/desk/budgets/<uuid:round_id>/review")
@allow(*REVIEWING)
def review(round_id: uuid.UUID) -> Response:
    try:
        r = _round(round_id)
    except Unavailable:
        return _unavailable()
    form = request.form
    asked = form.getlist("project")[: rounds.MAX_PROJECTS]
    shown = [p for p in r["projects"] if p["id"] in asked]
    values = {k: v for k, v in form.items() if k.split("-", 1)[0] in asked}
    reviews: list[rounds.Review] = []
    problems: Problems = {}
    for p in shown:
        found, wrong = _read_review(r, p, form)
        problems |= wrong
        if found is not None:
            reviews.append(found)
    if not shown:
        return _review_page(r, rounds.pending(r), {}, {"projects": _("Choose the projects from the list.")})
    if not reviews and not problems:
        problems[f"{shown[0]['id']}-verdict"] = _("Give at least one project your verdict, or go back to the round.")
    step = form.get("step")
    if problems or step == "change":
        return _review_page(r, shown, values, problems)
    titles = titles_of(r)
    if step != "confirm":
        batch = str(uuid.uuid4())
        return page("casework/budgets/review_check.html", round=r, reviews=reviews, titles=titles, batch=batch)
    try:
        batch = str(uuid.UUID(form.get("batch", "")))
    except ValueError:
        return _review_page(r, shown, values, {"projects": _("Check the reviews again before you record them.")})
    outcomes = []
    for found in reviews:
        path = f"v1/rounds/{round_id}/projects/{found.project_id}/assessment"
        key = rounds.idempotency_key(batch, found.project_id)
        try:
            api().post("proposals", path, found.body(), idempotency_key=key)
            outcomes.append(rounds.Outcome(found.project_id, titles[found.project_id]))
        except Refused as error:
            outcomes.append(rounds.Outcome(found.project_id, titles[found.project_id], error.status, refusal(error)))
        except Unavailable as error:
            outcomes.append(rounds.Outcome(found.project_id, titles[found.project_id], 0, refusal(error)))
    recorded, refused = rounds.split(outcomes)
    try:
        after = _round(round_id)
    except Unavailable:
        after = r
    following = rounds.next_pending(after, outcomes[-1].project_id if outcomes else None)
    return page(
        "casework/budgets/reviewed.html",
        round=after,
        recorded=recorded,
        refused=refused,
        following=following,
        pending=rounds.pending(after),
    )


# --- the results, explained per project ---------------------------------------------------------------


@budget_actions.get("/desk/budgets/<uuid:round_id>/results")
@allow(*RESULTS)
def results(round_id: uuid.UUID) -> Response:
    try:
        r = _round(round_id)
    except Unavailable:
        return _unavailable()
    counted = r.get("results")
    return page(
        "casework/budgets/results.html",
        round=r,
        results=counted,
        parts=explained_parts(r, counted) if counted else [],
        titles=titles_of(r),
        funded=sum(1 for e in counted["explanation"] if e["selected"]) if counted else 0,
    )


# --- a new round: budget, parts, ballot form, winner rule and who may vote ------------------------------

OPENING_FIELDS = (
    "process",
    "title",
    "budget",
    "districts_budgets",
    "themes_budgets",
    "form",
    "k",
    "points",
    "rule",
    "min_age",
    "residents_only",
    "districts",
    "unverified",
)


def _opening_page(values: Mapping[str, str], problems: Problems, status: int = 200, **more: Any) -> Response:
    try:
        processes = _budget_processes()
    except ServiceError:
        return _unavailable()
    return page(
        "casework/budgets/open.html",
        400 if problems else status,
        processes=processes,
        values=values,
        problems=problems,
        forms=rounds.FORMS,
        rules=rounds.RULES,
        **more,
    )


def _number(typed: str, low: int, high: int) -> int | None:
    typed = typed.strip()
    return int(typed) if typed.isascii() and typed.isdigit() and low <= int(typed) <= high else None


def _read_opening(values: Mapping[str, str], processes: set[str]) -> tuple[dict[str, Any], Problems]:
    """The round as the service takes it (``POST v1/rounds``), or what is wrong with the form."""
    problems: Problems = {}
    if values["process"] not in processes:
        problems["process"] = _("Choose the budget process from the list.")
    if not values["title"] or len(values["title"]) > 200:
        problems["title"] = _("Give the round a title of at most 200 characters.")
    budget = rounds.cents(values["budget"])
    if budget is None or budget < 1:
        problems["budget"] = _("Give the total budget in euros, for example 150000.")
    parts: dict[str, dict[str, int]] = {}
    for name in ("districts_budgets", "themes_budgets"):
        parts[name], wrong = rounds.amounts(values[name])
        if wrong:
            problems[name] = _("Write one per line as name: amount in euros. Check: %(lines)s", lines="; ".join(wrong))
    if budget and not problems.keys() & {"districts_budgets", "themes_budgets"}:
        if sum(parts["districts_budgets"].values()) + sum(parts["themes_budgets"].values()) > budget:
            problems["districts_budgets"] = _("The districts' and themes' budgets together exceed the total budget.")
    form: dict[str, Any] = {"kind": values["form"]}
    if values["form"] not in rounds.FORMS:
        problems["form"] = _("Choose how residents vote.")
    elif values["form"] in ("k_approval", "ranking"):
        form["k"] = _number(values["k"], 1, 100)
        if form["k"] is None:
            problems["k"] = _("Give how many projects a voter chooses, from 1 to 100.")
    elif values["form"] == "cumulative":
        form["points"] = _number(values["points"], 1, 1000)
        if form["points"] is None:
            problems["points"] = _("Give how many points a voter gives, from 1 to 1000.")
    if values["rule"] not in rounds.RULES:
        problems["rule"] = _("Choose how the votes are counted.")
    min_age = _number(values["min_age"], 0, 120)
    if min_age is None:
        problems["min_age"] = _("Give the minimum age in whole years, from 0 to 120.")
    districts = rounds.names(values["districts"])
    if any(len(d) > 100 for d in districts):
        problems["districts"] = _("Use at most 100 characters per district.")
    if values["unverified"] not in ("desk", "refuse"):
        problems["unverified"] = _("Choose what happens when a login does not show a fact this round needs.")
    body = {
        "process_id": values["process"],
        "title": values["title"],
        "budget": budget,
        "district_budgets": parts.get("districts_budgets", {}),
        "theme_budgets": parts.get("themes_budgets", {}),
        "form": form,
        "rule": values["rule"],
        "eligibility": {
            "min_age": min_age,
            "residents_only": values["residents_only"] == "yes",
            "districts": districts,
            "unverified": values["unverified"],
        },
    }
    return body, problems


@budget_actions.get("/desk/budgets/new")
@allow(*OPENING)
def opening_form() -> Response:
    values = dict.fromkeys(OPENING_FIELDS, "")
    values |= {"form": "approval", "rule": rounds.RULES[0], "min_age": "16", "residents_only": "yes"}
    return _opening_page(values | {"unverified": "desk", "process": request.args.get("process", "")}, {})


@budget_actions.post("/desk/budgets/new")
@allow(*OPENING)
def open_round() -> Response | BaseResponse:
    form = request.form
    values = {name: _text(form, name) for name in OPENING_FIELDS}
    try:
        processes = {p["id"] for p in _budget_processes()}
    except ServiceError:
        return _unavailable()
    body, problems = _read_opening(values, processes)
    step = form.get("step")
    if problems or step == "change":
        return _opening_page(values, problems)
    if step != "confirm":
        return _opening_page(values, {}, confirming=True, body=body, key=str(uuid.uuid4()))
    try:
        key = str(uuid.UUID(form.get("key", "")))
    except ValueError:
        return _opening_page(values, {}, confirming=True, body=body, key=str(uuid.uuid4()))
    try:
        opened = api().post("proposals", "v1/rounds", body, idempotency_key=f"round-{key}")
    except ServiceError as error:
        return _opening_page(values, {}, 409, confirming=True, body=body, key=key, refused=refusal(error))
    flash("opened", "budgets")
    return redirect(url_for("budget_actions.round_page", round_id=opened["id"]), 303)
