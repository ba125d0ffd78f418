"""Proposals: browse, search and filter; read one with its answer and reasons; support it; submit one
(form, drafts, a check page, a confirmation with a reference).

What each page calls (proposals service):

- ``GET /proposals``: ``v1/processes?municipality=`` (the filter's choices) and
  ``v1/proposals?process_id=&status=&q=&limit=&offset=`` (one more than a page: is there a next one?);
- ``GET /proposals``: also ``district=&theme=``, among those the (chosen) processes offer;
- ``GET /proposals/<id>``: ``v1/proposals/<id>``, ``v1/processes/<process>`` (its threshold) and
  ``v1/proposals/<id>/supporters`` (counts per district: "12 residents of your district support this");
- ``POST /proposals/<id>/support``: ``POST v1/proposals/<id>/support`` as the signed-in resident;
- ``/proposals/new`` and ``/proposals/new/check``: ``v1/processes`` (open ones), then
  ``POST v1/proposals`` with the draft's id as ``Idempotency-Key`` (a double click submits once).

Drafts live in the resident's own login session (server-side) until they are sent or the session ends.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Response as FlaskResponse
from flask import flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from gateway.backends import Refused, ServiceError, api
from gateway.context import gateway
from gateway.portal import portal
from gateway.portal.documents import DocumentForm
from gateway.portal.home import current_phase, municipality_processes
from gateway.web import page
from meemaken_kit.auth import principal, public

PAGE_SIZE = 20
STATUSES = ("admitted", "submitted", "answered", "declined", "rejected", "merged", "split")
TAKES_PROPOSALS = ("proposals_call", "consultation", "budget_round")  # as the proposals service decides
TITLE_MIN, TITLE_MAX, TEXT_MIN, TEXT_MAX = 10, 120, 30, 5000  # the service's automatic check, told up front
DRAFTS, SUPPORTED, MAX_DRAFTS = "proposal_drafts", "supported_proposals", 10
_CHOOSE_A_PROCESS = SelectChoice("", _l("Choose a process"))  # the process list's first option
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def _not_shouting(form: FlaskForm, field: StringField) -> None:
    letters = [c for c in field.data or "" if c.isalpha()]
    if len(letters) >= 10 and all(c.isupper() for c in letters):
        raise ValidationError(_l("Write the title in normal letters, not all capitals."))


def _no_contact_details(form: FlaskForm, field: StringField) -> None:
    if EMAIL.search(field.data or ""):
        raise ValidationError(_l("Proposals are public: remove the e-mail address."))


class ProposalForm(FlaskForm):  # type: ignore[misc]
    process_id = SelectField(_l("Process"), validators=[DataRequired(_l("Choose the process your proposal is for."))])
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Enter a title.")),
            Length(
                TITLE_MIN,
                TITLE_MAX,
                _l("The title needs between %(min)d and %(max)d characters.", min=TITLE_MIN, max=TITLE_MAX),
            ),
            _not_shouting,
            _no_contact_details,
        ],
    )
    text = TextAreaField(
        _l("Your proposal"),
        validators=[
            DataRequired(_l("Describe your proposal.")),
            Length(
                TEXT_MIN,
                TEXT_MAX,
                _l("The description needs between %(min)d and %(max)d characters.", min=TEXT_MIN, max=TEXT_MAX),
            ),
            _no_contact_details,
        ],
    )
    district = SelectField(_l("District"), default="")
    theme = SelectField(_l("Theme"), default="")

    def place(self, processes: list[dict[str, Any]]) -> None:
        """The district and theme choices of the open processes; each process offers its own."""
        self.offered = {p["id"]: p for p in processes}
        self.district.choices = [SelectChoice("", _l("The whole municipality")), *_options(processes, "districts")]
        self.theme.choices = [SelectChoice("", _l("No particular theme")), *_options(processes, "themes")]

    def validate_district(self, field: SelectField) -> None:
        _offered_by_process(self, field, "districts", _l("This process has no district %(name)s: choose another."))

    def validate_theme(self, field: SelectField) -> None:
        _offered_by_process(self, field, "themes", _l("This process has no theme %(name)s: choose another."))


def _union(processes: list[dict[str, Any]], key: str) -> list[str]:
    return sorted({name for p in processes for name in p.get(key) or ()})


def _options(processes: list[dict[str, Any]], key: str) -> list[SelectChoice]:
    return [SelectChoice(name) for name in _union(processes, key)]


def _offered_by_process(form: ProposalForm, field: SelectField, key: str, message: Any) -> None:
    process = getattr(form, "offered", {}).get(form.process_id.data)
    if field.data and process is not None and field.data not in (process.get(key) or ()):
        raise ValidationError(message % {"name": field.data})


# --- browse and read --------------------------------------------------------------------------------


@portal.get("/proposals")
@public
def proposal_list() -> FlaskResponse:
    chosen = {
        "process": request.args.get("process", "").strip()[:100],
        "status": request.args.get("status", "") if request.args.get("status") in STATUSES else "",
        "q": " ".join(request.args.get("q", "").split())[:100],
        "district": request.args.get("district", "").strip()[:100],
        "theme": request.args.get("theme", "").strip()[:100],
    }
    number = request.args.get("page", "1")
    current = int(number) if number.isdigit() and 0 < int(number) < 10_000 else 1
    try:
        processes = municipality_processes()
    except ServiceError:
        return page("portal/proposals/list.html", 503, unavailable=True, chosen=chosen, processes=[], drafts=[])
    titles = {p["id"]: p["title"] for p in processes}
    if chosen["process"] not in titles:
        chosen["process"] = ""
    scope = [p for p in processes if p["id"] == chosen["process"]] or processes
    places = {key: _union(scope, key) for key in ("districts", "themes")}
    for key, offered in (("district", places["districts"]), ("theme", places["themes"])):
        if chosen[key] not in offered:
            chosen[key] = ""
    params = {
        "process_id": chosen["process"] or None,
        "status": chosen["status"] or None,
        "district": chosen["district"] or None,
        "theme": chosen["theme"] or None,
        "q": chosen["q"] or None,
        "limit": PAGE_SIZE + 1,
        "offset": (current - 1) * PAGE_SIZE,
    }
    try:
        found = api().get("proposals", "v1/proposals", params)
    except ServiceError:
        return page(
            "portal/proposals/list.html",
            503,
            unavailable=True,
            chosen=chosen,
            processes=processes,
            places=places,
            drafts=[],
        )
    shown = [p for p in found if p["process_id"] in titles]  # this municipality's only
    return page(
        "portal/proposals/list.html",
        unavailable=False,
        chosen=chosen,
        processes=processes,
        places=places,
        process_titles=titles,
        proposals=shown[:PAGE_SIZE],
        current=current,
        has_next=len(found) > PAGE_SIZE,
        filtered=any(chosen.values()),
        page_url=lambda n: _list_url(chosen, n),
        drafts=_drafts(),
    )


def _list_url(chosen: dict[str, str], number: int) -> str:
    values: dict[str, Any] = {k: v for k, v in chosen.items() if v}
    return url_for("portal.proposal_list", page=number, **values)


@portal.get("/proposals/<uuid:proposal_id>")
@public
def proposal_detail(proposal_id: uuid.UUID) -> FlaskResponse:
    try:
        proposal = api().get("proposals", f"v1/proposals/{proposal_id}")
    except Refused as refused:
        if refused.status == 404:
            return page("portal/proposals/missing.html", 404)
        raise
    except ServiceError:
        return page("portal/proposals/missing.html", 503, unavailable=True)
    try:
        process = api().get("proposals", f"v1/processes/{proposal['process_id']}")
    except ServiceError:
        process = None
    who = principal()
    me = str(who.person_id) if who is not None and who.person_id is not None else None
    district = who.attributes.get("district") if who else None
    supporters, threshold = proposal["supporters"], (process or {}).get("support_threshold")
    try:
        by_district = api().get("proposals", f"v1/proposals/{proposal_id}/supporters")["by_district"]
    except ServiceError:
        by_district = {}
    return page(
        "portal/proposals/detail.html",
        proposal=proposal,
        process=process,
        supporters=supporters,
        threshold=threshold,
        still_needed=max(0, threshold - supporters) if threshold else 0,
        progress=min(100, round(100 * supporters / threshold)) if threshold else None,
        district=district if isinstance(district, str) else None,
        neighbours=by_district.get(district, 0) if isinstance(district, str) else 0,
        is_author=me is not None and me in [proposal["author_id"], *proposal.get("co_authors", [])],
        is_first_author=me is not None and me == proposal["author_id"],
        open_to_authors=proposal["status"] in ("submitted", "admitted"),
        document_form=DocumentForm(formdata=None),
        supported=str(proposal_id) in session.get(SUPPORTED, []),
    )


# --- support ------------------------------------------------------------------------------------------


@portal.post("/proposals/<uuid:proposal_id>/support")
def support(proposal_id: uuid.UUID) -> FlaskResponse | BaseResponse:
    """Support once: the service counts one support per person (the token's subject), whatever is sent."""
    try:
        with submission_limits():
            api().post("proposals", f"v1/proposals/{proposal_id}/support")
    except Refused as refused:
        if refused.status == 404:
            return page("portal/proposals/missing.html", 404)
        if refused.status == 409 and "already" in refused.detail:
            _remember_support(proposal_id)
            flash("already", "support")
            return redirect(url_for("portal.proposal_detail", proposal_id=proposal_id, _anchor="support"))
        reason = "not_open" if refused.status == 409 else "not_resident" if refused.status == 403 else "refused"
        return page("portal/proposals/refused.html", refused.status, reason=reason, proposal_id=proposal_id)
    except ServiceError:
        return page("portal/proposals/refused.html", 503, reason="unavailable", proposal_id=proposal_id)
    _remember_support(proposal_id)
    flash("thanks", "support")
    return redirect(url_for("portal.proposal_detail", proposal_id=proposal_id, _anchor="support"))


@contextmanager
def submission_limits() -> Iterator[None]:
    """The same limits as a submission through the API pass-through: per address, and per account."""
    gw, who = gateway(), principal()
    with gw.limiter.limit(gw.settings.submission_address_limits, "submissions-address"):
        if who is None:
            yield
            return
        with gw.limiter.limit(gw.settings.submission_limits, "submissions", f"account:{who.subject}"):
            yield


def _remember_support(proposal_id: uuid.UUID) -> None:
    supported = [p for p in session.get(SUPPORTED, []) if p != str(proposal_id)]
    session[SUPPORTED] = [*supported[-199:], str(proposal_id)]


# --- submit: form, drafts, check, confirmation ---------------------------------------------------------


def _drafts() -> list[dict[str, Any]]:
    if principal() is None:
        return []
    drafts: dict[str, dict[str, Any]] = session.get(DRAFTS, {})
    return sorted(({"id": k, **v} for k, v in drafts.items()), key=lambda d: d["saved_at"], reverse=True)


def _save_draft(draft_id: str, form: ProposalForm) -> None:
    drafts = dict(session.get(DRAFTS, {}))
    drafts[draft_id] = {
        "process_id": form.process_id.data or "",
        "title": (form.title.data or "")[: TITLE_MAX * 2],
        "text": (form.text.data or "")[: TEXT_MAX * 2],
        "district": (form.district.data or "")[:100],
        "theme": (form.theme.data or "")[:100],
        "saved_at": datetime.now(UTC).isoformat(),
    }
    while len(drafts) > MAX_DRAFTS:
        del drafts[min(drafts, key=lambda k: drafts[k]["saved_at"])]
    session[DRAFTS] = drafts


def _open_for_proposals() -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    found = []
    for process in municipality_processes():
        phase = current_phase(process, now)
        if process["kind"] in TAKES_PROPOSALS and phase is not None and phase.running:
            found.append(process)
    return found


def _draft_id(value: str | None) -> str:
    return value if value and re.fullmatch(r"[0-9a-f]{32}", value) else uuid.uuid4().hex


@portal.route("/proposals/new", methods=["GET", "POST"])
def new_proposal() -> FlaskResponse | BaseResponse:
    draft_id = _draft_id(request.values.get("draft"))
    saved = session.get(DRAFTS, {}).get(draft_id)
    form = ProposalForm(data=saved if request.method == "GET" and saved else None)
    if request.method == "GET" and not saved and request.args.get("process"):
        form.process_id.data = request.args["process"]
    try:
        open_processes = _open_for_proposals()
    except ServiceError:
        return page("portal/proposals/form.html", 503, unavailable=True, form=form, draft_id=draft_id)
    form.process_id.choices = [_CHOOSE_A_PROCESS, *(SelectChoice(p["id"], p["title"]) for p in open_processes)]
    form.place(open_processes)
    if len(form.process_id.choices) == 1:
        return page("portal/proposals/form.html", 200, closed=True, form=form, draft_id=draft_id)
    if request.method == "POST":
        if request.form.get("action") == "draft":
            _save_draft(draft_id, form)
            flash("draft_saved", "draft")
            return redirect(url_for("portal.new_proposal", draft=draft_id))
        if form.validate_on_submit():
            _save_draft(draft_id, form)
            return redirect(url_for("portal.check_proposal", draft=draft_id))
        _save_draft(draft_id, form)
        return page("portal/proposals/form.html", 422, form=form, draft_id=draft_id)
    return page("portal/proposals/form.html", form=form, draft_id=draft_id, saved=saved)


@portal.route("/proposals/new/check", methods=["GET", "POST"])
def check_proposal() -> FlaskResponse | BaseResponse:
    draft_id = _draft_id(request.values.get("draft"))
    draft = session.get(DRAFTS, {}).get(draft_id)
    if draft is None:
        return redirect(url_for("portal.new_proposal"))
    try:
        open_processes = _open_for_proposals()
    except ServiceError:
        return page("portal/proposals/check.html", 503, unavailable=True, draft=draft, draft_id=draft_id)
    titles = {p["id"]: p["title"] for p in open_processes}
    form = ProposalForm(formdata=None, data=draft, meta={"csrf": False})  # POST: CSRFProtect checked already
    offered = [SelectChoice(id_, title) for id_, title in titles.items()]
    form.process_id.choices = offered
    form.place(open_processes)
    if not form.validate():  # the draft changed since, or the process closed: back to the form to fix it
        form.process_id.choices = [_CHOOSE_A_PROCESS, *offered]
        return page("portal/proposals/form.html", 422, form=form, draft_id=draft_id)
    if request.method == "GET":
        return page(
            "portal/proposals/check.html", draft=draft, draft_id=draft_id, process_title=titles[draft["process_id"]]
        )
    body = {"process_id": draft["process_id"], "title": draft["title"].strip(), "text": draft["text"].strip()}
    body |= {key: draft[key] for key in ("district", "theme") if draft.get(key)}
    try:
        with submission_limits():
            created = api().post("proposals", "v1/proposals", body, idempotency_key=f"proposal-{draft_id}")
    except Refused as refused:
        return page(
            "portal/proposals/check.html",
            refused.status,
            refused=True,
            draft=draft,
            draft_id=draft_id,
            process_title=titles[draft["process_id"]],
        )
    except ServiceError:
        return page(
            "portal/proposals/check.html",
            503,
            unavailable=True,
            draft=draft,
            draft_id=draft_id,
            process_title=titles[draft["process_id"]],
        )
    drafts = dict(session.get(DRAFTS, {}))
    drafts.pop(draft_id, None)
    session[DRAFTS] = drafts
    return redirect(url_for("portal.proposal_sent", proposal_id=created["id"]))


@portal.get("/proposals/<uuid:proposal_id>/sent")
def proposal_sent(proposal_id: uuid.UUID) -> FlaskResponse:
    try:
        proposal = api().get("proposals", f"v1/proposals/{proposal_id}")
    except ServiceError:
        return page("portal/proposals/missing.html", 404)
    return page("portal/proposals/sent.html", proposal=proposal, reference=str(proposal_id)[:8].upper())


@portal.post("/proposals/drafts/<draft_id>/delete")
def delete_draft(draft_id: str) -> BaseResponse:
    drafts = dict(session.get(DRAFTS, {}))
    drafts.pop(draft_id, None)
    session[DRAFTS] = drafts
    flash("draft_deleted", "draft")
    return redirect(url_for("portal.proposal_list"))
