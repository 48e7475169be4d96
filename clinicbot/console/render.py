"""Jinja2 rendering for the console (autoescaping always on)."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sanic.response import HTTPResponse, html

from clinicbot.paths import PACKAGE_DIR

TEMPLATES_DIR = PACKAGE_DIR / "console" / "templates"
STATIC_DIR = PACKAGE_DIR / "console" / "static"


def format_ts(value: Any) -> str:
    """Formats a datetime or a Unix timestamp as ``YYYY-MM-DD HH:MM:SS UTC``.

    Args:
        value: A datetime, a number of seconds since the epoch, or None.

    Returns:
        The text ("" for None).
    """
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(float(value), tz=timezone.utc)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Returns the console's Jinja2 environment (created on first use).

    Returns:
        An environment with autoescaping enabled for every template.
    """
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ts"] = format_ts
    return env


def render(
    template: str, status: int = 200, headers: dict | None = None, **context: Any
) -> HTTPResponse:
    """Renders a template to an HTML response.

    Args:
        template: Template file name.
        status: HTTP status.
        headers: Extra headers.
        **context: Template variables.

    Returns:
        The response.
    """
    body = environment().get_template(template).render(**context)
    return html(body, status=status, headers=headers)
