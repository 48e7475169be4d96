"""The web server reads the same tracker file Rasa writes (TRACKER_DB, as in endpoints.yml)."""

from __future__ import annotations

from clinicbot.paths import VAR_DIR
from clinicbot.settings import load_settings


def test_tracker_url_follows_tracker_db_path() -> None:
    assert load_settings({"TRACKER_DB": "/srv/x/tracker.db"}).tracker_db_url == (
        "sqlite:////srv/x/tracker.db"
    )
    # A PostgreSQL database name (endpoints.production.yml) is not a file: TRACKER_DB_URL is.
    assert load_settings({"TRACKER_DB": "rasa"}).tracker_db_url == f"sqlite:///{VAR_DIR}/tracker.db"
    url = "postgresql://reader@db/rasa"
    assert load_settings({"TRACKER_DB_URL": url, "TRACKER_DB": "/x.db"}).tracker_db_url == url
