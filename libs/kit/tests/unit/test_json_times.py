"""Times in every API's JSON answers."""

from __future__ import annotations

import sqlalchemy as sa

from meemaken_kit import Settings, create_service_app


def test_times_in_json_answers_are_iso_8601():
    """Flask would write RFC 1123 ("Tue, 01 Dec 2026 ..."); every meemaken API writes ISO 8601."""
    from datetime import UTC, date, datetime

    from flask import jsonify

    settings = Settings.from_env("proposals", {"DATABASE_URL": "sqlite://"})
    app = create_service_app(settings, "Echo", [], sa.create_engine("sqlite://"))
    with app.app_context():
        body = jsonify({"at": datetime(2026, 12, 1, 9, 30, tzinfo=UTC), "on": date(2026, 12, 1)}).get_json()
    assert body == {"at": "2026-12-01T09:30:00+00:00", "on": "2026-12-01"}
