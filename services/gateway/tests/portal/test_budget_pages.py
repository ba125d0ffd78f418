"""The citizens' budget in the portal against the real proposals service: the rounds; a round's projects
and who may vote, explained before voting; the ballot of each form (approval within the budget with a
running total, k-approval, cumulative points, ranking) checked in plain words without JavaScript; a check
page; the vote cast once; the confirmation with its receipt code; "you have already voted" and changing the
vote; the results explained per project and per district, with the .pb download; ineligible residents, a
closed round and a service that is down."""

from __future__ import annotations

import re

import pytest
from budget_testing import budget_scene, close_and_count
from gateway_testing import ANNA, MINOR, NOBODY_KNOWN, VISITOR, csrf_token, login

from meemaken_testkit.ports import free_port


@pytest.fixture()
def scene(make_gateway, provider, proposals_service):
    ids = budget_scene(proposals_service)
    app = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url)
    return app, proposals_service, ids


def text(response):
    return response.get_data(as_text=True)


def words(response):
    """The page's text with its whitespace collapsed (a sentence may wrap in the template)."""
    return " ".join(text(response).split())


def signed_in(app, who=ANNA):
    client = app.test_client()
    login(client, who)
    return client, csrf_token(client)


# --- the rounds and a round ------------------------------------------------------------------------------


def test_the_list_shows_open_coming_and_closed_rounds_with_budget_and_projects(scene):
    app, _, ids = scene
    page = text(app.test_client().get("/budgets?lang=en"))
    assert "Vote now" in page and "Coming soon" in page and "Closed rounds and results" in page
    assert "Citizens&#39; budget 2027" in page and "Ideas for 2028" in page and "Citizens&#39; budget 2026" in page
    assert "Budget: €120,000" in page and "7 projects" in page and "1 project" in page
    assert f"/budgets/{ids['results']}/results" in page
    dutch = text(app.test_client().get("/budgets?lang=nl"))
    assert "Budget: €\u00a0120.000" in dutch and "7 projecten" in dutch
    french = text(app.test_client().get("/budgets?lang=fr"))
    assert "120\u202f000\u00a0€" in french or "120 000 €" in french


def test_a_round_shows_its_projects_by_district_and_who_may_vote_before_logging_in(scene):
    app, _, ids = scene
    page = text(app.test_client().get(f"/budgets/{ids['approval']}?lang=en"))
    assert "City-wide projects" in page and "District: centrum" in page and "District: noord" in page
    assert "Theme: green" in page and "Trees on the market square" in page and "€40,000" in page
    assert "Trees on the market square: what residents proposed, where it would be and who it is for." in page
    assert "You are at least 16 years old." in page and "You live in" in page
    assert "Log in to vote" in page and f"/login?next=/budgets/{ids['approval']}" in page


def test_a_signed_in_resident_is_told_they_may_vote(scene):
    app, _, ids = scene
    client, _ = signed_in(app)
    page = text(client.get(f"/budgets/{ids['approval']}?lang=en"))
    assert "Your login shows that you can vote in this round." in page and f"/budgets/{ids['approval']}/ballot" in page


@pytest.mark.parametrize(
    ("who", "says"),
    [
        (MINOR, "Voters in this round are at least 16 years old, and your login says you are younger."),
        (VISITOR, "and your login says you live elsewhere. You cannot vote in this round."),
        (NOBODY_KNOWN, "Your login does not tell us how old you are or where you live."),
    ],
)
def test_who_may_not_vote_is_told_why_before_and_at_the_ballot(scene, who, says):
    app, _, ids = scene
    client, _ = signed_in(app, who)
    before = text(client.get(f"/budgets/{ids['approval']}?lang=en"))
    assert says in before and f'/budgets/{ids["approval"]}/ballot"' not in before
    refused = client.get(f"/budgets/{ids['approval']}/ballot?lang=en")
    assert refused.status_code == 403 and says in text(refused) and "Who can vote" in text(refused)
    if who == NOBODY_KNOWN:
        assert "desk with your identity card: an official checks it and takes your vote on paper" in text(refused)


