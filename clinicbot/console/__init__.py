"""The staff console: a Sanic blueprint mounted at ``/console`` and its command-line tool.

See :func:`clinicbot.console.blueprint.create_blueprint` and ``python -m clinicbot.console``.
"""
