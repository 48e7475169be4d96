"""The model fingerprint (``clinicbot.run.model_digest`` / ``current_model``).

``make run`` and ``make train`` name the model after a digest of everything it is trained from
(``MODEL_INPUTS``); a stale model must not be served and an unchanged tree must not retrain.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clinicbot import run
from clinicbot.paths import CONFIG_FILE, DATA_DIR, DOMAIN_FILE, PACKAGE_DIR


@pytest.fixture()
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small repository whose config, data folder and one module are the model's inputs."""
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "config.yml").write_text("pipeline: []\n")
    (tmp_path / "data" / "nlu" / "faq.yml").write_text("nlu: []\n")
    (tmp_path / "gate.py").write_text("THRESHOLD = 0.5\n")
    monkeypatch.setattr(run, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(
        run,
        "MODEL_INPUTS",
        (
            tmp_path / "config.yml",
            tmp_path / "data",
            tmp_path / "gate.py",
            tmp_path / "not-there-yet.yml",
        ),
    )
    monkeypatch.setattr(run, "MODELS_DIR", tmp_path / "models")
    (tmp_path / "models").mkdir()
    return tmp_path


def test_unchanged_inputs_keep_the_digest(inputs: Path) -> None:
    first = run.model_digest()
    assert len(first) == 12 and int(first, 16) >= 0
    assert run.model_digest() == first
    # Rewriting a file with the same bytes (a new mtime) is no change.
    (inputs / "config.yml").write_text("pipeline: []\n")
    assert run.model_digest() == first


@pytest.mark.parametrize(
    "edit",
    [
        lambda root: (root / "config.yml").write_text("pipeline: [x]\n"),
        lambda root: (root / "data" / "nlu" / "faq.yml").write_text("nlu: [a]\n"),
        lambda root: (root / "gate.py").write_text("THRESHOLD = 0.6\n"),
        lambda root: (root / "data" / "nlu" / "more.yaml").write_text("nlu: []\n"),
        lambda root: (root / "data" / "helper.py").write_text("pass\n"),
        lambda root: (root / "not-there-yet.yml").write_text("a: 1\n"),
        lambda root: (root / "data" / "nlu" / "faq.yml").rename(root / "data" / "nlu" / "b.yml"),
        lambda root: (root / "data" / "nlu" / "faq.yml").unlink(),
    ],
    ids=[
        "config edited",
        "data file edited",
        "module edited",
        "yaml file added",
        "python file added",
        "missing input appears",
        "data file renamed",
        "data file removed",
    ],
)
def test_changing_an_input_changes_the_digest(inputs: Path, edit) -> None:
    before = run.model_digest()
    edit(inputs)
    assert run.model_digest() != before


def test_files_that_are_not_training_inputs_do_not_change_the_digest(inputs: Path) -> None:
    before = run.model_digest()
    (inputs / "data" / "notes.txt").write_text("a reviewer's notes\n")
    (inputs / "data" / "cache.pyc").write_bytes(b"\x00\x01")
    (inputs / "README.md").write_text("docs\n")
    assert run.model_digest() == before


def test_reverting_an_edit_restores_the_digest(inputs: Path) -> None:
    before = run.model_digest()
    (inputs / "gate.py").write_text("THRESHOLD = 0.9\n")
    assert run.model_digest() != before
    (inputs / "gate.py").write_text("THRESHOLD = 0.5\n")
    assert run.model_digest() == before


def test_current_model_is_the_archive_named_by_the_digest_and_goes_stale(inputs: Path) -> None:
    assert run.current_model() is None  # nothing trained yet
    archive = inputs / "models" / f"{run.MODEL_PREFIX}{run.model_digest()}.tar.gz"
    archive.write_bytes(b"model")
    assert run.current_model() == archive
    (inputs / "data" / "nlu" / "faq.yml").write_text("nlu: [changed]\n")
    assert run.current_model() is None, "a model of older inputs was served"


def test_every_trained_input_of_the_project_is_fingerprinted() -> None:
    """Editing anything the model learns from (the safety development sets too) retrains it."""
    from clinicbot.safety.dev_sets import DEV_SET_FILES

    covered = [Path(p) for p in run.MODEL_INPUTS]

    def is_covered(path: Path) -> bool:
        return any(path == c or c in path.parents for c in covered)

    must = [CONFIG_FILE, DOMAIN_FILE, DATA_DIR / "nlu"]
    must += [PACKAGE_DIR / "components" / name for name in ("intent_classifier.py", "policies.py")]
    must += [PACKAGE_DIR / "safety" / "detector.py", *DEV_SET_FILES]
    missing = [str(p) for p in must if not is_covered(Path(p))]
    assert not missing, f"not in MODEL_INPUTS: {missing}"
    files = run._files(run.MODEL_INPUTS)
    assert CONFIG_FILE in files and all(p.suffix in {".yml", ".yaml", ".py"} for p in files)