def test_an_ineligible_resident_is_told_in_dutch_and_french(scene):
    app, _, ids = scene
    client, _ = signed_in(app, MINOR)
    assert "Je kunt niet online stemmen in deze ronde" in text(client.get(f"/budgets/{ids['approval']}/ballot?lang=nl"))
    assert "Vous ne pouvez pas voter en ligne" in text(client.get(f"/budgets/{ids['approval']}/ballot?lang=fr"))


def test_the_ballot_needs_a_login(scene):
    app, _, ids = scene
    answer = app.test_client().get(f"/budgets/{ids['approval']}/ballot")
    assert answer.status_code == 302 and answer.headers["Location"] == f"/login?next=/budgets/{ids['approval']}/ballot"


def test_unknown_rounds_and_a_service_that_is_down_are_pages(scene, make_gateway, provider):
    app, _, _ = scene
    missing = app.test_client().get("/budgets/00000000-0000-4000-8000-000000000000?lang=en")
    assert missing.status_code == 404 and "Budget round not found" in text(missing)
    down = make_gateway(provider, PROPOSALS_BASE_URL=f"http://127.0.0.1:{free_port()}").test_client()
    listed = down.get("/budgets?lang=en")
    assert listed.status_code == 503 and "We cannot show the budget rounds right now." in text(listed)
    one = down.get("/budgets/00000000-0000-4000-8000-000000000000?lang=en")
    assert one.status_code == 503 and "The voting service does not answer." in text(one)


# --- approval within the budget ----------------------------------------------------------------------------


def test_approval_shows_only_the_voters_own_district_and_a_running_total_without_javascript(scene):
    app, _, ids = scene
    client, token = signed_in(app)
    url = f"/budgets/{ids['approval']}/ballot"
    form = text(client.get(f"{url}?lang=en"))
    assert "A playground in centrum" in form and "A garden in noord" not in form  # Anna lives in centrum
    assert form.count('type="checkbox"') == 6 and "Check my choice" in form
    assert 'aria-describedby="about-p1"' in form and 'id="about-p1"' in form  # the description, read with it
    total = client.post(f"{url}?lang=en", data={"csrf_token": token, "project": ["p1", "p4"], "action": "total"})
    page = words(total)
    assert total.status_code == 200 and "Your choice so far" in page and "You chose 2 projects." in page
    assert "City-wide projects: €40,000 of €75,000 \u2013 €35,000 left" in page
    assert "District: centrum: €15,000 of €20,000 \u2013 €5,000 left" in page
    assert page.count("checked") >= 2  # the choice stays ticked


def test_approval_over_the_budget_says_what_to_fix_at_the_top_and_at_the_part(scene):
    app, _, ids = scene
    client, token = signed_in(app)
    url = f"/budgets/{ids['approval']}/ballot"
    over = client.post(f"{url}?lang=en", data={"csrf_token": token, "project": ["p1", "p2", "p3"], "action": "check"})
    page = text(over)
    assert over.status_code == 422 and 'class="error-summary"' in page and "<title>Error:" in page
    assert "The projects you chose (city-wide) cost €95,000, more than the €75,000 available. Remove a project." in page
    assert 'href="#project-p1"' in page and 'id="part-city-error"' in page
    nothing = client.post(f"{url}?lang=nl", data={"csrf_token": token, "action": "check"})
    assert nothing.status_code == 422 and "Kies minstens één project." in text(nothing)
    assert client.get(f"/api/proposals/v1/rounds/{ids['approval']}/ballot").status_code == 404  # nothing cast


