"""The web app factory: health, unique names, no I/O before start, blueprints."""

from __future__ import annotations

from pathlib import Path

from clinicbot.settings import Settings
from clinicbot.web.app import create_app
from tests.console.conftest import Console, start_console


async def test_health(console: Console) -> None:
    response = await console.browser.get("/health")
    assert response.status == 200
    assert response.json() == {"status": "ok", "db": "ok"}


def test_apps_have_unique_names_and_touch_nothing_before_start(tmp_path: Path) -> None:
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'sub' / 'clinic.db'}")
    first, second = create_app(settings), create_app(settings)
    assert first.name != second.name
    assert not (tmp_path / "sub").exists()
    assert {"console", "widget"} <= set(first.blueprints)
    assert first.ctx.settings is settings


async def test_migrations_ran_at_start(console: Console) -> None:
    from clinicbot.store.migrations import current_version, head_revision

    assert current_version(console.engine) == head_revision()


async def test_app_opens_and_migrates_the_configured_database(tmp_path: Path) -> None:
    async for console in start_console(tmp_path, pass_engine=False):
        assert console.app.ctx.engine is not None
        assert str(console.app.ctx.engine.url).endswith("clinic.db")
        console.add_staff("dana")
        assert (await console.browser.login("dana")).status == 303
        assert (await console.browser.get("/health")).json()["db"] == "ok"
