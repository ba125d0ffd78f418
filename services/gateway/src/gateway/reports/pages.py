"""The officials' reports, ``/desk/reports``: participation against the population, time to answer per
department, cases by state, budget spending by district. Each report is a chart (SVG), the same figures
in a table, and a CSV download (``/desk/reports/<name>.csv``). No JavaScript.

Officials only (the queue's roles, from the session's principal). The population comes from the
municipality's population file (``MEEMAKEN_POPULATION_FILE``, see the gateway's README).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app
from flask.blueprints import BlueprintSetupState
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from gateway.backends import ServiceError, api
from gateway.casework import labels
from gateway.casework.pages import QUEUE_ROLES
from gateway.context import gateway
from gateway.portal import theme
from gateway.reports import figures, store
from gateway.reports.charts import Series, bar_chart, scaled
from gateway.web import install_page_answers, page
from meemaken_kit.auth import allow

reports = Blueprint("reports", __name__)
install_page_answers(reports)

BY_STATE = ("proposals", "challenges")
CLOSED_STATES = {
    "answered": _l("Answered"),
    "declined": _l("Declined"),
    "rejected": _l("Rejected"),
    "merged": _l("Merged"),
    "split": _l("Split"),
    "results_published": _l("Budget round: results published"),
    "feasible": _l("Budget project: feasible"),
    "not_feasible": _l("Budget project: not feasible"),
    "out_of_scope": _l("Out of scope"),
    "withdrawn": _l("Withdrawn"),
    "in_execution": _l("In execution"),
    "completed": _l("Completed"),
    "terminated": _l("Terminated"),
    "renewed": _l("Renewed"),
}


NOTHING = "\N{EN DASH}"  # a figure that does not exist (no deadline, no budget)


def _svg(chart: str) -> Markup:
    """The chart builder escapes every text it writes (gateway.reports.charts), so its SVG is safe markup."""
    return Markup(chart)  # noqa: S704


@reports.record_once
def _load_population(state: BlueprintSetupState) -> None:
    """The population file is read at start: a broken one stops the gateway, never a report page."""
    app = state.app
    found = app.extensions.get("gateway")
    configured = found.settings.population_file if found is not None else None
    app.extensions["gateway.population"] = figures.Population.load(configured)


def population() -> figures.Population:
    found: figures.Population = current_app.extensions["gateway.population"]
    return found


@dataclass(frozen=True)
class Report:
    name: str  # the anchor and the CSV's name
    title: str
    header: list[str]
    rows: Sequence[Sequence[object]]  # the table's cells as shown
    csv_rows: Sequence[Sequence[object]]  # the same figures, unformatted
    chart: Markup | None
    unavailable: bool = False  # the service that has the figures did not answer


def _percent(value: float | None) -> str:
    return NOTHING if value is None else format_percent(value, "#,##0.0%")


def _participation(name: str, title: str, groups: dict[str, int], found: list[str], year: int) -> Report:
    rows = figures.representativeness(groups, found)
    names = [r.group or _("Not verified") for r in rows]
    chart = bar_chart(
        name,
        title,
        _(
            "Share of the people who logged in, against the share of the residents (%(year)s). "
            "The table below gives the same figures.",
            year=year,
        ),
        names,
        [
            Series(
                _("Participants"), [r.participants_share for r in rows], [_percent(r.participants_share) for r in rows]
            ),
            Series(_("Residents"), [r.population_share for r in rows], [_percent(r.population_share) for r in rows]),
        ],
        theme().colours,
    )
    header = [_("Group"), _("Participants"), _("Share of participants"), _("Residents"), _("Share of residents")]
    return Report(
        name,
        title,
        header,
        [
            [n, r.shown, _percent(r.participants_share), format_decimal(r.population), _percent(r.population_share)]
            for n, r in zip(names, rows, strict=True)
        ],
        [
            [r.group, r.shown, r.participants_share, r.population, r.population_share]
            for n, r in zip(names, rows, strict=True)
        ],
        _svg(chart),
    )


def _department(service: str, department: str) -> str:
    """A case's department, or for a service whose cases name none (proposals, panels), the service."""
    return department or service


def _department_name(key: str) -> str:
    service = labels.SERVICES.get(key)
    return key if service is None else _("%(service)s (no department)", service=service)


