"""The pipeline order: Rasa's graph validation rejects a wrong order, the shipped one passes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from clinicbot.components.pipeline_check import (
    PipelineOrderError,
    load_config,
    main,
    validate_pipeline,
)


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    return load_config()


def _names(config: dict[str, Any]) -> list[str]:
    return [str(step["name"]).rsplit(".", 1)[-1] for step in config["pipeline"]]


def _moved(config: dict[str, Any], name: str, before: str) -> dict[str, Any]:
    """The configuration with component ``name`` moved right before ``before``."""
    moved = copy.deepcopy(config)
    steps = moved["pipeline"]
    step = steps.pop(_names(moved).index(name))
    steps.insert(_names(moved).index(before), step)
    return moved


def test_the_shipped_config_passes(shipped: dict[str, Any]) -> None:
    validate_pipeline(shipped)
    assert main([]) == 0


@pytest.mark.parametrize(
    ("name", "before", "message"),
    [
        ("AnswerCalibration", "FallbackClassifier", "require a FallbackClassifier: .*Calibration"),
        ("SafetyRouter", "SafetyDetectorComponent", "require a SafetyDetectorComponent: .*Router"),
        ("SafetyRouter", "TfidfIntentClassifier", "require a IntentClassifier: .*SafetyRouter"),
        ("SpacyEntityExtractor", "SpacyNLP", "'SpacyEntityExtractor' which needs the param"),
    ],
)
def test_a_component_before_what_it_needs_is_rejected(
    shipped: dict[str, Any], name: str, before: str, message: str
) -> None:
    assert _names(shipped).index(name) > _names(shipped).index(before)
    with pytest.raises(PipelineOrderError, match=message):
        validate_pipeline(_moved(shipped, name, before))


def test_a_missing_required_component_is_rejected(shipped: dict[str, Any]) -> None:
    without = copy.deepcopy(shipped)
    without["pipeline"] = [s for s in without["pipeline"] if s["name"] != "FallbackClassifier"]
    with pytest.raises(PipelineOrderError, match="require a FallbackClassifier"):
        validate_pipeline(without)


def test_rasa_train_alone_checks_only_the_training_graph(shipped: dict[str, Any]) -> None:
    """Why the check exists: ``rasa train``'s validation passes the same wrong order."""
    from rasa.engine.recipes.recipe import Recipe
    from rasa.engine.validation import validate
    from rasa.shared.data import TrainingType

    wrong = _moved(shipped, "AnswerCalibration", "FallbackClassifier")
    model_config = Recipe.recipe_for_name(wrong["recipe"]).graph_config_for_recipe(
        wrong, {}, training_type=TrainingType.BOTH
    )
    validate(model_config)  # no error: the prediction graph has no targets
    assert model_config.predict_schema.target_names == []
    with pytest.raises(PipelineOrderError):
        validate_pipeline(wrong)


def test_the_command_line_fails_on_a_wrong_order(
    shipped: dict[str, Any], tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(_moved(shipped, "AnswerCalibration", "FallbackClassifier")))
    assert main([str(path)]) == 1
    assert "require a FallbackClassifier" in capsys.readouterr().err
