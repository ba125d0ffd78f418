"""meemaken-pb tally / check."""

from __future__ import annotations

import json

from proposals.pb_cli import main


def test_tally_prints_the_selection_and_explanations(pb_file_path, capsys):
    path = pb_file_path("Netherlands_Assen_2024.pb")
    assert main(["tally", str(path)]) == 0
    out = capsys.readouterr().out
    assert "rule: equalshares/add1" in out
    assert "selected: 3 9 2 11 13 14 5 6 12" in out
    assert "supporters paid" in out and "not affordable by its supporters" in out


def test_tally_json_with_another_rule(pb_file_path, capsys):
    path = pb_file_path("Netherlands_Assen_2024.pb")
    assert main(["tally", str(path), "--rule", "greedy", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rule"] == "greedy" and report["total_cost"] <= report["budget"]
    assert {p["project_id"] for p in report["projects"] if p["selected"]} == set(report["selected"])


def test_check_passes_on_a_published_outcome(pb_file_path, capsys):
    assert main(["check", str(pb_file_path("Poland_Swiecie_2023.pb"))]) == 0
    assert capsys.readouterr().out.startswith("ok: equalshares/add1 reproduces the 17 selected projects")


def test_check_fails_with_the_difference(tmp_path, capsys):
    pb = tmp_path / "x.pb"
    pb.write_text(
        "META\nkey;value\nbudget;10\nvote_type;approval\nrule;greedy\n"
        "PROJECTS\nproject_id;cost;selected\na;6;0\nb;5;1\n"
        "VOTES\nvoter_id;vote\n1;a,b\n2;a\n",
        encoding="utf-8",
    )
    assert main(["check", str(pb)]) == 1
    out = capsys.readouterr().out
    assert "selected by the rule only: a" in out and "published as selected only: b" in out


def test_bad_files_and_rules_exit_2(tmp_path, capsys):
    pb = tmp_path / "bad.pb"
    pb.write_text("META\nkey;value\nbudget;ten\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n", encoding="utf-8")
    assert main(["tally", str(pb)]) == 2
    assert "budget is not a number" in capsys.readouterr().err
    good = tmp_path / "good.pb"
    good.write_text("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n1;a\n")
    assert main(["tally", str(good)]) == 2
    assert "no rule given" in capsys.readouterr().err
    assert main(["tally", str(good), "--rule", "borda"]) == 2
    assert "unknown rule 'borda'" in capsys.readouterr().err
