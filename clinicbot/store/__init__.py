"""The clinic database: escalations, staff accounts, console sessions and the audit log.

Nothing in this package opens a connection at import time: callers obtain an engine with
:func:`clinicbot.store.db.get_engine` and run :func:`clinicbot.store.migrations.migrate` once at
start-up.
"""
