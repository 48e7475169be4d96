"""Runs a web server with only the widget blueprint (used by the widget's browser tests).

Usage: ``python tests/widget/serve_widget.py PORT``; settings come from the environment
(``RASA_URL``, ``PUBLIC_RASA_URL``, ``WIDGET_ORIGINS``, ...), as for the real web server.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sanic import Sanic

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from clinicbot.settings import load_settings  # noqa: E402
from clinicbot.widget.blueprint import bp  # noqa: E402


def create_app() -> Sanic:
    """Builds a Sanic app holding the widget blueprint and the environment's settings.

    Returns:
        The app.
    """
    app = Sanic("widget_test_server")
    app.ctx.settings = load_settings()
    app.blueprint(bp)
    return app


def main() -> None:
    """Serves on 127.0.0.1 at the port given on the command line."""
    port = int(sys.argv[1])
    create_app().run(host="127.0.0.1", port=port, access_log=False, debug=False)


if __name__ == "__main__":
    main()
