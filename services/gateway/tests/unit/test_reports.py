"""The reports' figures and the SVG chart builder, as plain Python."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree

import pytest

from gateway.portal.theme import Theme
from gateway.reports.charts import Series, bar_chart, scaled
from gateway.reports.figures import (
    UNKNOWN,
    Answered,
    InvalidPopulation,
    Population,
    age_band,
    answer_times,
    csv_text,
    representativeness,
    spending,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
BANDS = ["0-17", "18-29", "30-44", "45-64", "65+"]


def test_the_demo_population_file_loads_and_a_broken_one_is_refused_by_name(tmp_path):
    demo = Population.load()
    assert demo.year == 2026 and demo.districts["noord"] == 12800 and list(demo.age_bands)[-1] == "65+"
    file = tmp_path / "population.json"
    for broken, said in [
        ({"districts": {}, "age_bands": {}, "genders": {}}, "year"),
        ({"year": 2026, "districts": {"noord": -1}, "age_bands": {}, "genders": {}}, "districts"),
        ({"year": 2026, "districts": {}, "age_bands": {"old": 3}, "genders": {}}, "old"),
        ({"year": 2026, "districts": {}, "age_bands": {"30-20": 3}, "genders": {}}, "30-20"),
    ]:
        file.write_text(json.dumps(broken))
        with pytest.raises(InvalidPopulation, match=said):
            Population.load(file)
    with pytest.raises(InvalidPopulation, match="cannot read"):
        Population.load(tmp_path / "missing.json")


def test_age_bands_count_whole_years_and_the_last_band_is_open():
    today = date(2026, 12, 1)
    assert age_band(date(2008, 12, 2), today, BANDS) == "0-17"  # 17 until tomorrow
    assert age_band(date(2008, 12, 1), today, BANDS) == "18-29"
    assert age_band(date(1930, 1, 1), today, BANDS) == "65+"
    assert age_band(date(2000, 1, 1), today, ["40-49"]) == UNKNOWN


def test_representativeness_sets_each_group_s_share_against_the_population_and_hides_small_groups():
    population = {"noord": 600, "zuid": 400}
    found = ["noord"] * 12 + ["zuid"] * 3 + [UNKNOWN] * 6
    noord, zuid, unknown = representativeness(population, found)
    assert (noord.group, noord.participants, noord.population_share) == ("noord", 12, 0.6)
    assert noord.participants_share == pytest.approx(12 / 15)  # of those whose district is known
    assert zuid.participants is None and zuid.participants_share is None and zuid.shown == "<5"  # 3 people
    assert (unknown.group, unknown.participants, unknown.population) == (UNKNOWN, 6, 0)
    assert [r.group for r in representativeness(population, [])] == ["noord", "zuid"]  # no empty unknown row


def test_time_to_answer_per_department_counts_in_time_late_and_the_median_days():
    closed = [
        Answered("mobility", T0, T0 + timedelta(days=10), T0 + timedelta(days=14)),
        Answered("mobility", T0, T0 + timedelta(days=20), T0 + timedelta(days=14)),
        Answered("mobility", T0, T0 + timedelta(days=3), None),
        Answered("green", T0, T0 + timedelta(days=1), T0 + timedelta(days=1)),  # on the day: in time
    ]
    green, housing, mobility = answer_times(closed, {"mobility": 2, "housing": 1})
    assert (mobility.answered, mobility.in_time, mobility.late, mobility.without_deadline) == (3, 1, 1, 1)
    assert mobility.median_days == 10.0 and mobility.open_overdue == 2 and mobility.in_time_share == 0.5
    assert (green.in_time, green.in_time_share, green.open_overdue) == (1, 1.0, 0)
    assert (housing.answered, housing.median_days, housing.in_time_share, housing.open_overdue) == (0, None, None, 1)


def test_spending_sums_the_funded_projects_per_district_over_rounds_with_results():
    done = {
        "district_budgets": {"noord": 50_000_00, "zuid": 30_000_00},
        "projects": [
            {"id": "a", "district": "noord"},
            {"id": "b", "district": "noord"},
            {"id": "c", "district": None},
            {"id": "d", "district": "zuid"},
        ],
        "results": {
            "explanation": [
                {"project_id": "a", "cost": 20_000_00, "selected": True},
                {"project_id": "b", "cost": 25_000_00, "selected": True},
                {"project_id": "c", "cost": 10_000_00, "selected": True},
                {"project_id": "d", "cost": 40_000_00, "selected": False},
            ]
        },
    }
    running = {"district_budgets": {"oost": 1}, "projects": [], "results": None}
    noord, zuid, everywhere = spending([done, running])
    assert (noord.district, noord.budget, noord.spent, noord.funded) == ("noord", 50_000_00, 45_000_00, 2)
    assert (zuid.budget, zuid.spent, zuid.funded) == (30_000_00, 0, 0)
    assert (everywhere.district, everywhere.budget, everywhere.spent) == (UNKNOWN, None, 10_000_00)


def test_csv_holds_the_figures_and_defuses_formulas():
    text = csv_text(["district", "participants"], [["noord", 12], ["=HYPERLINK()", None], ["", "<5"]])
    assert text.splitlines()[0] == "district,participants" and "\r\n" in text
    assert list(csv.reader(io.StringIO(text)))[1:] == [["noord", "12"], ["'=HYPERLINK()", ""], ["", "<5"]]


def test_the_chart_is_an_image_with_a_title_a_description_direct_labels_and_patterns():
    colours = Theme.load().colours
    svg = bar_chart(
        "districts",
        "Participation <by> district",
        "Participants against residents",
        ["noord", "zuid"],
        [Series("Participants", [0.8, None], ["80.0%", "n/a"]), Series("Residents", [0.6, 0.4], ["60.0%", "40.0%"])],
        colours,
    )
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own output) well-formed, the title escaped
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.get("role") == "img" and root.get("aria-labelledby") == "districts-title districts-desc"
    assert root.find("s:title", ns).text == "Participation <by> district"
    assert root.find("s:desc", ns).text == "Participants against residents"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"noord", "zuid", "80.0%", "n/a", "60.0%", "40.0%", "Participants", "Residents"} <= set(texts)
    fills = {r.get("fill") for r in root.iter("{http://www.w3.org/2000/svg}rect")}
    assert {"url(#districts-p0)", "url(#districts-p1)"} <= fills  # a pattern per series, not only a colour
    assert colours["text"] in svg and "<script" not in svg
    with pytest.raises(ValueError):
        bar_chart("x", "t", "d", ["a"], [Series("s", [1.0, 2.0], ["1", "2"])], colours)


def test_scaled_makes_the_largest_value_the_full_length():
    assert scaled([2.0, 4.0, None, 0.0]) == [0.5, 1.0, None, 0.0]
    assert scaled([0.0]) == [0.0]
    assert scaled([1.0, None], [4.0, 2.0]) == [0.25, None]  # against the chart's other series too


def test_a_panel_s_report_becomes_rows_and_a_panel_without_members_none():
    from gateway.reports.figures import panel_shares

    report = {
        "gender": {
            "female": {"population": {"count": 120, "share": 0.6}, "panel": {"count": 3, "share": 0.5}},
            "male": {"population": {"count": "<5", "share": None}, "panel": {"count": 3, "share": 0.5}},
        }
    }
    female, male = panel_shares(report)
    assert (female.feature, female.value, female.panel, female.panel_share) == ("gender", "female", 3, 0.5)
    assert (female.population, female.population_share) == ("120", 0.6)
    assert (male.population, male.population_share) == ("<5", None)
    no_register = {"gender": {"female": {"population": None, "panel": {"count": 2, "share": 1.0}}}}
    assert panel_shares(no_register)[0].population == ""
    assert panel_shares({"gender": {"female": {"population": None, "panel": {"count": 0, "share": 0.0}}}}) == []
