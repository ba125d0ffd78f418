"""The .pb format: round trips and clear errors."""

from __future__ import annotations

import pytest

from proposals.domain.budgeting import Election, Project, approval_ballot, cumulative_ballot
from proposals.domain.budgeting.pabulib import PabulibError, dump, parse

SMALL = """META
key;value
description;"Test; with a semicolon"
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name;category;selected
1;60;2;"Park ""Green"" area";environment,public space;1
2;50;1;Bench;;0
VOTES
voter_id;vote;age;sex
v1;1,2;34;F
v2;1;51;M
"""


def test_parse_reads_every_section():
    e = parse(SMALL)
    assert e.budget == 100 and e.vote_type == "approval" and e.meta["description"] == "Test; with a semicolon"
    assert e.projects["1"] == Project(
        "1", 60, 'Park "Green" area', ("environment", "public space"), selected=1, fields={"votes": "2"}
    )
    assert e.ballots[0] == approval_ballot("v1", ["1", "2"], age="34", sex="F")
    assert e.votes() == {"1": 2, "2": 1}


def test_round_trip_of_a_small_file():
    e = parse(SMALL)
    assert parse(dump(e)) == e


def test_round_trip_of_every_real_file(pb_file):
    name, _, e = pb_file
    again = parse(dump(e))
    assert again == e, name


def test_round_trip_of_an_election_built_in_code():
    projects = {"a": Project("a", 10.5, "A", district="North"), "b": Project("b", 3)}
    ballots = (cumulative_ballot("x", {"a": 3, "b": 2}), cumulative_ballot("y", {"b": 5}, age="20"))
    e = Election({"description": "made here"}, projects, ballots, 12, "cumulative")
    again = parse(dump(e))
    assert again.projects["a"].district == "North" and again.projects["a"].cost == 10.5
    assert again.ballots == (cumulative_ballot("x", {"a": 3, "b": 2}), cumulative_ballot("y", {"b": 5}, age="20"))
    assert parse(dump(again)) == again


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (SMALL.replace("META\n", ""), 1, "expected a section name"),
        (SMALL.replace("1;60;2", "1;sixty;2"), 9, "cost of project 1 is not a number"),
        (SMALL.replace("v2;1;51;M", "v2;1;51"), 14, "3 fields where the header has 4"),
        (SMALL.replace("v2;1;51;M", "v1;1;51;M"), 14, "voter 'v1' appears twice"),
        (SMALL.replace("2;50;1;Bench", "1;50;1;Bench"), 10, "project '1' listed twice"),
        (SMALL.replace("project_id;cost", "project_id;price"), 8, "needs project_id and cost"),
    ],
)
def test_malformed_files_name_the_line(text: str, line: int, message: str):
    with pytest.raises(PabulibError, match=message) as err:
        parse(text, source="bad.pb")
    assert err.value.line == line
    assert f"bad.pb, line {line}" in str(err.value)


def test_missing_budget_section_and_points_are_errors():
    with pytest.raises(PabulibError, match="no budget"):
        parse(SMALL.replace("budget;100\n", ""))
    with pytest.raises(PabulibError, match="missing section VOTES"):
        parse(SMALL.split("VOTES")[0])
    cumulative = SMALL.replace("vote_type;approval", "vote_type;cumulative").replace("age;sex", "points;sex")
    with pytest.raises(PabulibError, match="2 projects but 1 points"):
        parse(cumulative.replace("v1;1,2;34;F", "v1;1,2;3;F"))


IRREGULAR = (
    SMALL.replace("1;60;2;", "1;1,060;2;")  # a thousands separator
    .replace("2;50;1;Bench;;0", "2;50;1;Bench;;0\n3;999999999;0;Withdrawn;;0")  # Pabulib's withdrawal marker
    .replace("v1;1,2;34;F", "v1;1,2,1;34;F")  # a repeat
    .replace("v2;1;51;M", "v2;1,9;51;M")  # a project the file does not list
)


def test_a_lenient_parse_loads_irregular_files_and_reports_each_irregularity():
    e = parse(IRREGULAR, source="odd.pb")
    found = {(x.kind, x.line) for x in e.irregularities}
    assert found == {("thousands_separator", 9), ("withdrawn", 11), ("repeated_project", 14), ("unknown_project", 15)}
    assert e.projects["1"].cost == 1060 and e.projects["3"].withdrawn and not e.projects["2"].withdrawn
    assert e.ballots[0].projects == ("1", "2") and e.ballots[1].projects == ("1",)
    assert e.votes() == {"1": 2, "2": 1, "3": 0}
    texts = [x.line_text() for x in e.irregularities]
    assert "line 14: voter v1 names project 1 twice; counted once" in texts
    assert "line 15: voter v2 votes for unknown project 9; left out" in texts


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("1;60;2;", "1;1,060;2;"), 9, "the cost of project 1 is written '1,060'"),
        (("2;50;1;Bench;;0", "2;999999999;1;Bench;;0"), 10, "marker of a project withdrawn"),
        (("v1;1,2;34;F", "v1;1,2,1;34;F"), 13, "voter v1 names project 1 twice"),
        (("v2;1;51;M", "v2;3;51;M"), 14, "voter v2 votes for unknown project 3"),
    ],
)
def test_a_strict_parse_refuses_each_irregularity(change: tuple[str, str], line: int, message: str):
    with pytest.raises(PabulibError, match=message) as err:
        parse(SMALL.replace(*change), source="odd.pb", strict=True)
    assert err.value.line == line and "strict: refused" in str(err.value)
    assert parse(SMALL.replace(*change)).irregularities  # and a lenient parse loads it