def _answer_times() -> Report:
    with gateway().engine.connect() as conn:
        closed = store.answered(conn, ("proposals", "challenges", "panels"))
        late = store.overdue(conn)
    overdue: dict[str, int] = {}
    for service, department, n in late:
        key = _department(service, department)
        overdue[key] = overdue.get(key, 0) + n
    rows = figures.answer_times(
        [figures.Answered(_department(s, a.department), a.opened_at, a.closed_at, a.due_at) for s, a in closed],
        overdue,
    )
    title = _("Time to answer per department")
    chart = bar_chart(
        "answer-times",
        title,
        _("Per department: the share of closed cases answered within their deadline. The table gives the counts."),
        [_department_name(r.department) for r in rows],
        [Series(_("Answered in time"), [r.in_time_share for r in rows], [_percent(r.in_time_share) for r in rows])],
        theme().colours,
    )
    header = [
        _("Department"),
        _("Answered"),
        _("In time"),
        _("Late"),
        _("Without deadline"),
        _("Median days to answer"),
        _("Open and past the deadline"),
    ]
    table = [
        [r.department, r.answered, r.in_time, r.late, r.without_deadline, r.median_days, r.open_overdue] for r in rows
    ]
    shown = [
        [
            _department_name(r.department),
            *row[1:5],
            NOTHING if r.median_days is None else format_decimal(r.median_days),
            row[6],
        ]
        for r, row in zip(rows, table, strict=True)
    ]
    return Report("answer-times", title, header, shown, table, _svg(chart) if rows else None)


def _by_state() -> Report:
    with gateway().engine.connect() as conn:
        found = store.by_state(conn, BY_STATE)
    names = [
        f"{labels.SERVICES[s]}: {CLOSED_STATES[state] if state in CLOSED_STATES else labels.state_name(s, state)}"
        for s, state, _open, _n in found
    ]
    counts = [n for *_rest, n in found]
    title = _("Proposals and challenges by state")
    chart = bar_chart(
        "states",
        title,
        _("The number of cases in each state. The table gives the same figures."),
        names,
        [Series(_("Cases"), scaled([float(n) for n in counts]), [format_decimal(n) for n in counts])],
        theme().colours,
    )
    header = [_("State"), _("Open"), _("Cases")]
    table = [
        [name, _("Yes") if is_open else _("No"), n] for name, (_s, _st, is_open, n) in zip(names, found, strict=True)
    ]
    csv_rows = [[s, state, is_open, n] for s, state, is_open, n in found]
    return Report("states", title, header, table, csv_rows, _svg(chart) if found else None)


def _euros(cents: int | None) -> str:
    return NOTHING if cents is None else format_decimal(cents / 100, "#,##0.00")


def _spending() -> Report:
    title = _("Budget spending by district")
    header = [_("District"), _("Budget (euro)"), _("Spent on funded projects (euro)"), _("Funded projects")]
    try:
        rounds = api().get("proposals", "v1/rounds")
    except ServiceError:
        return Report("spending", title, header, [], [], None, unavailable=True)
    rows = figures.spending(rounds)
    names = [r.district or _("Whole municipality") for r in rows]
    budgets, spent = [r.budget for r in rows], [r.spent for r in rows]
    chart = bar_chart(
        "spending",
        title,
        _("Per district, over the rounds with published results: the budget and what the funded projects cost."),
        names,
        [
            Series(_("Budget"), scaled(budgets, spent), [_euros(r.budget) for r in rows]),
            Series(_("Spent"), scaled(spent, budgets), [_euros(r.spent) for r in rows]),
        ],
        theme().colours,
    )
    table = [[n, _euros(r.budget), _euros(r.spent), r.funded] for n, r in zip(names, rows, strict=True)]
    csv_rows = [[r.district, None if r.budget is None else r.budget / 100, r.spent / 100, r.funded] for r in rows]
    return Report("spending", title, header, table, csv_rows, _svg(chart) if rows else None)


