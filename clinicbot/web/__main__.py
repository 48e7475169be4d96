"""``python -m clinicbot.web``: serves the widget and the staff console (one worker)."""

from __future__ import annotations

from clinicbot.settings import load_settings
from clinicbot.web.app import create_app


def main() -> None:
    """Runs the web server on ``WEB_HOST:WEB_PORT`` without an access log."""
    settings = load_settings()
    app = create_app(settings)
    app.run(
        host=settings.web_host,
        port=settings.web_port,
        workers=1,
        access_log=False,
        motd=False,
    )


if __name__ == "__main__":
    main()
