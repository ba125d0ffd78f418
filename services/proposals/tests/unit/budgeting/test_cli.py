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
    out = capsys.readouterr().out
    assert out.startswith("reproduced: Poland_Swiecie_2023.pb: equalshares/add1 gives the published projects")
    assert "main count (17)" in out and "1 files in" in out


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
    assert "differs: x.pb: greedy: the rule also funds a; the city also funded b" in out


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


POZNAN_LIKE = (
    "META\nkey;value\nbudget;100\nvote_type;approval\nrule;greedy-custom\n"
    "PROJECTS\nproject_id;cost;selected\na;60;1\nb;50;2\nc;30;3\nd;10;0\n"
    "VOTES\nvoter_id;vote\n1;a,b,c\n2;a,b,c\n3;a,b\n4;a\n5;d\n"
)


def test_tally_with_parameters_explains_each_pass_and_exports_them(tmp_path, capsys):
    # a (60) fits, b (50) does not with 40 left but 40 >= 80 % of 50: top-up (pass 2); c with 30 of extra funds
    pb = tmp_path / "poznan.pb"
    pb.write_text(POZNAN_LIKE, encoding="utf-8")
    out_pb = tmp_path / "counted.pb"
    assert main(["tally", str(pb), "--param", "extra_funds=30", "--json", "--export", str(out_pb)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passes"] == {"a": 1, "b": 2, "c": 3}
    by_id = {p["project_id"]: p for p in report["projects"]}
    assert by_id["b"]["code"] == "top_up" and by_id["b"]["detail"]["left"] == 40
    # d: passed by the no-skip stop in the main count, then too dear for what the extra funds left
    assert by_id["d"]["code"] == "did_not_fit" and by_id["d"]["detail"]["left"] == 0 and by_id["d"]["funded_in"] == 0
    assert report["notes"]["reserve_used"] == 10
    # the export writes the passes into `selected` and the parameters into META: it checks as it counted
    text = out_pb.read_text(encoding="utf-8")
    assert "rule_parameters;" in text and "b;50;" in text
    assert "did not fit with 40 left, which covers 80.0% of it" in text  # the `reason` column
    assert main(["check", str(out_pb)]) == 0
    assert "main count (1), top-up (1), extra funds (1)" in capsys.readouterr().out


def test_bad_parameters_exit_2_naming_them(tmp_path, capsys):
    pb = tmp_path / "poznan.pb"
    pb.write_text(POZNAN_LIKE, encoding="utf-8")
    assert main(["tally", str(pb), "--param", "top_up=2"]) == 2
    assert "top_up is a fraction between 0 and 1" in capsys.readouterr().err
    assert main(["tally", str(pb), "--param", "colour=red"]) == 2
    assert "take no parameter colour" in capsys.readouterr().err
    assert main(["tally", str(pb), "--param", "novalue"]) == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err


def test_a_sweep_of_a_directory_counts_each_verdict(tmp_path, capsys):
    (tmp_path / "ok.pb").write_text(POZNAN_LIKE.replace(";3\n", ";0\n"), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "broken.pb").write_text("META\nkey;value\n", encoding="utf-8")
    (tmp_path / "unpublished.pb").write_text(
        POZNAN_LIKE.replace(";selected", "")
        .replace(";1\n", "\n")
        .replace(";2\n", "\n")
        .replace(";3\n", "\n")
        .replace(";0\n", "\n")
    )
    assert main(["check", str(tmp_path), "--json", "--jobs", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    status = {f["source"]: f["status"] for f in report["files"]}
    assert status == {"ok.pb": "reproduced", "broken.pb": "cannot be checked", "unpublished.pb": "cannot be checked"}
    assert report["summary"]["reproduced"] == 1 and report["summary"]["share_reproduced"] == 1.0
