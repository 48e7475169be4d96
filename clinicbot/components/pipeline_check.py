"""The pipeline order check: Rasa's own graph validation, on the prediction graph as well.

Each component declares the components that must run before it (``required_components``).
``rasa train`` checks those declarations only on the training graph, whose targets are the
trainable components, and a trainable component there sees only the tokenizers and
featurizers before it; the prediction graph, where the NLU pipeline runs in ``config.yml``'s
order, has no targets, so Rasa 3.6 never checks a non-trainable component (``SafetyRouter``,
``AnswerCalibration``, Rasa's own ``FallbackClassifier``) against what runs before it.
``validate_pipeline`` builds both graphs the way ``rasa train`` does, marks the prediction
graph's NLU target (the end of the NLU pipeline; the dialogue target is left unmarked, since
Rasa's cycle check trips over its direct ``__tracker__`` input, and no policy requires a
component) and runs ``rasa.engine.validation.validate`` on them, so a pipeline in the wrong
order fails with Rasa's own message. ``make train`` (``clinicbot.run``)
runs it before training; ``python -m clinicbot.components.pipeline_check [config.yml]`` runs
it alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from clinicbot.paths import CONFIG_FILE


class PipelineOrderError(ValueError):
    """Raised when a configuration's graph fails Rasa's validation."""


def validate_pipeline(config: Mapping[str, Any]) -> None:
    """Validates a model configuration's training and prediction graphs.

    Args:
        config: The parsed ``config.yml`` (recipe, language, pipeline, policies).

    Raises:
        PipelineOrderError: With Rasa's message, when a component misses a component it
            requires before it, or the graphs are otherwise invalid.
    """
    from rasa.engine.exceptions import GraphSchemaValidationException
    from rasa.engine.graph import GraphSchema
    from rasa.engine.recipes.recipe import Recipe
    from rasa.engine.validation import validate
    from rasa.shared.data import TrainingType

    recipe = Recipe.recipe_for_name(config.get("recipe"))
    model_config = recipe.graph_config_for_recipe(dict(config), {}, training_type=TrainingType.BOTH)
    predict = GraphSchema(
        {
            name: dataclasses.replace(node, is_target=name == model_config.nlu_target)
            for name, node in model_config.predict_schema.nodes.items()
        }
    )
    try:
        validate(dataclasses.replace(model_config, predict_schema=predict))
    except GraphSchemaValidationException as error:
        raise PipelineOrderError(str(error)) from error


def load_config(path: Path = CONFIG_FILE) -> dict[str, Any]:
    """Reads a model configuration file.

    Args:
        path: The YAML file.

    Returns:
        Its content (a mapping).

    Raises:
        PipelineOrderError: If the file does not hold a mapping.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise PipelineOrderError(f"{path.name} does not hold a model configuration")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: validates ``config.yml`` (or the given file); exit 1 on an error.

    Args:
        argv: Arguments (default: the process's).

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, default=CONFIG_FILE)
    args = parser.parse_args(argv)
    try:
        validate_pipeline(load_config(args.config))
    except PipelineOrderError as error:
        print(f"{args.config}: {error}", file=sys.stderr)
        return 1
    print(f"{args.config}: the pipeline order is valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
