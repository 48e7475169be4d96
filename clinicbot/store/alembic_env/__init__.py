"""Alembic environment of the clinic database (run through :mod:`clinicbot.store.migrations`)."""
