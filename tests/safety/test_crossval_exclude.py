"""``python -m clinicbot.safety.crossval --exclude FILE``: what a development file's data adds."""

from __future__ import annotations

from clinicbot.safety.crossval import development_cases


def test_crossval_can_leave_a_development_file_out() -> None:
    names = {name for name, _ in development_cases()}
    assert "dev8.yml" in names
    left = {name for name, _ in development_cases(exclude=("dev8.yml",))}
    assert left == names - {"dev8.yml"}