def test_approval_is_checked_cast_once_and_confirmed_with_a_receipt_code(scene):
    app, _, ids = scene
    client, token = signed_in(app)
    rid = ids["approval"]
    chosen = client.post(
        f"/budgets/{rid}/ballot", data={"csrf_token": token, "project": ["p1", "p4"], "action": "check"}
    )
    assert chosen.status_code == 302 and chosen.headers["Location"] == f"/budgets/{rid}/ballot/check"
    check = text(client.get(f"/budgets/{rid}/ballot/check?lang=en"))
    assert "Check your vote" in check and "Trees on the market square" in check and "A playground in centrum" in check
    assert "Cast my vote" in check and "Benches in every park" not in check
    cast = client.post(f"/budgets/{rid}/ballot/check", data={"csrf_token": token})
    assert cast.status_code == 302 and cast.headers["Location"] == f"/budgets/{rid}/voted"
    confirmation = text(client.get(f"/budgets/{rid}/voted?lang=en"))
    held = client.get(f"/api/proposals/v1/rounds/{rid}/ballot").get_json()
    assert sorted(held["projects"]) == ["p1", "p4"] and held["replaced"] == 0
    assert "Your vote has been counted" in confirmation and held["receipt"] in confirmation
    assert re.search(r"[A-Z2-7]{4}-[A-Z2-7]{4}", held["receipt"])
    # the check page again (a double click, a second tab): the choice is gone, nothing is cast twice
    again = client.post(f"/budgets/{rid}/ballot/check", data={"csrf_token": token})
    assert again.status_code == 302 and again.headers["Location"] == f"/budgets/{rid}/ballot"
    assert client.get(f"/api/proposals/v1/rounds/{rid}/ballot").get_json()["replaced"] == 0


def test_a_double_submit_of_the_same_choice_casts_once(scene):
    app, _, ids = scene
    client, token = signed_in(app)
    rid = ids["k_approval"]
    client.post(f"/budgets/{rid}/ballot", data={"csrf_token": token, "project": ["p1"], "action": "check"})
    with client.session_transaction() as saved:
        kept = dict(saved["ballot_choices"])
    assert client.post(f"/budgets/{rid}/ballot/check", data={"csrf_token": token}).status_code == 302
    with client.session_transaction() as saved:  # the second click arrives with the first one's choice
        saved["ballot_choices"] = kept
    assert client.post(f"/budgets/{rid}/ballot/check", data={"csrf_token": token}).status_code == 302
    assert client.get(f"/api/proposals/v1/rounds/{rid}/ballot").get_json()["replaced"] == 0  # one ballot, replayed


def test_you_have_already_voted_and_may_change_your_vote(scene):
    app, _, ids = scene
    client, token = signed_in(app)
    rid = ids["approval"]
    client.post(f"/budgets/{rid}/ballot", data={"csrf_token": token, "project": ["p2"], "action": "check"})
    client.post(f"/budgets/{rid}/ballot/check", data={"csrf_token": token})
    first = client.get(f"/api/proposals/v1/rounds/{rid}/ballot").get_json()["receipt"]
    round_page = text(client.get(f"/budgets/{rid}?lang=en"))
    assert "You have already voted in this round." in round_page and first in round_page
    assert "Change my vote" in round_page
    form = text(client.get(f"/budgets/{rid}/ballot?lang=en"))
    assert "If you send a new one, it replaces your earlier vote." in form
    assert 'value="p2" id="project-p2" checked' in form  # the vote as it stands
    client.post(f"/budgets/{rid}/ballot", data={"csrf_token": token, "project": ["p3"], "action": "check"})
    assert "This vote replaces your earlier one." in text(client.get(f"/budgets/{rid}/ballot/check?lang=en"))
    client.post(f"/budgets/{rid}/ballot/check", data={"csrf_token": token})
    held = client.get(f"/api/proposals/v1/rounds/{rid}/ballot").get_json()
    assert held["projects"] == ["p3"] and held["replaced"] == 1 and held["receipt"] != first
    confirmation = text(client.get(f"/budgets/{rid}/voted?lang=en"))
    assert (
        held["receipt"] in confirmation and "This vote replaces your earlier one. Only this one counts." in confirmation
    )


# --- k-approval, cumulative points, ranking ---------------------------------------------------------------


