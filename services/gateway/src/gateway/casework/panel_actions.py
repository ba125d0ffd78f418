"""The panel coordinator's actions on a citizen panel, beside the work queue: the quotas with the service's
infeasibility explanation, importing the pool (a CSV register extract, with the service's rejected rows), the
invitation lottery, following the registrations per stratum against the quotas and closing them, the selection
(the lottery) with each respondent's chance, the public draw, members confirming or declining (a replacement
keeps the quotas), sessions, the recommendations, and the municipality's answer to each (decision body).

Every action is a form (no JavaScript needed) with an error summary, then a confirmation page, then the panels
service's API through ``gateway.backends.api()`` with the official's own token, with an Idempotency-Key fixed
on the confirmation page (sent twice, done once). The service decides who may do what; the pages offer only
what the panel's state and the session's roles allow, and say the service's refusal in words.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, abort, get_flashed_messages, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from gateway.backends import Refused, ServiceError, Unavailable, api
from gateway.casework import panel_work as work
from gateway.casework.confirming import Desk, in_words, noted, take
from gateway.casework.next_actions import roles_of
from gateway.portal.panels import composition
from gateway.web import install_page_answers, page
from meemaken_kit.auth import allow, principal
from meemaken_kit.roles import Role

panel_actions = Blueprint("panel_actions", __name__)
install_page_answers(panel_actions)

DESK = (Role.DECISION_BODY, Role.PANEL_COORDINATOR)  # who reads the panels, their quotas and registrations
VERDICT_NAMES = {"adopted": _l("Adopted"), "partly": _l("Partly adopted"), "not_adopted": _l("Not adopted")}
EXTRACT_MAX = 1_000_000  # bytes of a register extract: within the panels service's request limit (1 MiB)
EXTRACT_COLUMNS = ("register_id", "name", "address", "birth_year")
TEXT_MAX = 5000
PSEUDONYM = re.compile(r"p_[0-9a-f]{32}")  # a member as the panels service names them (never a name)
Problems = dict[str, str]
Values = dict[str, Any]
Send = Callable[[str], Any]


# --- who may do what (the session's roles, never the request) -----------------------------------------


def _roles() -> frozenset[str]:
    who = principal()
    return frozenset() if who is None else frozenset(who.roles)


def offered(panel: Mapping[str, Any]) -> list[str]:
    """The steps the panel's state allows that the session's roles may take (the answers: the decision body
    gives them, the coordinator follows them)."""
    roles = _roles()
    coordinates = Role.PANEL_COORDINATOR in roles
    return [s for s in work.steps(panel["status"]) if coordinates or (s == "answers" and Role.DECISION_BODY in roles)]


# --- the service's answers in words ------------------------------------------------------------------


def refusal(error: ServiceError) -> str:
    """What the service said, in plain words (its own detail follows, as it gave it, and its fields' problems)."""
    silent = _("The panels service did not answer. Nothing was changed; try again in a moment.")
    leads = {
        403: _("You may not do this for this panel."),
        404: _("There is no such panel."),
        409: _("This is not possible in the panel's current state."),
        422: _("The panels service did not accept what you sent."),
    }
    said = in_words(error, silent, leads, _("The panels service refused this."))
    fields = (
        "; ".join(f"{name}: {message}" for name, message in _flat(error.errors)) if isinstance(error, Refused) else ""
    )
    return " ".join(x for x in (said, fields) if x)


def _flat(errors: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for name, message in errors.items():
        if isinstance(message, Mapping):
            found += _flat(message, f"{prefix}{name}.")
        else:
            found.append(
                (f"{prefix}{name}", " ".join(map(str, message)) if isinstance(message, list) else str(message))
            )
    return found


def _panel(panel_id: str) -> dict[str, Any]:
    try:
        found = api().get("panels", f"v1/panels/{panel_id}")
    except Refused as error:
        abort(404 if error.status in (400, 404) else error.status)
    return dict(found)


def _report(panel_id: str) -> dict[str, Any]:
    try:
        return dict(api().get("panels", f"v1/panels/{panel_id}/representativeness")["features"])
    except ServiceError:
        return {}


def _probabilities(panel: Mapping[str, Any]) -> work.Probabilities | None:
    if not panel.get("commitment"):
        return None
    try:
        found = api().get("panels", f"v1/panels/{panel['id']}/artefacts")
    except ServiceError:
        return None
    return work.probabilities(found.get("artefacts") or {})


def _text(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "").replace("\r\n", "\n").strip()


def _unavailable() -> Response:
    return page("casework/panels/list.html", 503, panels=[], unavailable=True)


# --- the panels and one panel -------------------------------------------------------------------------


@panel_actions.get("/desk/panels")
@allow(*DESK)
def panels() -> Response:
    try:
        found = api().get("panels", "v1/panels")
    except Unavailable:
        return _unavailable()
    return page("casework/panels/list.html", panels=found, unavailable=False)


@panel_actions.get("/desk/panels/<uuid:panel_id>")
@allow(*DESK)
def panel(panel_id: uuid.UUID) -> Response:
    found = _panel_or_page(panel_id)
    return page(
        "casework/panels/panel.html",
        panel=found,
        offered=offered(found),
        verdicts=VERDICT_NAMES,
        flashed=get_flashed_messages(category_filter=["panels"]),
    )


@panel_actions.get("/desk/panels/<uuid:panel_id>/<any(quotas, registrations, answers):view>")
@allow(*DESK)
def overview(panel_id: uuid.UUID, view: str) -> Response:
    """The quotas (with the infeasibility explanation), the registrations against them, the answers to give."""
    found = _panel_or_page(panel_id)
    if view == "registrations":
        return _step_page(found, "registrations", {}, {})
    if view == "quotas":
        fields = _quota_fields(found)
        values = {n: str(b[k]) for *_, low, high, b in fields for n, k in ((low, "min"), (high, "max"))}
        return _step_page(found, "quotas", values, {}, fields=fields)
    return page(
        f"casework/panels/{view}.html",
        panel=found,
        features=composition(found, _report(str(panel_id))),
        offered=offered(found),
        decides=found["status"] == "recommended" and Role.DECISION_BODY in _roles(),
    )


# --- one step: form, confirmation, the service's answer ------------------------------------------------


def _step_page(
    panel: dict[str, Any], step: str, values: Values, problems: Problems, status: int = 200, **more: Any
) -> Response:
    extra: dict[str, Any] = {}
    if step in ("registrations", "invitations", "quotas"):
        extra["features"] = composition(panel, _report(panel["id"]))
    if step in ("selection", "draw"):
        extra["chances"] = _probabilities(panel)
    return page(
        f"casework/panels/{step}.html",
        400 if problems else status,
        step=step,
        panel=panel,
        values=values,
        problems=problems,
        offered=offered(panel),
        allowed=("answers" if step == "answer" else step) in offered(panel)
        and work.takes_form(panel["status"], "answers" if step == "answer" else step),
        verdicts=VERDICT_NAMES,
        **extra,
        **more,
    )


CONFIRMING = Desk("nonce", refusal, frozenset({403, 409, 422}), stale=_l("Check it again before you confirm it."))


def _flow(
    panel: dict[str, Any],
    step: str,
    values: Values,
    problems: Problems,
    send: Send,
    done: str | None,
    once: str | None = None,
    **more: Any,
) -> Response | BaseResponse:
    """Check, confirm, send once (``once`` names what the Idempotency-Key is for; the step by default): ``done``
    names the note on the panel's page; None shows the service's answer on the step's page."""

    def show(problems: Mapping[str, Any], status: int = 200, **shown: Any) -> Response:
        return _step_page(panel, step, values, dict(problems), status, **more, **shown)

    def after(answer: Any) -> Response | BaseResponse:
        if done is None:
            return _step_page(_panel(panel["id"]), step, values, {}, answer=answer, **more)
        noted(done, "panels")
        return redirect(url_for("panel_actions.panel", panel_id=panel["id"]), 303)

    return take(CONFIRMING, show, problems, send, after, once or step)


def _post(panel_id: str, path: str, body: Any) -> Send:
    return lambda key: api().post("panels", f"v1/panels/{panel_id}/{path}", body, idempotency_key=key)


def _panel_or_page(panel_id: uuid.UUID) -> dict[str, Any]:
    """The panel, or (the service not answering) the list's 503 page at once."""
    try:
        return _panel(str(panel_id))
    except Unavailable:
        abort(_unavailable())


# --- the quotas: new bounds, or the service's explanation why the pool cannot meet them ----------------------


def _quota_fields(panel: Mapping[str, Any]) -> list[tuple[str, str, str, str, Mapping[str, int]]]:
    """(feature, value, the minimum's field, the maximum's field, the bounds now) for each value of each feature."""
    return [
        (feature, value, f"min-{i}-{j}", f"max-{i}-{j}", bounds)
        for i, (feature, values) in enumerate(panel["features"].items())
        for j, (value, bounds) in enumerate(values.items())
    ]


@panel_actions.post("/desk/panels/<uuid:panel_id>/quotas")
@allow(*roles_of("import_pool", "edit_quotas"))
def quotas(panel_id: uuid.UUID) -> Response | BaseResponse:
    found = _panel_or_page(panel_id)
    fields = _quota_fields(found)
    values: Values = {name: _text(request.form, name) for *_, low, high, _b in fields for name in (low, high)}
    problems: Problems = {}
    features: dict[str, dict[str, dict[str, int | None]]] = {}
    for feature, value, low, high, _bounds in fields:
        least, most = work.count(values[low], 0, found["size"]), work.count(values[high], 0, found["size"])
        if least is None or most is None or least > most:
            problems[low] = _(
                "Give %(value)s at least and at most as whole numbers from 0 to %(count)s, the least first.",
                value=value,
                count=found["size"],
            )
        features.setdefault(feature, {})[value] = {"min": least, "max": most}

    def send(key: str) -> Any:
        return api().put("panels", f"v1/panels/{found['id']}/quotas", {"features": features}, idempotency_key=key)

    return _flow(found, "quotas", values, problems, send, "quotas", fields=fields)


# --- the pool: the register extract ---------------------------------------------------------------------


def _read_extract(panel: Mapping[str, Any]) -> tuple[Values, Problems]:
    form = request.form
    values: Values = {"strata": _text(form, "strata"), "extract": form.get("extract", "")}
    problems: Problems = {}
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.read(EXTRACT_MAX + 1)
        if len(data) > EXTRACT_MAX:
            problems["file"] = _("The file is too large: at most 1 MB.")
        else:
            try:
                values["extract"] = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                problems["file"] = _("Save the file as CSV in UTF-8 and choose it again.")
    text = values["extract"].replace("\r\n", "\n").strip()
    if len(text.encode()) > EXTRACT_MAX:
        text, problems["file"] = "", _("The file is too large: at most 1 MB.")
    values["extract"] = text
    header = [c.strip() for c in text.split("\n", 1)[0].split(",")] if text else []
    values["rows"] = max(0, len(work.lines(text)) - 1)
    values["columns"] = header
    columns = [c.strip() for c in values["strata"].split(",") if c.strip()]
    if not text and "file" not in problems:
        problems["file"] = _("Choose the register extract, a CSV file.")
    elif text and any(c not in header for c in EXTRACT_COLUMNS):
        problems["file"] = _("The first line must name the columns register_id, name, address and birth_year.")
    elif text and (unknown := [c for c in columns if c not in header or c in EXTRACT_COLUMNS]):
        problems["strata"] = _("These are not strata columns of the file: %(columns)s.", columns=", ".join(unknown))
    return values, problems


@panel_actions.route("/desk/panels/<uuid:panel_id>/pool", methods=["GET", "POST"])
@allow(*roles_of("import_pool", "import_pool"))
def pool(panel_id: uuid.UUID) -> Response | BaseResponse:
    found = _panel_or_page(panel_id)
    if request.method == "GET":
        declared = ",".join(name for name in found["features"] if name not in ("age", "age_band", "district"))
        return _step_page(found, "pool", {"strata": declared}, {})
    request.max_content_length = 2 * EXTRACT_MAX + 64 * 1024  # the file, or the confirmation's copy of it
    values, problems = _read_extract(found)

    def send(key: str) -> Any:
        body = (values["extract"] + "\n").encode()
        params = {"strata": values["strata"]}
        path = f"v1/panels/{found['id']}/register-extract"
        return api().call(
            "POST", "panels", path, params, idempotency_key=key, content=(body, "text/csv; charset=utf-8")
        )

    return _flow(found, "pool", values, problems, send, None)


# --- the invitation lottery -------------------------------------------------------------------------


def _ratio_fields(panel: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(feature, value, the form field's name) for each stratum value of the panel."""
    return [
        (feature, value, f"ratio-{i}-{j}")
        for i, (feature, values) in enumerate(panel["features"].items())
        for j, value in enumerate(values)
    ]


@panel_actions.route("/desk/panels/<uuid:panel_id>/invitations", methods=["GET", "POST"])
@allow(*roles_of("draw_invitations", "draw_invitations"))
def invitations(panel_id: uuid.UUID) -> Response | BaseResponse:
    found = _panel_or_page(panel_id)
    fields = _ratio_fields(found)
    if request.method == "GET":
        return _step_page(
            found, "invitations", {"count": "", "seed": "", **{n: "1" for *_, n in fields}}, {}, fields=fields
        )
    form = request.form
    values: Values = {name: _text(form, name) for name in ("count", "seed", *(n for *_, n in fields))}
    problems: Problems = {}
    number = work.count(values["count"], 1)
    if number is None:
        problems["count"] = _("Give the number of letters as a whole number from 1 to 100,000.")
    seed = work.count(values["seed"], 0, 2**31) if values["seed"] else None
    if values["seed"] and seed is None:
        problems["seed"] = _("Give the seed as a whole number, or leave it empty.")
    ratios: dict[str, dict[str, float]] = {}
    for feature, value, name in fields:
        found_ratio = work.ratio(values[name] or "1")
        if found_ratio is None:
            problems[name] = _("Give a ratio from 0 to 100 for %(value)s.", value=value)
        else:
            ratios.setdefault(feature, {})[value] = found_ratio
    body = {"count": number, "ratios": ratios, "seed": seed}
    return _flow(found, "invitations", values, problems, _post(found["id"], "invitations", body), None, fields=fields)


# --- registrations: follow them, then close ----------------------------------------------------------------


@panel_actions.post("/desk/panels/<uuid:panel_id>/registrations")
@allow(*roles_of("follow_registrations", "close_registrations"))
def close(panel_id: uuid.UUID) -> Response | BaseResponse:
    found = _panel_or_page(panel_id)
    return _flow(found, "registrations", {}, {}, _post(found["id"], "close", {}), "closed")


# --- the selection (the lottery) and the public draw --------------------------------------------------------


@panel_actions.route("/desk/panels/<uuid:panel_id>/selection", methods=["GET", "POST"])
@allow(*roles_of("run_draw", "run_draw"))
def selection(panel_id: uuid.UUID) -> Response | BaseResponse:
    found = _panel_or_page(panel_id)
    if request.method == "GET":
        return _step_page(found, "selection", {"panels": "1000"}, {})
    values: Values = {"panels": _text(request.form, "panels")}
    number = work.count(values["panels"], 1)
    problems = {} if number else {"panels": _("Give the number of panels as a whole number from 1 to 100,000.")}
    return _flow(found, "selection", values, problems, _post(found["id"], "lottery", {"panels": number}), "lottery")


@panel_actions.route("/desk/panels/<uuid:panel_id>/draw", methods=["GET", "POST"])
@allow(*roles_of("run_draw", "run_draw"))
def draw(panel_id: uuid.UUID) -> Response | BaseResponse:
    found = _panel_or_page(panel_id)
    if request.method == "GET":
        return _step_page(found, "draw", {"by": "", "number": "", "seed": ""}, {})
    form = request.form
    values: Values = {name: _text(form, name) for name in ("by", "number", "seed")}
    problems: Problems = {}
    body: dict[str, Any] = {}
    m = found.get("lottery_size") or 1
    if values["by"] == "number":
        number = work.count(values["number"], 1, m)
        if number is None:
            problems["number"] = _("Give the number read out, from 1 to %(count)s.", count=m)
        body["number"] = number
    elif values["by"] == "seed":
        if not values["seed"] or len(values["seed"]) > 200:
            problems["seed"] = _("Give the published seed, at most 200 characters.")
        body["seed"] = values["seed"]
    else:
        problems["by"] = _("Choose how the panel is drawn.")
    return _flow(found, "draw", values, problems, _post(found["id"], "draw", body), "drawn")


# --- members confirm or decline; a replacement keeps the quotas ---------------------------------------------


@panel_actions.route("/desk/panels/<uuid:panel_id>/members", methods=["GET", "POST"])
@allow(*roles_of("confirm_composition", "confirm_composition", "replace_member"))
def members(panel_id: uuid.UUID) -> Response | BaseResponse:
    found = _panel_or_page(panel_id)
    if request.method == "GET":
        return _step_page(found, "members", {"member": request.args.get("member", ""), "reply": ""}, {})
    form = request.form
    values: Values = {"member": form.get("member", ""), "reply": form.get("reply", "")}
    problems: Problems = {}
    # a confirmation sent again finds the member replaced by the first: it goes to the service, which answers
    # as the first time (or refuses a member it does not seat, in words)
    listed = found["selected"] if request.form.get("step") != "confirm" else [values["member"]]
    if values["member"] not in listed or not PSEUDONYM.fullmatch(values["member"]):
        problems["member"] = _("Choose a member from the list.")
    if values["reply"] not in ("accept", "decline"):
        problems["reply"] = _("Choose whether the member takes part or declines.")
    path = f"members/{values['member']}/{values['reply']}"
    return _flow(
        found,
        "members",
        values,
        problems,
        _post(found["id"], path, None),
        "accept" if values["reply"] == "accept" else None,
    )


# --- sessions and recommendations ------------------------------------------------------------------------------


@panel_actions.route("/desk/panels/<uuid:panel_id>/sessions", methods=["GET", "POST"])
@allow(*roles_of("plan_sessions", "plan_session"))
def sessions(panel_id: uuid.UUID) -> Response | BaseResponse:
    found = _panel_or_page(panel_id)
    names = ("title", "day", "time", "moderator", "experts", "materials")
    if request.method == "GET":
        return _step_page(found, "sessions", dict.fromkeys(names, ""), {})
    values: Values = {name: _text(request.form, name) for name in names}
    problems: Problems = {}
    if not values["title"] or len(values["title"]) > 300:
        problems["title"] = _("Give the session a title of at most 300 characters.")
    starts = work.moment(values["day"], values["time"])
    if starts is None:
        problems["day"] = _("Give the date as YYYY-MM-DD and the time as HH:MM.")
    elif not work.in_future(starts):
        problems["day"] = _("Plan the session in the future.")
    if not values["moderator"] or len(values["moderator"]) > 200:
        problems["moderator"] = _("Name the moderator, in at most 200 characters.")
    experts, materials = work.lines(values["experts"]), work.lines(values["materials"])
    if any(len(x) > 300 for x in experts):
        problems["experts"] = _("Write each expert on a line of at most 300 characters.")
    if any(len(x) > 500 for x in materials):
        problems["materials"] = _("Write each document on a line of at most 500 characters.")
    body = {
        "title": values["title"],
        "starts_at": starts.isoformat() if starts else None,
        "moderator": values["moderator"],
        "experts": experts,
        "materials": materials,
    }
    return _flow(found, "sessions", values, problems, _post(found["id"], "sessions", body), "session")


def _read_recommendations(form: Mapping[str, str], seats: int) -> tuple[Values, Problems, list[dict[str, Any]]]:
    values: Values = {"within": _text(form, "within") or "90"}
    problems: Problems = {}
    items = []
    for n in range(1, work.MAX_RECOMMENDATIONS + 1):
        names = [f"text-{n}", f"support-{n}", f"against-{n}", f"abstain-{n}", f"minority-{n}"]
        values |= {name: _text(form, name) for name in names}
        if not any(values[name] for name in names):
            continue
        text = values[f"text-{n}"]
        if not text or len(text) > TEXT_MAX:
            problems[f"text-{n}"] = _("Write recommendation %(number)s, in at most 5,000 characters.", number=n)
        votes = [work.count(values[f"{kind}-{n}"] or "0", 0, seats) for kind in ("support", "against", "abstain")]
        if None in votes or sum(v or 0 for v in votes) > seats:
            problems[f"support-{n}"] = _(
                "Give the votes on recommendation %(number)s as whole numbers, at most %(count)s together.",
                number=n,
                count=seats,
            )
        minority = work.lines(values[f"minority-{n}"])
        if any(len(x) > TEXT_MAX for x in minority):
            problems[f"minority-{n}"] = _("Write each minority position in at most 5,000 characters.")
        support, against, abstain = (v or 0 for v in votes)
        items.append(
            {"text": text, "support": support, "against": against, "abstain": abstain, "minority_positions": minority}
        )
    if not items:
        problems["text-1"] = _("Write at least one recommendation.")
    if work.count(values["within"], 1, 730) is None:
        problems["within"] = _("Give the days the municipality has to answer, from 1 to 730.")
    return values, problems, items


@panel_actions.route("/desk/panels/<uuid:panel_id>/recommendations", methods=["GET", "POST"])
@allow(*roles_of("plan_sessions", "record_recommendations"))
def recommendations(panel_id: uuid.UUID) -> Response | BaseResponse:
    found = _panel_or_page(panel_id)
    if request.method == "GET":
        return _step_page(found, "recommendations", {"within": "90"}, {}, blocks=work.MAX_RECOMMENDATIONS)
    values, problems, items = _read_recommendations(request.form, len(found["selected"]))
    body = {"recommendations": items, "answer_within_days": work.count(values["within"], 1, 730)}
    send = _post(found["id"], "recommendations", body)
    blocks = work.MAX_RECOMMENDATIONS
    return _flow(found, "recommendations", values, problems, send, "recommendations", blocks=blocks, items=items)


# --- the municipality's answer to each recommendation (decision body) ---------------------------------------


@panel_actions.route("/desk/panels/<uuid:panel_id>/answers/<int:number>", methods=["GET", "POST"])
@allow(*roles_of("answer_recommendations", "answer_recommendations"))
def answer(panel_id: uuid.UUID, number: int) -> Response | BaseResponse:
    found = _panel_or_page(panel_id)
    if not 1 <= number <= len(found["recommendations"]):
        abort(404)
    chosen = found["recommendations"][number - 1]
    if request.method == "GET":
        return _step_page(found, "answer", {"verdict": "", "reasons": ""}, {}, recommendation=chosen)
    values: Values = {"verdict": request.form.get("verdict", ""), "reasons": _text(request.form, "reasons")}
    problems: Problems = {}
    if values["verdict"] not in work.VERDICTS:
        problems["verdict"] = _("Choose the municipality's answer.")
    if not values["reasons"] or len(values["reasons"]) > 10_000:
        problems["reasons"] = _("Give the reasons for the answer, in at most 10,000 characters.")
    body = {"verdict": values["verdict"], "reasons": values["reasons"]}
    send = _post(found["id"], f"recommendations/{number}/answer", body)
    return _flow(found, "answer", values, problems, send, "answered", f"answer-{number}", recommendation=chosen)
