"""``make run``/``make train`` pick the model: trained when stale, kept when inputs move."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from clinicbot import run


@pytest.fixture
def no_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Models in ``tmp_path``, the spaCy build and the pipeline check skipped."""
    monkeypatch.setattr(run, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(run, "ensure_spacy", lambda: None)
    monkeypatch.setattr(run, "validate_pipeline", lambda config: None)
    return tmp_path


def test_inputs_edited_during_training_still_serve_the_model_just_trained(
    no_build: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path = no_build
    digests = iter(["aaa", "aaa", "bbb"])  # before, when naming, after (someone edited data)
    monkeypatch.setattr(run, "model_digest", lambda: next(digests))
    trained: list[list[str]] = []

    def fake_train(command: list[str], **_: Any) -> None:
        trained.append(command)
        (Path(command[command.index("--out") + 1]) / "clinic-aaa.tar.gz").write_bytes(b"model")

    monkeypatch.setattr(run.subprocess, "run", fake_train)
    model = run.ensure_model({"PATH": ""})
    assert model == tmp_path / "clinic-aaa.tar.gz"
    assert len(trained) == 1 and "clinic-aaa" in trained[0]
    assert "Inputs changed during training" in capsys.readouterr().out


def test_a_model_appears_in_models_only_once_it_is_complete(
    no_build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = no_build
    monkeypatch.setattr(run, "model_digest", lambda: "ddd")
    seen_while_writing: list[bool] = []

    def fake_train(command: list[str], **_: Any) -> None:
        out = Path(command[command.index("--out") + 1])
        with (out / "clinic-ddd.tar.gz").open("wb") as archive:
            archive.write(b"half")
            seen_while_writing.append((tmp_path / "clinic-ddd.tar.gz").exists())
            archive.write(b" and the rest")

    monkeypatch.setattr(run.subprocess, "run", fake_train)
    model = run.ensure_model({"PATH": ""})
    assert seen_while_writing == [False]
    assert model == tmp_path / "clinic-ddd.tar.gz"
    assert model.read_bytes() == b"half and the rest"
    assert [p.name for p in tmp_path.iterdir()] == ["clinic-ddd.tar.gz"]  # no training folder


def test_a_missing_archive_after_training_is_an_error(
    no_build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "model_digest", lambda: "ccc")
    monkeypatch.setattr(run.subprocess, "run", lambda *a, **k: None)
    with pytest.raises(RuntimeError, match="archive is missing"):
        run.ensure_model({"PATH": ""})


def test_a_pipeline_in_the_wrong_order_is_not_trained(
    no_build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clinicbot.components.pipeline_check import PipelineOrderError

    monkeypatch.setattr(run, "model_digest", lambda: "ddd")
    checked: list[dict[str, Any]] = []

    def wrong_order(config: dict[str, Any]) -> None:
        checked.append(config)
        raise PipelineOrderError("The following components require a FallbackClassifier")

    monkeypatch.setattr(run, "validate_pipeline", wrong_order)
    monkeypatch.setattr(run.subprocess, "run", lambda *a, **k: pytest.fail("trained anyway"))
    with pytest.raises(PipelineOrderError):
        run.ensure_model({"PATH": ""})
    assert checked and "pipeline" in checked[0]  # the real config.yml was read


def test_make_run_refuses_a_model_that_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "ensure_spacy", lambda: None)
    monkeypatch.setattr(run, "restrict_file_permissions", lambda env: None)
    with pytest.raises(SystemExit) as exit_:
        run.main(["--model", str(tmp_path / "missing.tar.gz")])
    assert exit_.value.code == 2


def test_a_model_asked_for_is_served_as_is_and_a_missing_one_is_an_error(
    no_build: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(run, "ensure_model", lambda env: pytest.fail("must not train"))
    archive = no_build / "clinic-given.tar.gz"
    archive.write_bytes(b"x")
    parser = argparse.ArgumentParser()
    assert run.model_to_serve(parser, archive, {}) == archive.resolve()
    with pytest.raises(SystemExit):
        run.model_to_serve(parser, no_build / "missing.tar.gz", {})
    assert "no model archive at" in capsys.readouterr().err


def test_without_a_model_argument_the_current_model_is_served(
    no_build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    current = no_build / "clinic-current.tar.gz"
    monkeypatch.setattr(run, "ensure_model", lambda env: current)
    assert run.model_to_serve(argparse.ArgumentParser(), None, {}) == current


def test_a_signal_asks_the_foreground_loop_to_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    handlers: dict[int, Any] = {}
    monkeypatch.setattr(
        run.signal, "signal", lambda sig, handler: handlers.__setitem__(sig, handler)
    )
    should_stop = run.stop_on_signals()
    assert set(handlers) == {run.signal.SIGINT, run.signal.SIGTERM}
    assert should_stop() is False
    handlers[run.signal.SIGTERM](run.signal.SIGTERM, None)
    assert should_stop() is True


@pytest.mark.parametrize(("quiet", "stdout"), [(False, None), (True, run.subprocess.DEVNULL)])
def test_the_clinic_database_is_migrated_with_the_services_environment(
    monkeypatch: pytest.MonkeyPatch, quiet: bool, stdout: Any
) -> None:
    seen: list[tuple[list[str], dict[str, Any]]] = []
    monkeypatch.setattr(run.subprocess, "run", lambda command, **kw: seen.append((command, kw)))
    run.migrate_clinic_db({"CLINIC_DB_URL": "sqlite:///x.db"}, quiet=quiet)
    ((command, kw),) = seen
    assert command[1:] == ["-m", "clinicbot.console", "migrate"]
    assert kw["env"] == {"CLINIC_DB_URL": "sqlite:///x.db"} and kw["check"] is True
    assert kw["stdout"] is stdout
