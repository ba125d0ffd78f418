"""A resident deletes all their in-app messages (their right to erasure, from the portal's My page): theirs only,
by themselves only; nothing for anyone else."""

import uuid

import pytest
from notifications_builders import NOW, proposal_event

from meemaken_kit import Settings
from meemaken_testkit.tokens import bearer
from notifications.bootstrap import create_app
from notifications.integration.incoming import handler


@pytest.fixture
def client(engine, url):
    return create_app(Settings.from_env("notifications", {"DATABASE_URL": url}), engine).test_client()


def as_(person, role="resident"):
    return bearer("notifications", role, sub=person)


def test_a_resident_deletes_their_messages_and_no_one_elses(engine, client):
    me, neighbour = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as conn:
        for event in (
            proposal_event("admitted", me),
            proposal_event("admitted", me),
            proposal_event("admitted", neighbour),
        ):
            handler(lambda: NOW)(conn, event)
    mine = f"/api/v1/residents/{me}/messages"
    assert len(client.get(mine, headers=as_(me)).get_json()) == 2

    assert client.delete(f"/api/v1/residents/{neighbour}/messages", headers=as_(me)).status_code == 403
    assert client.delete(mine, headers=as_(uuid.uuid4(), "administrator")).status_code == 403
    assert client.delete(mine).status_code == 401
    assert len(client.get(f"/api/v1/residents/{neighbour}/messages", headers=as_(neighbour)).get_json()) == 1

    assert client.delete(mine, headers=as_(me)).status_code == 204
    assert client.get(mine, headers=as_(me)).get_json() == []
    assert client.get(f"{mine}/unread-count", headers=as_(me)).get_json() == {"unread": 0}
    assert client.delete(mine, headers=as_(me)).status_code == 204  # nothing left: nothing to do
    assert len(client.get(f"/api/v1/residents/{neighbour}/messages", headers=as_(neighbour)).get_json()) == 1
