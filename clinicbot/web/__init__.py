"""The web server: the patient chat widget and the staff console in one Sanic app.

Build it with :func:`clinicbot.web.app.create_app`; run it with ``python -m clinicbot.web``.
"""
