"""Rasa's graph runs and RulePolicy's rule lookup as clinicbot.rasa_tuning replaces them.

The same results as Rasa's own code (dask's graph scheduler, RulePolicy's lookup of every rule),
checked on test graphs and random conversations. Split from tests/test_rasa_tuning.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import GraphComponent

from clinicbot import rasa_tuning


class _Sum(GraphComponent):
    """A graph component: its base plus the values it needs (counts its runs)."""

    runs: list[str] = []

    @classmethod
    def create(cls, config: Any, model_storage: Any, resource: Any, execution_context: Any) -> Any:
        return cls(config)

    def __init__(self, config: Any) -> None:
        self.config = config

    def run(self, **needs: Any) -> Any:
        _Sum.runs.append(self.config["name"])
        if self.config.get("fail"):
            raise ValueError("component failed")
        return self.config["base"] + sum(needs.values())


def _runner(tmp_path: Path, fail: bool = False) -> Any:
    from rasa.engine.graph import ExecutionContext, GraphSchema, SchemaNode
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    def node(name: str, base: int, needs: dict[str, str], **extra: Any) -> SchemaNode:
        config = {"name": name, "base": base, "fail": fail and name == "c"}
        return SchemaNode(needs, _Sum, "create", "run", config, **extra)

    schema = GraphSchema(
        {
            "a": node("a", 1, {"x": "__x__"}),
            "b": node("b", 10, {"x": "__x__"}),
            "c": node("c", 100, {"a": "a", "b": "b"}, is_target=True),
            "d": node("d", 1000, {"b": "b"}, is_target=True),
            "unused": node("unused", 5, {}),
        }
    )
    context = ExecutionContext(schema, "model")
    return DaskGraphRunner(schema, LocalModelStorage(tmp_path), context)


def test_graphs_run_in_order_give_what_dask_gives(tmp_path: Path) -> None:
    import dask

    runner = _runner(tmp_path)
    for targets in (None, ["c"], ["d"], ["c", "d"], ["__x__", "d"]):
        _Sum.runs.clear()
        got = rasa_tuning.run_graph_in_order(runner, {"__x__": 2}, targets)
        ran = sorted(_Sum.runs)
        wanted = targets or ["c", "d"]
        graph = runner._build_dask_graph(runner._graph_schema.minimal_graph_schema(wanted))
        runner._add_inputs_to_graph({"__x__": 2}, graph)
        _Sum.runs.clear()
        expected = dict(dask.get(graph, wanted))
        assert got == expected
        assert ran == sorted(_Sum.runs)  # each needed node once, nothing else
    assert rasa_tuning.run_graph_in_order(runner, {"__x__": 2}) == {"c": 115, "d": 1012}
    assert "unused" not in _Sum.runs


def test_a_failing_graph_node_raises_as_under_dask(tmp_path: Path) -> None:
    import dask
    from rasa.engine.exceptions import GraphComponentException

    runner = _runner(tmp_path, fail=True)
    with pytest.raises(GraphComponentException) as ours:
        rasa_tuning.run_graph_in_order(runner, {"__x__": 2}, ["c"])
    graph = runner._build_dask_graph(runner._graph_schema.minimal_graph_schema(["c"]))
    runner._add_inputs_to_graph({"__x__": 2}, graph)
    with pytest.raises(GraphComponentException) as theirs:
        dask.get(graph, ["c"])
    assert str(ours.value) == str(theirs.value)


def test_apply_runs_rasas_graphs_in_order() -> None:
    from rasa.engine.runner.dask import DaskGraphRunner

    rasa_tuning.apply()
    assert DaskGraphRunner.run is rasa_tuning.run_graph_in_order


def _rasas_possible_keys(policy: Any, lookup: dict[str, Any], states: list[Any]) -> set[str]:
    """Rasa 3.6's ``RulePolicy._get_possible_keys``, as released."""
    possible_keys = set(lookup.keys())
    for i, state in enumerate(reversed(states)):
        possible_keys = {k for k in possible_keys if policy._is_rule_applicable(k, i, state)}
    return possible_keys


def _random_state(rng: Any) -> dict[str, Any]:
    snbs = "should_not_be_set"
    state: dict[str, Any] = {}
    prev = rng.choice(
        [None, {}, {"action_name": "action_listen"}, {"action_name": "utter_greet"}]
        + [{"action_name": snbs}, {"action_text": "hi"}, {"action_name": "action_answer"}]
    )
    if prev is not None:
        state["prev_action"] = prev
    user = rng.choice(
        [None, {"intent": "greet"}, {"intent": "ask_price"}, {"intent": snbs}, {"text": "x"}]
        + [{"intent": "greet", "entities": ("medicine",)}, {"intent": ""}]
    )
    if user is not None:
        state["user"] = user
    slots = rng.choice([None, {"topic": (1.0,)}, {"topic": snbs}, {"hold": (1.0,)}])
    if slots is not None:
        state["slots"] = slots
    loop = rng.choice([None, {"name": "intake_form"}, {"name": snbs}])
    if loop is not None:
        state["active_loop"] = loop
    return state


def test_rule_policy_checks_only_rules_that_can_match_with_rasas_result() -> None:
    import json
    import random

    from rasa.core.policies.rule_policy import RulePolicy

    rng = random.Random(15)
    policy = RulePolicy.__new__(RulePolicy)  # only the rule checks are used
    lookup = {json.dumps([_random_state(rng) for _ in range(n)]): "x" for n in (0, 1, 1, 2, 3)}
    while len(lookup) < 300:
        rule = [_random_state(rng) for _ in range(rng.randint(1, 3))]
        lookup[json.dumps(rule)] = "utter_x"
    matched = 0
    for _ in range(3000):
        states = [_random_state(rng) for _ in range(rng.randint(0, 4))]
        ours = rasa_tuning.possible_rule_keys(policy, lookup, states)
        assert ours == _rasas_possible_keys(policy, lookup, states), states
        matched += len(ours)
    assert matched > 3000  # the cases exercised rules that match, not only empty results
    # Topic rules as the project has them: one per intent; only the greet rule is checked.
    topics = {
        json.dumps([{"prev_action": {"action_name": "action_listen"}, "user": {"intent": i}}]): i
        for i in [f"kb_topic_{n}" for n in range(60)] + ["greet"]
    }
    checked: list[str] = []
    original = policy._is_rule_applicable
    policy._is_rule_applicable = lambda key, i, state: (
        checked.append(key) or original(key, i, state)
    )
    last = {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}
    found = rasa_tuning.possible_rule_keys(policy, topics, [last])
    assert [topics[key] for key in found] == ["greet"] and len(checked) == 1


def test_apply_routes_rule_policy_through_the_index() -> None:
    from rasa.core.policies.rule_policy import RulePolicy

    rasa_tuning.apply()
    assert RulePolicy._get_possible_keys is rasa_tuning.possible_rule_keys
