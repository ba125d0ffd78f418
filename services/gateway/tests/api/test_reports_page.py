"""The officials' reports, /desk/reports: officials only; each report a chart (SVG), a table with the same
figures and a CSV download of them; small groups of people hidden; a service that does not answer is
told, never a 5xx."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from budget_testing import budget_scene
from gateway_testing import ANNA, KAREL, login
from reports_testing import seed

from gateway.reports.figures import InvalidPopulation


def test_only_officials_see_the_reports_and_their_figures(gateway_app):
    assert gateway_app.test_client().get("/desk/reports").headers["Location"].startswith("/login?next=/desk/reports")
    resident = gateway_app.test_client()
    login(resident, ANNA)
    assert resident.get("/desk/reports").status_code == 403
    assert resident.get("/desk/reports/districts.csv").status_code == 403
    assert 'href="/desk/reports"' not in resident.get("/account").get_data(as_text=True)


def test_each_report_is_a_chart_with_a_table_and_a_csv_link(gateway_app):
    seed(gateway_app.extensions["gateway"].engine)
    official = gateway_app.test_client()
    login(official, KAREL)
    answer = official.get("/desk/reports?lang=en")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and page.count("<h1") == 1 and "<script" not in page
    assert '<a href="/desk/reports" aria-current="page">Reports</a>' in page
    for name in ("districts", "ages", "answer-times", "states"):
        assert f'id="{name}-title"' in page and f'href="/desk/reports/{name}.csv"' in page
    assert page.count('role="img"') == 4 and "<table" in page
    assert "These figures cannot be shown now" in page  # no proposals service in this test: told, not a 5xx
    districts = page[page.index('id="districts"') : page.index('id="ages"')]
    assert '<th scope="row" class="utrecht-table__header-cell">noord</th>' in districts
    assert '<td class="utrecht-table__cell">&lt;5</td>' in districts  # zuid's 3 people: hidden
    assert "80.0%" in districts and "25.6%" in districts and "12,800" in districts  # noord: 12 of 15 known
    answers = page[page.index('id="answer-times"') : page.index('id="states"')]
    assert "Proposals and budgets (no department)" in answers and "50.0%" in answers  # one of two in time
    states = page[page.index('id="states"') :]
    assert "Proposals and budgets: Answered" in states and "Right to Challenge: In assessment" in states
    assert "Proposals and budgets: Budget project: feasible" in states


def test_the_csv_holds_the_same_figures_unformatted(gateway_app):
    seed(gateway_app.extensions["gateway"].engine)
    official = gateway_app.test_client()
    login(official, KAREL)
    answer = official.get("/desk/reports/answer-times.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="answer-times.csv"'
    header, *rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert header == ["department", "answered", "in_time", "late", "without_deadline", "median_days", "open_overdue"]
    (proposals,) = [r for r in rows if r[0] == "proposals"]  # its cases name no department: the service
    assert proposals[1:] == ["2", "1", "1", "0", "17.5", "1"]  # answered after 5 and 30 days; due after 20
    # (the budget project reviewed is not among them: not an answer owed)
    districts = list(csv.reader(io.StringIO(official.get("/desk/reports/districts.csv").get_data(as_text=True))))
    assert districts[0] == ["district", "participants", "participants_share", "residents", "residents_share"]
    assert ["noord", "12", "0.8", "12800", "0.256"] in districts and ["zuid", "<5", "", "11300", "0.226"] in districts
    ages = list(csv.reader(io.StringIO(official.get("/desk/reports/ages.csv").get_data(as_text=True))))
    assert ["30-44", "12", "1.0", "10200", "0.204"] in ages and ages[-1][:2] == [
        "",
        "<5",
    ]  # 3 without birth date, karel
    states = official.get("/desk/reports/states.csv").get_data(as_text=True)
    assert "proposals,answered,False,2" in states and "challenges,in_assessment,True,1" in states
    assert "proposals,feasible,False,1" in states
    assert official.get("/desk/reports/nothing.csv").status_code == 404


def test_budget_spending_by_district_comes_from_the_proposals_service_s_counted_rounds(
    make_gateway, provider, proposals_service
):
    budget_scene(proposals_service)  # one counted round with a budget for centrum and noord; others still open
    app = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url)
    official = app.test_client()
    login(official, KAREL)
    page = official.get("/desk/reports?lang=en").get_data(as_text=True)
    spending = page[page.index('id="spending"') :]
    assert 'id="spending-title"' in spending and "Whole municipality" in spending and "cannot be shown" not in spending
    counted = [r for r in proposals_service.client.get("/api/v1/rounds").get_json() if r.get("results")]
    (done,) = counted
    where = {p["id"]: p["district"] for p in done["projects"]}
    funded = [e for e in done["results"]["explanation"] if e["selected"]]
    header, *rows = list(csv.reader(io.StringIO(official.get("/desk/reports/spending.csv").get_data(as_text=True))))
    assert header == ["district", "budget_euro", "spent_euro", "funded_projects"]
    by_district = {row[0]: row[1:] for row in rows}
    for district, budget in (("centrum", "20000.0"), ("noord", "15000.0")):
        spent = sum(e["cost"] for e in funded if where[e["project_id"]] == district) / 100
        count = sum(1 for e in funded if where[e["project_id"]] == district)
        assert by_district[district] == [budget, str(spent), str(count)]
    whole = [e for e in funded if where[e["project_id"]] is None]
    assert by_district[""] == ["", str(sum(e["cost"] for e in whole) / 100), str(len(whole))]
    assert by_district["centrum"][1] != "0.0" and by_district["centrum"][2] != "0"  # the playground won votes
    assert "20,000.00" in spending  # the table in euros
    year = datetime.now(UTC).year
    report = proposals_service.client.get(f"/api/v1/reports/participation?municipality=demo&year={year}").get_json()
    (process,) = [p for p in report["processes"] if p["process_id"] == "budget-2027"]
    assert process["ballots"] == 6 and process["participants"] >= 1
    processes = page[page.index('id="processes"') : page.index('id="districts"')]
    assert f"Participation per process in {year}" in processes and "Citizens&#39; budget 2027" in processes
    header, *rows = list(csv.reader(io.StringIO(official.get("/desk/reports/processes.csv").get_data(as_text=True))))
    assert header == ["process_id", "title", "participants", "proposals", "supports", "ballots"]
    assert ["budget-2027", "Citizens' budget 2027", str(process["participants"]), "0", "0", "6"] in rows


def test_a_municipality_s_own_population_file_is_used_and_a_broken_one_stops_the_gateway(
    make_gateway, provider, tmp_path
):
    own = tmp_path / "population.json"
    own.write_text(json.dumps({"year": 2025, "districts": {"haven": 3000}, "age_bands": {"16+": 1}, "genders": {}}))
    app = make_gateway(provider, MEEMAKEN_POPULATION_FILE=str(own))
    official = app.test_client()
    login(official, KAREL)
    page = official.get("/desk/reports?lang=en").get_data(as_text=True)
    assert "haven" in page and "counted in 2025" in page and "noord" not in page
    own.write_text(json.dumps({"year": 2025, "districts": {"haven": "many"}, "age_bands": {}, "genders": {}}))
    with pytest.raises(InvalidPopulation, match="districts"):
        make_gateway(provider, MEEMAKEN_POPULATION_FILE=str(own))


@pytest.fixture()
def panels_service(tmp_path):
    from panel_testing import PanelsService

    folder = tmp_path / "panels"
    folder.mkdir()
    with PanelsService(folder) as service:
        yield service


def test_the_citizen_panels_members_against_the_population_come_from_the_panels_service(
    make_gateway, provider, panels_service
):
    from panel_testing import panel_scene

    ids = panel_scene(panels_service)  # one panel drawn by gender and at work; two still recruiting
    app = make_gateway(provider, PANELS_BASE_URL=panels_service.url)
    official = app.test_client()
    login(official, KAREL)
    page = official.get("/desk/reports?lang=en").get_data(as_text=True)
    panels = page[page.index('id="panels"') : page.index('id="answer-times"')]
    assert 'id="panels-title"' in panels and "The old station square: gender female" in panels
    assert "A greener city centre" not in panels  # nobody on that panel yet
    header, *rows = list(csv.reader(io.StringIO(official.get("/desk/reports/panels.csv").get_data(as_text=True))))
    assert header == [
        "panel_id",
        "theme",
        "feature",
        "value",
        "members",
        "members_share",
        "residents",
        "residents_share",
    ]
    report = panels_service.client.get(f"/api/v1/panels/{ids['drawn']}/representativeness").get_json()["features"]
    for value, cells in report["gender"].items():
        row = [r for r in rows if r[0] == ids["drawn"] and r[2:4] == ["gender", value]]
        assert row and row[0][4] == str(cells["panel"]["count"]) and row[0][5] == str(cells["panel"]["share"])
    assert sum(int(r[4]) for r in rows if r[2] == "gender") == 6  # the panel's six members
