"""The officials' actions on proposals, beside the work queue: answer one or many with a position and
reasons (from answer templates), decline with coded grounds, merge, split; and the answer templates page.

Every action is a form (no JavaScript needed) with an error summary, then a confirmation page, then the
proposals service's API through ``gateway.backends.api()`` with the official's own token and an Idempotency-Key
fixed on the confirmation page (``gateway.casework.confirming``: sent twice, done once). The service
decides who may do what (case_officer; decision_body for answers); the pages only offer what the session's
roles allow and say the service's refusal in words. A bulk answer sends each proposal with its own
Idempotency-Key (the batch's, fixed on the confirmation page) and tells which were answered and which
were refused, and why.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, abort, flash, get_flashed_messages, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from gateway.backends import Refused, ServiceError, Unavailable, api
from gateway.casework import answer_templates as templates
from gateway.casework.answering import (
    DECLINE_GROUNDS,
    MAX_BULK,
    MAX_PARTS,
    POSITIONS,
    Outcome,
    idempotency_key,
    parts,
    proposal_ids,
    summary,
)
from gateway.casework.confirming import Desk, noted, refused_by_proposals, take
from gateway.casework.next_actions import roles_of
from gateway.context import gateway
from gateway.web import install_page_answers, page
from meemaken_kit.auth import allow, principal

proposal_actions = Blueprint("proposal_actions", __name__)
install_page_answers(proposal_actions)

# who may take each action: the case page's table of next actions, the one list (never two that disagree)
ANSWERING = roles_of("answer_proposal", "answer")
HANDLING = roles_of("answer_proposal", "decline", "merge", "split")
POSITION_NAMES = {
    "adopted": _l("Adopted"),
    "partly": _l("Partly adopted"),
    "not_adopted": _l("Not adopted"),
}
GROUND_NAMES = {
    "not_competent": _l("The municipality is not competent"),
    "unlawful": _l("It would be against the law"),
    "already_decided": _l("This was already decided"),
    "not_a_proposal": _l("This is not a proposal"),
}
REASONS_MAX = 5000
Problems = dict[str, str]


# --- who may do what (the session's roles, never the request) -----------------------------------------


def _roles() -> frozenset[str]:
    who = principal()
    return frozenset() if who is None else frozenset(who.roles)


def offered() -> dict[str, bool]:
    roles = _roles()
    return {"answer": not roles.isdisjoint(ANSWERING), "handle": not roles.isdisjoint(HANDLING)}


@proposal_actions.app_context_processor
def _answers_proposals() -> dict[str, bool]:
    """Whether the work queue offers its proposals for one answer to many (the session's roles)."""
    return {"answers_proposals": offered()["answer"]}


def _official() -> str:
    who = principal()
    assert who is not None and who.person_id is not None
    return str(who.person_id)


def _departments() -> list[str]:
    """The departments the official's roles are scoped to (none: they act municipality-wide)."""
    who = principal()
    scopes = {s for found in (who.role_scopes.values() if who else ()) for s in found}
    return sorted(s.split(":", 1)[1] for s in scopes if s.startswith("department:"))


def _managed() -> list[str]:
    """The departments whose templates the official keeps; ``""`` is the whole municipality's."""
    return _departments() or [""]


# --- the service's answers in words ------------------------------------------------------------------


def refusal(error: ServiceError) -> str:
    """What the service said, in plain words (its own detail follows, as it gave it)."""
    leads = {
        403: _("You may not do this for this proposal."),
        404: _("There is no such proposal."),
        409: _("This is not possible in the proposal's current state."),
    }
    return refused_by_proposals(error, leads)


CONFIRMING = Desk("key", refusal)


def _proposal(proposal_id: str) -> dict[str, Any]:
    try:
        found = api().get("proposals", f"v1/proposals/{proposal_id}")
    except Refused as error:
        abort(404 if error.status in (400, 404) else error.status)
    return dict(found)


def _titles(ids: list[str]) -> dict[str, str]:
    """Each chosen proposal's title (its reference when the service does not know it)."""
    found = {}
    for pid in ids:
        try:
            found[pid] = str(api().get("proposals", f"v1/proposals/{pid}")["title"])
        except Refused:
            found[pid] = _("Proposal %(reference)s", reference=pid[:8])
    return found


def _awaiting(process_id: str | None = None) -> list[dict[str, Any]]:
    """Admitted proposals: those awaiting the municipality's answer (or a decline, merge or split)."""
    found = api().get(
        "proposals", "v1/proposals", params={"status": "admitted", "process_id": process_id, "limit": 200}
    )
    return sorted(found, key=lambda p: (p.get("answer_due_at") is None, p.get("answer_due_at") or "", p["title"]))


def _text(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "").replace("\r\n", "\n").strip()


def _reasons_problem(reasons: str, missing: str) -> str | None:
    if not reasons:
        return missing
    if len(reasons) > REASONS_MAX:
        return _("Use at most %(count)s characters.", count=REASONS_MAX)
    return None


# --- the list of proposals awaiting an answer ------------------------------------------------------------


@proposal_actions.get("/desk/proposals")
@allow(*ANSWERING)
def awaiting() -> Response:
    try:
        found = _awaiting()
    except Unavailable:
        return page("casework/proposals/list.html", 503, proposals=[], unavailable=True, problems={})
    chosen = request.args.getlist("proposal")
    problems = {"proposals": _("Choose at least one proposal to answer.")} if request.args.get("none") else {}
    return page(
        "casework/proposals/list.html",
        400 if problems else 200,
        proposals=found,
        chosen=chosen,
        problems=problems,
        max_bulk=MAX_BULK,
        flashed=get_flashed_messages(category_filter=["proposals"]),
    )


@proposal_actions.get("/desk/proposals/<uuid:proposal_id>")
@allow(*ANSWERING)
def proposal(proposal_id: uuid.UUID) -> Response:
    try:
        found = _proposal(str(proposal_id))
        others = [p for p in _awaiting(found["process_id"]) if p["id"] != found["id"]] if offered()["handle"] else []
    except Unavailable:
        return page("casework/proposals/list.html", 503, proposals=[], unavailable=True, problems={})
    return page(
        "casework/proposals/proposal.html",
        proposal=found,
        others=others,
        offered=offered(),
        positions=POSITION_NAMES,
        flashed=get_flashed_messages(category_filter=["proposals"]),
    )


# --- answering, one or many ------------------------------------------------------------------------------


def _answer_page(ids: list[str], values: dict[str, str], problems: Problems, status: int = 200) -> Response:
    with gateway().engine.connect() as conn:
        known = templates.templates_for(conn, gateway().settings.municipality, _departments())
    return page(
        "casework/proposals/answer.html",
        status if not problems else 400,
        ids=ids,
        titles=_titles(ids),
        values=values,
        problems=problems,
        templates=known,
        positions=POSITION_NAMES,
    )


def _chosen(values: list[str]) -> tuple[list[str], str | None]:
    ids = proposal_ids(values)
    if ids is None:
        return [], _("Choose the proposals from the list.")
    if not ids:
        return [], _("Choose at least one proposal to answer.")
    if len(ids) > MAX_BULK:
        return ids, _("Choose at most %(count)s proposals at once.", count=MAX_BULK)
    return ids, None


@proposal_actions.get("/desk/proposals/answer")
@allow(*ANSWERING)
def answer_form() -> Response | BaseResponse:
    ids, problem = _chosen(request.args.getlist("proposal"))
    if problem and not ids:
        return redirect(url_for("proposal_actions.awaiting", none=1), 303)
    values = {"position": "", "reasons": "", "template": request.args.get("template", "")}
    problems: Problems = {"proposals": problem} if problem else {}
    if values["template"]:
        with gateway().engine.connect() as conn:
            picked = templates.template(conn, gateway().settings.municipality, _departments(), values["template"])
        if picked is None:
            problems["template"] = _("Choose a template from the list.")
        else:
            values |= {"position": picked.position, "reasons": picked.text}
    return _answer_page(ids, values, problems)


@proposal_actions.post("/desk/proposals/answer")
@allow(*ANSWERING)
def answer() -> Response:
    form = request.form
    ids, problem = _chosen(form.getlist("proposal"))
    values = {"position": form.get("position", ""), "reasons": _text(form, "reasons")}
    problems: Problems = {"proposals": problem} if problem else {}
    if values["position"] not in POSITIONS:
        problems["position"] = _("Choose the municipality's position.")
    if found := _reasons_problem(values["reasons"], _("Give the reasons for the answer.")):
        problems["reasons"] = found
    step = form.get("step")
    if problems or step == "change":
        return _answer_page(ids, values, problems)
    if step != "confirm":
        return page(
            "casework/proposals/confirm_answer.html",
            ids=ids,
            titles=_titles(ids),
            values=values,
            batch=str(uuid.uuid4()),
            positions=POSITION_NAMES,
        )
    try:
        batch = str(uuid.UUID(form.get("batch", "")))
    except ValueError:
        return _answer_page(ids, values, {"proposals": _("Check the answer again before you send it.")})
    titles = _titles(ids)
    outcomes = []
    for pid in ids:
        body = {"position": values["position"], "reasons": values["reasons"]}
        try:
            api().post("proposals", f"v1/proposals/{pid}/answer", body, idempotency_key=idempotency_key(batch, pid))
            outcomes.append(Outcome(pid, titles[pid]))
        except Refused as error:
            outcomes.append(Outcome(pid, titles[pid], error.status, refusal(error)))
        except Unavailable as error:
            outcomes.append(Outcome(pid, titles[pid], 0, refusal(error)))
    answered, refused = summary(outcomes)
    return page(
        "casework/proposals/answered.html",
        answered=answered,
        refused=refused,
        position=POSITION_NAMES[values["position"]],
    )


# --- decline, merge, split ---------------------------------------------------------------------------


def _action_page(
    action: str, found: dict[str, Any], values: dict[str, Any], problems: Problems, status: int = 200, **more: Any
) -> Response:
    return page(
        "casework/proposals/action.html",
        400 if problems else status,
        action=action,
        proposal=found,
        values=values,
        problems=problems,
        grounds=GROUND_NAMES,
        max_parts=MAX_PARTS,
        **more,
    )


def _read_decline(form: Mapping[str, str], chosen: list[str]) -> tuple[dict[str, Any], Problems]:
    values: dict[str, Any] = {"grounds": [g for g in DECLINE_GROUNDS if g in chosen]}
    values |= {f"detail_{g}": _text(form, f"detail_{g}") for g in DECLINE_GROUNDS}
    problems: Problems = {}
    if not values["grounds"] or len(values["grounds"]) != len(set(chosen)):
        problems["ground-" + DECLINE_GROUNDS[0]] = _("Choose at least one ground from the list.")
    for ground in values["grounds"]:
        if found := _reasons_problem(values[f"detail_{ground}"], _("Explain this ground to the authors.")):
            problems[f"detail_{ground}"] = found
    return values, problems


def _read_merge(form: Mapping[str, str], others: list[dict[str, Any]]) -> tuple[dict[str, Any], Problems]:
    values = {"into": form.get("into", ""), "reasons": _text(form, "reasons")}
    problems: Problems = {}
    if values["into"] not in {p["id"] for p in others}:
        problems["into"] = _("Choose the proposal to merge it into.")
    if found := _reasons_problem(values["reasons"], _("Give the reasons for the merge.")):
        problems["reasons"] = found
    return values, problems


def _read_split(form: Mapping[str, str]) -> tuple[dict[str, Any], Problems]:
    values: dict[str, Any] = {"parts": _text(form, "parts"), "reasons": _text(form, "reasons")}
    found = parts(values["parts"])
    values["found"] = found
    problems: Problems = {}
    if not 2 <= len(found) <= MAX_PARTS:
        problems["parts"] = _("Write between 2 and %(count)s parts, separated by an empty line.", count=MAX_PARTS)
    elif any(not text or len(title) > 200 or len(text) > 10_000 for title, text in found):
        problems["parts"] = _("Give each part a title of at most 200 characters on its first line and its text below.")
    if problem := _reasons_problem(values["reasons"], _("Give the reasons for the split.")):
        problems["reasons"] = problem
    return values, problems


ACTIONS = "/desk/proposals/<uuid:proposal_id>/<any(decline, merge, split):action>"


@proposal_actions.route(ACTIONS, methods=["GET", "POST"])
@allow(*HANDLING)
def act(proposal_id: uuid.UUID, action: str) -> Response | BaseResponse:
    pid = str(proposal_id)
    try:
        found = _proposal(pid)
        others = [p for p in _awaiting(found["process_id"]) if p["id"] != pid] if action == "merge" else []
    except Unavailable:
        return page("casework/proposals/list.html", 503, proposals=[], unavailable=True, problems={})
    if request.method == "GET":
        return _action_page(action, found, {"grounds": [], "into": request.args.get("into", "")}, {}, others=others)
    form = request.form
    if action == "decline":
        values, problems = _read_decline(form, form.getlist("ground"))
        body: dict[str, Any] = {"reasons": [{"code": g, "detail": values[f"detail_{g}"]} for g in values["grounds"]]}
    elif action == "merge":
        values, problems = _read_merge(form, others)
        body = {"into_id": values["into"], "reasons": values["reasons"]}
    else:
        values, problems = _read_split(form)
        body = {"parts": [{"title": t, "text": x} for t, x in values["found"]], "reasons": values["reasons"]}
    into = next((p for p in others if p["id"] == values.get("into")), None)

    def show(problems: Mapping[str, Any], status: int = 200, **more: Any) -> Response:
        return _action_page(action, found, values, dict(problems), status, others=others, into=into, **more)

    def send(key: str) -> Any:
        return api().post("proposals", f"v1/proposals/{pid}/{action}", body, idempotency_key=key)

    def done(_answer: Any) -> BaseResponse:
        noted(action, "proposals")
        return redirect(url_for("proposal_actions.proposal", proposal_id=pid), 303)

    return take(CONFIRMING, show, problems, send, done, action)


# --- answer templates ------------------------------------------------------------------------------------


def _templates_page(values: dict[str, str], problems: Problems) -> Response:
    with gateway().engine.connect() as conn:
        known = templates.templates_for(conn, gateway().settings.municipality, _departments())
    return page(
        "casework/proposals/templates.html",
        400 if problems else 200,
        templates=known,
        managed=_managed(),
        values=values,
        problems=problems,
        positions=POSITION_NAMES,
        flashed=get_flashed_messages(category_filter=["templates"]),
    )


@proposal_actions.get("/desk/answer-templates")
@allow(*ANSWERING)
def answer_templates() -> Response:
    return _templates_page({"department": _managed()[0]}, {})


@proposal_actions.post("/desk/answer-templates")
@allow(*ANSWERING)
def add_template() -> Response | BaseResponse:
    form = request.form
    values = {name: _text(form, name) for name in ("name", "department", "position", "text")}
    values["department"] = form.get("department", "")
    problems: Problems = {}
    if not values["name"]:
        problems["name"] = _("Give the template a name.")
    elif len(values["name"]) > 80 or any(c in values["name"] for c in "<>") or not values["name"].isprintable():
        problems["name"] = _("Use at most 80 letters, digits, spaces and punctuation.")
    if values["department"] not in _managed():
        problems["department"] = _("Choose who may use it from the list.")
    if values["position"] not in POSITIONS:
        problems["position"] = _("Choose the position the text goes with.")
    if found := _reasons_problem(values["text"], _("Write the text of the answer.")):
        problems["text"] = found
    if problems:
        return _templates_page(values, problems)
    try:
        with gateway().engine.begin() as conn:
            municipality = gateway().settings.municipality
            templates.add(
                conn,
                municipality,
                values["department"],
                values["name"],
                values["position"],
                values["text"],
                _official(),
            )
    except templates.TemplateExists:
        return _templates_page(values, {"name": _("There is already a template with this name; choose another.")})
    except templates.TooManyTemplates:
        return _templates_page(
            values,
            {"name": _("There are %(count)s templates already; delete one first.", count=templates.MAX_TEMPLATES)},
        )
    flash("added", "templates")
    return redirect(url_for("proposal_actions.answer_templates"), 303)


@proposal_actions.post("/desk/answer-templates/<uuid:template_id>/delete")
@allow(*ANSWERING)
def delete_template(template_id: uuid.UUID) -> BaseResponse:
    with gateway().engine.begin() as conn:
        gone = templates.delete(conn, gateway().settings.municipality, _managed(), str(template_id))
    flash("deleted" if gone else "not_deleted", "templates")
    return redirect(url_for("proposal_actions.answer_templates"), 303)
