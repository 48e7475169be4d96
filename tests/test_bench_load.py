"""``make bench-load``'s command line: switching round 5's cuts off for a before/after breakdown."""

from __future__ import annotations

import pytest

from clinicbot import bench_load, rasa_tuning


def test_unknown_cut_is_refused_before_anything_runs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        bench_load.main(["--only", "breakdown", "--without", "classifier,bogus"])
    assert "--without" in capsys.readouterr().err
    with pytest.raises(ValueError, match="bogus"):
        bench_load.switch_off(["bogus"])


def test_cuts_cannot_be_switched_off_once_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rasa_tuning, "_applied", True)
    with pytest.raises(ValueError, match="before"):
        bench_load.switch_off(["rules"])
