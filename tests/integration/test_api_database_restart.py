"""The API without a per-request connection ping: a database restart costs at most one 503, never a 500,
and nothing half-written."""

import pytest
import sqlalchemy as sa
from proposals_kit import resident

from meemaken_kit import make_engine
from proposals.adapters.tables import proposals
from proposals.bootstrap import create_app

pytestmark = pytest.mark.postgres


def test_after_a_database_restart_the_api_answers_503_once_then_serves_again(service, postgres):
    if postgres is None:
        pytest.skip("needs the local PostgreSQL cluster to restart it")
    settings, _engine, _env = service
    engine = make_engine(settings.database_url, pool_pre_ping=False)  # as the API runs (meemaken_kit.serve)
    client = create_app(settings, engine).test_client()
    assert client.get("/api/v1/proposals").status_code == 200  # a pooled connection exists
    postgres.restart()
    codes = [client.get("/api/v1/proposals").status_code for _ in range(3)]
    assert codes[0] in (200, 503) and codes[1:] == [200, 200], codes
    if codes[0] == 503:
        first = client.get("/api/v1/proposals")
        assert first.status_code == 200
    body = {
        "process_id": "any-process",
        "title": "Safer school streets",
        "text": "Close the street in front of the school for cars at the start and end of the day.",
    }
    assert client.post("/api/v1/proposals", json=body, headers=resident()).status_code == 201
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(proposals)).scalar_one() == 1
    engine.dispose()
