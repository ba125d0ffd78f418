"""The officials' actions on participatory budget rounds, beside the work queue: open a round with its
ballot form, winner rule and eligibility (minimum age, residence, districts); move it through its phases
(start the feasibility review, open voting, close voting); review each project's feasibility and cost, many
on one page; and read the results with the count's explanation per project.

Every action is a form (no JavaScript needed) with an error summary, then a confirmation page, then the
proposals service's API through ``gateway.backends.api()`` with the official's own token and an
Idempotency-Key fixed on the confirmation page (a form sent twice acts once). The service decides: it
takes a round's steps and reviews from a case officer (scoped ones within their process); the pages
offer what the session's roles allow (``next_actions.roles_of``) and say the service's refusal in words.
Assessors and the decision body read the same pages without the forms. A case officer also adds project
ideas handed in on paper (the portal has no idea form). The forms are read in ``budget_forms``.

The count runs in the proposals service as soon as voting closes and publishes the results itself;
the confirmation of the close says so, with the rule that will count, and the results page shows the
explanation of each project as the residents' results page does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, abort, get_flashed_messages, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from gateway.backends import Refused, ServiceError, Unavailable, api
from gateway.casework import budget_forms as forms
from gateway.casework import budget_rounds as rounds
from gateway.casework.budget_forms import Problems
from gateway.casework.confirming import Desk, noted, refused_by_proposals, take
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
    leads = {
        403: _("You may not do this for this budget round."),
        404: _("There is no such budget round or project."),
        409: _("This is not possible in the round's current phase."),
    }
    return refused_by_proposals(error, leads)


CONFIRMING = Desk("key", refusal, again=True)


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

    def show(problems: Mapping[str, Any], status: int = 200, **more: Any) -> Response:
        shown = {"key": str(uuid.uuid4()), **more}
        return page("casework/budgets/step.html", status if due else 409, due=due, **context, **shown)

    # a confirmation goes to the service even when the round moved on: sent again, it answers as the first time
    if request.method == "GET" or (not due and request.form.get("step") != "confirm"):
        return show({})

    body = {"lot_order": None} if step == "voting" else {}

    def send(key: str) -> Any:
        return api().post("proposals", f"v1/rounds/{round_id}/{step}", body, idempotency_key=key)

    return take(CONFIRMING, show, {}, send, lambda _answer: _noted(step, round_id), step)


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
        found, wrong = forms.read_review(r, p, form)
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
        stages={p["id"]: p for p in r["projects"] if p.get("stage")},
        runs=_holds(OPENING),
        flashed=get_flashed_messages(category_filter=["budgets"]),
    )


# --- a new round: budget, parts, ballot form, winner rule and who may vote ------------------------------


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


@budget_actions.get("/desk/budgets/new")
@allow(*OPENING)
def opening_form() -> Response:
    values = dict.fromkeys(forms.OPENING_FIELDS, "")
    values |= {"form": "approval", "rule": rounds.RULES[0], "min_age": "16", "residents_only": "yes"}
    return _opening_page(values | {"unverified": "desk", "process": request.args.get("process", "")}, {})


@budget_actions.post("/desk/budgets/new")
@allow(*OPENING)
def open_round() -> Response | BaseResponse:
    form = request.form
    values = {name: forms.text(form, name) for name in forms.OPENING_FIELDS}
    try:
        processes = {p["id"] for p in _budget_processes()}
    except ServiceError:
        return _unavailable()
    body, problems = forms.read_opening(values, processes)

    def show(problems: Mapping[str, Any], status: int = 200, **more: Any) -> Response:
        return _opening_page(values, dict(problems), status, body=body, **more)

    def send(key: str) -> Any:
        return api().post("proposals", "v1/rounds", body, idempotency_key=key)

    return take(CONFIRMING, show, problems, send, lambda opened: _noted("opened", opened["id"]), "round")


# --- a project idea the municipality adds (one handed in on paper, or its own) ------------------------------


def _idea_page(
    r: dict[str, Any], values: Mapping[str, str], problems: Problems, status: int = 200, **more: Any
) -> Response:
    return page(
        "casework/budgets/idea.html",
        400 if problems else status,
        round=r,
        parts=budgets_of(r),
        values=values,
        problems=problems,
        **more,
    )


@budget_actions.route("/desk/budgets/<uuid:round_id>/ideas", methods=["GET", "POST"])
@allow(*OPENING)
def add_idea(round_id: uuid.UUID) -> Response | BaseResponse:
    try:
        r = _round(round_id)
    except Unavailable:
        return _unavailable()
    if request.method == "GET":
        return _idea_page(r, dict.fromkeys(forms.IDEA_FIELDS, ""), {})
    values = {name: forms.text(request.form, name) for name in forms.IDEA_FIELDS}
    body, problems = forms.read_idea(r, values)

    def show(problems: Mapping[str, Any], status: int = 200, **more: Any) -> Response:
        return _idea_page(r, values, dict(problems), status, body=body, **more)

    def send(key: str) -> Any:
        return api().post("proposals", f"v1/rounds/{round_id}/projects", body, idempotency_key=key)

    return take(CONFIRMING, show, problems, send, lambda _answer: _noted("idea", round_id), "idea")


def _noted(note: str, round_id: uuid.UUID | str) -> BaseResponse:
    """The round's page, with the note of what was done."""
    noted(note, "budgets")
    return redirect(url_for("budget_actions.round_page", round_id=round_id), 303)


# --- where a funded project stands, after the results ------------------------------------------------------

TRACKING_PATH = "/desk/budgets/<uuid:round_id>/<project_id>/progress"


@budget_actions.route(TRACKING_PATH, methods=["GET", "POST"])
@allow(*OPENING)
def track(round_id: uuid.UUID, project_id: str) -> Response | BaseResponse:
    try:
        r = _round(round_id)
    except Unavailable:
        return _unavailable()
    funded = (r.get("results") or {}).get("selected") or []
    project = next((p for p in r["projects"] if p["id"] == project_id and p["id"] in funded), None)
    if project is None:
        abort(404)
    form = request.form
    if request.method == "GET":
        values = {"stage": project.get("stage") or "", "note": ""}
    else:
        values = {"stage": form.get("stage", ""), "note": forms.text(form, "note")}

    def show(problems: Mapping[str, Any], status: int = 200, **more: Any) -> Response:
        shown = {"round": r, "project": project, "values": values, "problems": problems, **more}
        return page("casework/budgets/progress.html", 400 if problems else status, **shown)

    if request.method == "GET":
        return show({})
    body, problems = forms.read_tracking(values)

    def send(key: str) -> Any:
        path = f"v1/rounds/{round_id}/projects/{project_id}/tracking"
        return api().post("proposals", path, body, idempotency_key=key)

    def progressed(_answer: Any) -> BaseResponse:
        noted("progress", "budgets")
        return redirect(url_for("budget_actions.results", round_id=round_id), 303)

    return take(CONFIRMING, show, problems, send, progressed, "progress")