def test_k_approval_refuses_too_many_choices_and_casts_at_most_k(scene):
    app, _, ids = scene
    client, token = signed_in(app)
    url = f"/budgets/{ids['k_approval']}/ballot"
    assert "Choose up to 2 projects you want most." in text(client.get(f"{url}?lang=en"))
    many = client.post(f"{url}?lang=en", data={"csrf_token": token, "project": ["p1", "p2", "p3"], "action": "check"})
    assert many.status_code == 422
    assert "You can choose at most 2 projects, and you chose 3. Remove a project." in text(many)
    french = client.post(f"{url}?lang=fr", data={"csrf_token": token, "project": ["p1", "p2", "p3"], "action": "check"})
    assert "Vous pouvez choisir au maximum 2 projets" in text(french)
    client.post(url, data={"csrf_token": token, "project": ["p1", "p3"], "action": "check"})
    assert client.post(f"{url}/check", data={"csrf_token": token}).status_code == 302
    held = client.get(f"/api/proposals/v1/rounds/{ids['k_approval']}/ballot").get_json()
    assert sorted(held["projects"]) == ["p1", "p3"]


def test_cumulative_points_must_be_whole_numbers_that_do_not_exceed_the_points(scene):
    app, _, ids = scene
    client, token = signed_in(app)
    url = f"/budgets/{ids['cumulative']}/ballot"
    assert "You have 10 points to give." in text(client.get(f"{url}?lang=en"))
    too_many = client.post(
        f"{url}?lang=en", data={"csrf_token": token, "points-p1": "8", "points-p2": "5", "action": "check"}
    )
    assert too_many.status_code == 422
    assert "You gave 13 points, but you have 10 points to give. Take some points away." in text(too_many)
    odd = client.post(
        f"{url}?lang=en", data={"csrf_token": token, "points-p1": "two", "points-p2": "\u00b2", "action": "check"}
    )
    page = text(odd)
    assert odd.status_code == 422 and "Enter a whole number of points from 0 to 10." in page
    assert 'id="points-p1"' in page and page.count('aria-invalid="true"') == 2 and 'value="two"' in page
    total = client.post(f"{url}?lang=en", data={"csrf_token": token, "points-p1": "6", "action": "total"})
    assert "You gave 6 of your 10 points. 4 points left." in words(total)
    client.post(
        url, data={"csrf_token": token, "points-p1": "6", "points-p2": "00", "points-p3": "4", "action": "check"}
    )
    check = text(client.get(f"{url}/check?lang=en"))
    assert "6 points" in check and "4 points" in check
    assert client.post(f"{url}/check", data={"csrf_token": token}).status_code == 302
    held = client.get(f"/api/proposals/v1/rounds/{ids['cumulative']}/ballot").get_json()
    assert held["points"] == {"p1": 6, "p3": 4}


def test_ranking_refuses_a_place_given_twice_and_casts_the_order(scene):
    app, _, ids = scene
    client, token = signed_in(app)
    url = f"/budgets/{ids['ranking']}/ballot"
    form = text(client.get(f"{url}?lang=en"))
    assert "Put up to 3 projects in order" in form and form.count("<select") == 3 and "Place 3" in form
    twice = client.post(f"{url}?lang=en", data={"csrf_token": token, "rank-p1": "1", "rank-p2": "1", "action": "check"})
    assert twice.status_code == 422
    assert "Place 1 is given to more than one project. Give each place once." in text(twice)
    none = client.post(f"{url}?lang=en", data={"csrf_token": token, "action": "check"})
    assert "Give a place to at least one project." in text(none)
    client.post(url, data={"csrf_token": token, "rank-p1": "2", "rank-p2": "3", "rank-p3": "1", "action": "check"})
    check = text(client.get(f"{url}/check?lang=en"))
    assert check.index("A mural") < check.index("Water fountains") < check.index("Book boxes")
    assert client.post(f"{url}/check", data={"csrf_token": token}).status_code == 302
    held = client.get(f"/api/proposals/v1/rounds/{ids['ranking']}/ballot").get_json()
    assert held["projects"] == ["p3", "p1", "p2"]


# --- closed rounds, results ------------------------------------------------------------------------------


