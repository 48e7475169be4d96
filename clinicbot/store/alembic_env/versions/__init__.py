"""Alembic revisions of the clinic database, oldest first; frozen once shipped."""
