"""Alembic environment: runs the revisions on the connection that `migrate()` opened.

:func:`clinicbot.store.migrations.migrate` opens the transaction (holding SQLite's write lock or
a PostgreSQL advisory lock) and passes its connection in ``config.attributes["connection"]``;
this file only configures Alembic on it. Run by Alembic, never imported by the application.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from clinicbot.store.schema import UTCDateTime, metadata


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Writes the schema's UTC timestamp type as a plain ``sa.DateTime()`` in new revisions.

    A revision must not import the schema module (it changes later; revisions are frozen).

    Args:
        kind: What is rendered (``"type"`` for column types).
        obj: The object.
        autogen_context: Alembic's rendering context.

    Returns:
        The code to write, or False for Alembic's default rendering.
    """
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_online() -> None:
    """Runs the pending revisions on the connection given by the caller."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run migrations with `python -m clinicbot.console migrate` "
            "(clinicbot.store.migrations.migrate), not with the alembic command"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
