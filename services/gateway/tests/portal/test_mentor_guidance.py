"""A mentor's guidance on the group's own page, against the real services: the proposal's author reads it on
the proposal's page (another resident and nobody logged in do not); a challenge's group on its case page."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from gateway_testing import ANNA, DAAN, login, rows

from gateway.casework import mentor_store
from gateway.casework.queue import change_for
from gateway.casework.store import apply

sys.path.insert(0, str(Path(__file__).parent))  # the challenge pages' scene and steps, reused
from test_challenge_pages import scene, sent, signed_in, text

__all__ = ["scene"]  # the challenges service and a gateway on it (a fixture)


def test_only_the_authors_read_the_mentors_guidance(make_gateway, provider, proposals_service):
    proposals_service.define("mobility-2027", "Mobility plan 2027")
    app = make_gateway(provider, PROPOSALS_BASE_URL=proposals_service.url)
    engine = app.extensions["gateway"].engine
    anna = app.test_client()
    login(anna, ANNA)
    author = uuid.UUID(rows(engine, "sessions")[-1]["person_id"])
    pid = proposals_service.submit("mobility-2027", "Safer crossing at the school", author=author)
    proposals_service.admit(pid)
    mentor = str(uuid.uuid4())
    with engine.begin() as conn:  # the queue heard of it; a case officer gave the group a mentor, who wrote
        admitted = {"proposal_id": pid, "title": "Safer crossing at the school"}
        apply(conn, change_for("org.meemaken.proposals.proposal.admitted.v1", admitted, datetime.now(UTC)))
        mentor_store.assign(conn, "proposals", pid, mentor, str(uuid.uuid4()))
        mentor_store.add_guidance(conn, "proposals", pid, mentor, "Ask the school board to co-sign.")

    page = anna.get(f"/proposals/{pid}?lang=en").get_data(as_text=True)
    assert "Guidance from your mentor" in page and "Ask the school board to co-sign." in page
    daan = app.test_client()
    login(daan, DAAN)
    for client in (daan, app.test_client()):
        seen = client.get(f"/proposals/{pid}?lang=en").get_data(as_text=True)
        assert "Safer crossing at the school" in seen and "Ask the school board" not in seen


def test_the_challenges_group_reads_the_guidance_on_its_case_page(scene):
    """Against the real challenges service, which opens a case to its group only (another resident: 404)."""
    app, service, ids = scene
    daan, token = signed_in(app)
    challenge_id = sent(service, daan, token, ids)
    with app.extensions["gateway"].engine.begin() as conn:
        mentor_store.add_guidance(conn, "challenges", challenge_id, str(uuid.uuid4()), "Add last year's accounts.")
    page = text(daan.get(f"/challenges/{challenge_id}?lang=en"))
    assert "Guidance from your mentor" in page and "Add last year's accounts." in page
    anna, _ = signed_in(app, ANNA)
    other = anna.get(f"/challenges/{challenge_id}?lang=en")
    assert other.status_code == 404 and "Add last year's accounts." not in text(other)