def _processes() -> Report:
    """This year's participation processes with how many residents took part in each (the proposals
    service's yearly report: authors, supporters and voters, each counted once)."""
    year = datetime.now(UTC).year
    title = _("Participation per process in %(year)s", year=year)
    header = [_("Process"), _("Participants"), _("Proposals"), _("Supports"), _("Ballots")]
    try:
        query = {"municipality": gateway().settings.municipality, "year": year}
        processes = api().get("proposals", "v1/reports/participation", query)["processes"]
    except ServiceError:
        return Report("processes", title, header, [], [], None, unavailable=True)
    counts = [float(p["participants"]) for p in processes]
    chart = bar_chart(
        "processes",
        title,
        _("The number of residents who took part in each process. The table gives the same figures."),
        [str(p["title"]) for p in processes],
        [Series(_("Participants"), scaled(counts), [format_decimal(p["participants"]) for p in processes])],
        theme().colours,
    )
    figures_of = [[p["participants"], p["proposals"], p["supports"], p["ballots"]] for p in processes]
    table = [[p["title"], *(format_decimal(n) for n in f)] for p, f in zip(processes, figures_of, strict=True)]
    csv_rows = [[p["process_id"], p["title"], *f] for p, f in zip(processes, figures_of, strict=True)]
    return Report("processes", title, header, table, csv_rows, _svg(chart) if processes else None)


def _panels() -> Report:
    """Each citizen panel with members: its members per feature value against the population (the
    register extract the panel imported), as the panels service reports it."""
    title = _("Citizen panels against the population")
    header = [_("Panel and group"), _("Members"), _("Share of members"), _("Residents"), _("Share of residents")]
    try:
        panels = api().get("panels", "v1/panels")
        found = [
            (p, figures.panel_shares(api().get("panels", f"v1/panels/{p['id']}/representativeness")["features"]))
            for p in panels
        ]
    except ServiceError:
        return Report("panels", title, header, [], [], None, unavailable=True)
    rows = [(p, r) for p, shares in found for r in shares]
    names = [f"{p['theme']}: {r.feature} {r.value}" for p, r in rows]
    chart = bar_chart(
        "panels",
        title,
        _("Per panel and group: the share of the panel's members against the share of the residents."),
        names,
        [
            Series(_("Members"), [r.panel_share for _p, r in rows], [_percent(r.panel_share) for _p, r in rows]),
            Series(
                _("Residents"), [r.population_share for _p, r in rows], [_percent(r.population_share) for _p, r in rows]
            ),
        ],
        theme().colours,
    )
    table = [
        [n, r.panel, _percent(r.panel_share), r.population or NOTHING, _percent(r.population_share)]
        for n, (_p, r) in zip(names, rows, strict=True)
    ]
    csv_rows = [
        [p["id"], p["theme"], r.feature, r.value, r.panel, r.panel_share, r.population, r.population_share]
        for p, r in rows
    ]
    return Report("panels", title, header, table, csv_rows, _svg(chart) if rows else None)


def _districts_and_ages() -> tuple[Report, Report]:
    people = population()
    with gateway().engine.connect() as conn:
        districts, ages = store.participants(conn, list(people.age_bands), datetime.now(UTC).date())
    return (
        _participation("districts", _("Participation by district"), dict(people.districts), districts, people.year),
        _participation("ages", _("Participation by age"), dict(people.age_bands), ages, people.year),
    )


def _all() -> dict[str, Callable[[], Report]]:
    return {
        "districts": lambda: _districts_and_ages()[0],
        "ages": lambda: _districts_and_ages()[1],
        "answer-times": _answer_times,
        "states": _by_state,
        "spending": _spending,
        "panels": _panels,
        "processes": _processes,
    }


@reports.get("/desk/reports")
@allow(*QUEUE_ROLES)
def overview() -> Response:
    districts, ages = _districts_and_ages()
    people = population()
    return page(
        "casework/reports/index.html",
        reports=[_processes(), districts, ages, _panels(), _answer_times(), _by_state(), _spending()],
        year=people.year,
    )


@reports.get("/desk/reports/<name>.csv")
@allow(*QUEUE_ROLES)
def download(name: str) -> Response:
    build = _all().get(name)
    if build is None:
        abort(404)
    report = build()
    header = {"districts": ["district", "participants", "participants_share", "residents", "residents_share"]}
    header["ages"] = ["age_band", *header["districts"][1:]]
    header["answer-times"] = [
        "department",
        "answered",
        "in_time",
        "late",
        "without_deadline",
        "median_days",
        "open_overdue",
    ]
    header["states"] = ["service", "state", "open", "cases"]
    header["spending"] = ["district", "budget_euro", "spent_euro", "funded_projects"]
    header["processes"] = ["process_id", "title", "participants", "proposals", "supports", "ballots"]
    header["panels"] = [
        "panel_id",
        "theme",
        "feature",
        "value",
        "members",
        "members_share",
        "residents",
        "residents_share",
    ]
    response = Response(figures.csv_text(header[name], report.csv_rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