def test_a_closed_round_takes_no_vote_and_says_so(scene):
    app, service, ids = scene
    client, token = signed_in(app)
    rid = ids["k_approval"]
    client.post(f"/budgets/{rid}/ballot", data={"csrf_token": token, "project": ["p1"], "action": "check"})
    close_and_count(service, rid)
    cast = client.post(f"/budgets/{rid}/ballot/check?lang=en", data={"csrf_token": token})
    assert cast.status_code == 409 and "Voting in this round has closed" in text(cast)
    form = client.get(f"/budgets/{rid}/ballot?lang=en")
    assert form.status_code == 409 and "See the results" in text(form)
    assert client.get(f"/api/proposals/v1/rounds/{rid}/ballot").status_code == 404


def test_a_service_down_while_casting_keeps_the_choice(scene, make_gateway, provider):
    app, service, ids = scene
    client, token = signed_in(app)
    rid = ids["k_approval"]
    client.post(f"/budgets/{rid}/ballot", data={"csrf_token": token, "project": ["p2"], "action": "check"})
    service.server.shutdown()  # the service stops answering between the check page and the vote
    down = client.post(f"/budgets/{rid}/ballot/check?lang=en", data={"csrf_token": token})
    assert down.status_code == 503 and "The voting service does not answer" in text(down)


def test_results_explain_each_project_in_words_by_district_with_the_pb_download(scene):
    app, _, ids = scene
    rid = ids["results"]
    page = text(app.test_client().get(f"/budgets/{rid}/results?lang=en"))
    assert "6 residents voted." in page and "4 projects are funded, for €87,000 of the €120,000 budget." in page
    assert page.index("City-wide projects") < page.index("District: centrum") < page.index("District: noord")
    assert page.index("District: noord") < page.index("Theme: green")
    assert "Funded: it had enough votes and fitted in the money that was left when its turn came." in page
    assert "Not funded: it costs €30,000, and only €10,000 was left when its turn came." in page
    assert "Not funded: it costs €8,000, and only €5,000 was left when its turn came." in page
    assert "Not funded: nobody voted for it." in page and "3 votes" in page and "1 vote<" in page
    assert f'href="/api/proposals/v1/rounds/{rid}/pabulib"' in page
    dutch = text(app.test_client().get(f"/budgets/{rid}/results?lang=nl"))
    assert "Niet gefinancierd: niemand stemde ervoor." in dutch and "Wijk: centrum" in dutch
    french = text(app.test_client().get(f"/budgets/{rid}/results?lang=fr"))
    assert "Non financé : personne n\u2019a voté pour ce projet." in french and "Quartier : centrum" in french


def test_the_pb_download_passes_through(scene):
    app, _, ids = scene
    pb = app.test_client().get(f"/api/proposals/v1/rounds/{ids['results']}/pabulib")
    assert pb.status_code == 200 and pb.get_data(as_text=True).startswith("META")


def test_results_of_a_round_still_voting_say_when_they_come(scene):
    app, _, ids = scene
    page = text(app.test_client().get(f"/budgets/{ids['approval']}/results?lang=en"))
    assert "Voting is still open. The results appear here after voting closes." in page


def test_a_vote_taken_on_paper_at_the_desk_is_shown_and_only_the_desk_changes_it(scene):
    from gateway_testing import rows

    from meemaken_testkit.tokens import bearer

    app, service, ids = scene
    client, _ = signed_in(app)
    anna = rows(app.extensions["gateway"].engine, "people")[0]["person_id"]
    rid = ids["k_approval"]
    paper = {"voter_id": anna, "voter": {"age": 36, "resident": True, "district": "centrum"}, "projects": ["p2"]}
    entered = service.client.post(
        f"/api/v1/rounds/{rid}/paper-ballots", json=paper, headers=bearer("proposals", "case_officer")
    )
    assert entered.status_code == 201, entered.get_json()
    round_page = text(client.get(f"/budgets/{rid}?lang=en"))
    assert "You have already voted in this round." in round_page and "Only the desk can change it." in round_page
    assert entered.get_json()["receipt"] in round_page and "Change my vote" not in round_page
    form = client.get(f"/budgets/{rid}/ballot?lang=en")
    assert form.status_code == 409 and "You have already voted" in text(form)
