"""``make bench-load``: open-loop capacity of one process (``make run``) and of the cluster.

Open loop: messages are sent at a fixed arrival rate whatever the server's speed (as patients
do), so a slow server shows up as growing latency and fewer served messages per second, not as
a politely slower client. Each offered rate runs for ``--seconds`` (at most ``--max-messages``
messages); each message belongs to one of many conversations, each of which sends again only
after ``--think`` seconds on average. Latency is measured from a message's scheduled send
time. Everything is on 127.0.0.1: the stack and the cluster are started on free ports with
temporary data and stopped at the end.

``--only breakdown`` loads the same model in this process, with the same action server, and times
each part of a turn over the bench questions: NLU (``parse_message``), each node of the
model's graph (NLU components, each policy's prediction), the action server call
(``RemoteAction.run``), the tracker store (retrieve + save, SQLite as in ``make run``) and the
garbage collector's passes. The open-loop runs print the garbage-collection pauses the Rasa
server logged (``clinicbot.rasa_tuning``: passes of 100 ms or more), the usual cause of a
stall that holds every queued turn.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import logging
import os
import re
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

import aiohttp

from clinicbot.bench import QUESTIONS, _free_port
from clinicbot.evaluate import percentile
from clinicbot.run import Stack, ensure_model, migrate_clinic_db, service_env

#: Rate limits of the patient channels would refuse a load test's traffic: lifted for it.
_UNTHROTTLED = {
    "CONVERSATION_MESSAGES_PER_MINUTE": "100000",
    "PATIENT_MESSAGES_PER_MINUTE": "100000",
    "NEW_CONVERSATIONS_PER_HOUR": "1000000",
    "PROXY_RATE": "0",
}


@dataclass
class StepResult:
    """What one offered rate gave.

    Attributes:
        offered: Offered rate (messages per second).
        sent: Messages sent.
        ok: Messages answered with HTTP 200.
        errors: Messages that failed (status, refused, timed out).
        served: Answered messages per second over the step (first send to last answer).
        p50: Median latency of answered messages (ms).
        p95: 95th percentile latency (ms).
    """

    offered: float
    sent: int
    ok: int
    errors: int
    served: float
    p50: float
    p95: float


async def open_loop(
    url: str, rate: float, seconds: float, max_messages: int, think: float, timeout: float = 30
) -> StepResult:
    """Sends messages at a fixed rate and measures what comes back.

    Args:
        url: The REST webhook.
        rate: Messages per second.
        seconds: Length of the step.
        max_messages: Upper bound on messages.
        think: Mean seconds between two messages of one conversation.
        timeout: Seconds before a message counts as failed.

    Returns:
        The step's figures.
    """
    count = max(1, min(max_messages, int(rate * seconds)))
    patients = max(1, int(rate * think))
    senders = [f"load-{uuid.uuid4().hex[:12]}" for _ in range(patients)]
    latencies: List[float] = []
    errors = 0
    last_done = 0.0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)
    ) as session:
        start = time.perf_counter()

        async def one(i: int) -> None:
            nonlocal errors, last_done
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            body = {"sender": senders[i % patients], "message": QUESTIONS[i % len(QUESTIONS)]}
            try:
                async with session.post(url, json=body) as resp:
                    await resp.read()
                    good = resp.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError):
                good = False
            now = time.perf_counter()
            if good:
                latencies.append((now - due) * 1000)
                last_done = max(last_done, now)
            else:
                errors += 1

        await asyncio.gather(*(one(i) for i in range(count)))
    span = max(last_done - start, count / rate) if latencies else 1.0
    return StepResult(
        offered=rate,
        sent=count,
        ok=len(latencies),
        errors=errors,
        served=len(latencies) / span,
        p50=statistics.median(latencies) if latencies else 0.0,
        p95=percentile(latencies, 0.95),
    )


_GC_PAUSE = re.compile(r"garbage collection paused (\d+) ms \(generation (\d)\)")


def gc_pauses_logged(log: Path) -> str:
    """Summarises the long garbage-collection passes a Rasa server logged.

    Args:
        log: The server's log file.

    Returns:
        One line: how many passes of 100 ms or more after the model was loaded, their total
        and the longest.
    """
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"no log at {log}"
    # Pauses while the model loads come before any turn is served: not stalls.
    serving = text.rsplit("Rasa server is up and running", 1)[-1]
    pauses = [int(ms) for ms, _gen in _GC_PAUSE.findall(serving)]
    if not pauses:
        return "no garbage-collection pause of 100 ms or more while serving"
    return (
        f"{len(pauses)} garbage-collection pauses of 100 ms or more while serving, "
        f"{sum(pauses) / 1000:.1f} s in all, longest {max(pauses)} ms"
    )


def run_steps(url: str, rates: Sequence[float], args: argparse.Namespace) -> List[StepResult]:
    """Runs every offered rate in turn against one URL, printing each result."""
    results = []
    asyncio.run(open_loop(url, 2, 4, 8, 1.0))  # warm-up
    for rate in rates:
        result = asyncio.run(open_loop(url, rate, args.seconds, args.max_messages, args.think))
        results.append(result)
        print(
            f"  offered {result.offered:5.1f}/s  served {result.served:5.1f} msg/s  "
            f"p50 {result.p50:7.0f} ms  p95 {result.p95:7.0f} ms  "
            f"ok {result.ok}/{result.sent}  errors {result.errors}",
            flush=True,
        )
        time.sleep(2)  # let queues drain between steps
    return results


def _env(tmp: Path) -> Dict[str, str]:
    ports = {"RASA_PORT": _free_port(), "ACTION_PORT": _free_port(), "WEB_PORT": _free_port()}
    env = {
        **os.environ,
        **_UNTHROTTLED,
        **{k: str(v) for k, v in ports.items()},
        "CLINIC_DB_URL": f"sqlite:///{tmp / 'clinic.db'}",
        "TRACKER_DB": str(tmp / "tracker.db"),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['ACTION_PORT']}/webhook",
        "RASA_URL": f"http://127.0.0.1:{ports['RASA_PORT']}",
    }
    return service_env(env)


def bench_single(model: Path, rates: Sequence[float], args: argparse.Namespace) -> None:
    """One Rasa process on SQLite, as ``make run`` serves."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env = _env(tmp)
    migrate_clinic_db(env, quiet=True)
    stack = Stack(model, env, log_dir=tmp / "logs")
    print("\nOne process (make run: one Rasa server, SQLite) ...", flush=True)
    stack.start()
    try:
        run_steps(f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook", rates, args)
        print(f"  Rasa server memory (RSS) {_rss_mib(stack.procs['rasa'].pid):.0f} MiB", flush=True)
        print(f"  Rasa server: {gc_pauses_logged(tmp / 'logs' / 'rasa.log')}", flush=True)
    finally:
        stack.stop()


def bench_cluster(model: Path, rates: Sequence[float], args: argparse.Namespace) -> None:
    """The cluster (PostgreSQL, Redis, replicas, nginx), through the proxy."""
    from clinicbot.cluster import Cluster, ClusterConfig, prepare

    tmp = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    base = {
        **os.environ,
        **_UNTHROTTLED,
        "CLUSTER_DIR": str(tmp / "cluster"),
        "RASA_REPLICAS": str(args.replicas),
        "ACTION_PORT": str(_free_port()),
        "WEB_PORT": str(_free_port()),
        "PROXY_PORT": str(_free_port()),
        "PROXY_API_PORT": str(_free_port()),
        "PROXY_CONSOLE_PORT": str(_free_port()),
        "CLUSTER_PG_PORT": str(_free_port()),
        "CLUSTER_REDIS_PORT": str(_free_port()),
    }
    base.pop("TRACKER_DB", None)
    base.pop("ACTION_ENDPOINT_URL", None)
    base["RASA_PORT"] = str(_free_port())
    cfg = ClusterConfig.from_env(base)
    env = prepare(cfg, base)
    cluster = Cluster(cfg, model, env)
    print(f"\nCluster ({cfg.replicas} Rasa replicas, PostgreSQL, Redis, nginx) ...", flush=True)
    cluster.start()
    try:
        run_steps(f"http://127.0.0.1:{cfg.proxy_port}/webhooks/rest/webhook", rates, args)
        for i in range(cfg.replicas):
            print(f"  rasa-{i}: {gc_pauses_logged(cfg.path('logs', f'rasa-{i}.log'))}", flush=True)
    finally:
        cluster.stop()


# ------------------------------------------------------------------------------ breakdown


class Timings:
    """Accumulates wall-clock time per part of a turn."""

    def __init__(self) -> None:
        """Empty."""
        self.ms: Dict[str, List[float]] = defaultdict(list)

    def wrap_async(self, owner: Any, name: str, label: str) -> None:
        """Times an async method of a class under ``label``."""
        original = getattr(owner, name)

        @functools.wraps(original)
        async def timed(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return await original(*a, **k)
            finally:
                self.ms[label].append((time.perf_counter() - t) * 1000)

        setattr(owner, name, timed)

    def wrap_sync(self, owner: Any, name: str, label: Callable[[Any], str]) -> None:
        """Times a plain method of a class under ``label(self)``."""
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(obj: Any, *a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return original(obj, *a, **k)
            finally:
                self.ms[label(obj)].append((time.perf_counter() - t) * 1000)

        setattr(owner, name, timed)


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from ``/proc`` (0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB, from ``/proc`` (0 elsewhere)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


#: Round 5's CPU cuts (README "Scale-out"), each of which ``--without`` can switch off.
CUTS = ("classifier", "tracker-cache", "answer-check", "graph", "rules")


def switch_off(cuts: Sequence[str]) -> None:
    """Switches off some of round 5's cuts in this process (before the model is loaded).

    Args:
        cuts: Names from :data:`CUTS`.

    Raises:
        ValueError: For an unknown name, or once ``rasa_tuning.apply()`` has run.
    """
    unknown = set(cuts) - set(CUTS)
    if unknown:
        raise ValueError(f"unknown cuts {sorted(unknown)}; known: {', '.join(CUTS)}")
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.runner.dask import DaskGraphRunner

    from clinicbot import action_calls, rasa_tuning, tracker_cache
    from clinicbot.components import text_classifier

    if rasa_tuning._applied:  # Rasa's own methods are already replaced in this process
        raise ValueError("switch cuts off before clinicbot.rasa_tuning.apply() runs")

    if "classifier" in cuts:  # scikit-learn's predict_proba, as before
        text_classifier._FastPredictor.build = classmethod(lambda cls, *a: None)  # type: ignore[assignment, method-assign]
    if "tracker-cache" in cuts:
        tracker_cache.install = lambda *a, **k: None  # type: ignore[assignment]
    if "answer-check" in cuts:  # the full jsonschema check for every answer
        action_calls._valid_by_event_name = lambda result: False  # type: ignore[assignment]
    if "graph" in cuts:
        rasa_tuning.run_graph_in_order = DaskGraphRunner.run  # type: ignore[assignment]
    if "rules" in cuts:
        rasa_tuning.possible_rule_keys = RulePolicy._get_possible_keys  # type: ignore[assignment]


def breakdown(model: Path, rounds: int, tuned: bool = True) -> None:
    """Times NLU, each policy, the action call and the tracker store per turn, in process.

    Args:
        model: Model archive.
        rounds: Passes over the bench questions (one new conversation each).
        tuned: Apply :mod:`clinicbot.rasa_tuning` as the Rasa launcher does (False: Rasa as
            released, to measure what the tuning buys; it cannot be undone in this process).
    """
    from rasa.core import agent as rasa_agent
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.core.utils import AvailableEndpoints
    from rasa.engine.graph import GraphNode

    from clinicbot import rasa_tuning

    if tuned:
        rasa_tuning.apply()  # as the Rasa launcher does: measure what make run serves
    # Rasa's logging as `rasa run` sets it up (INFO): unconfigured, its structured log prints
    # every debug line, message texts included, and the printing would be timed too.
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)
    tmp = Path(tempfile.mkdtemp(prefix="bench-breakdown-"))
    env = _env(tmp)
    stack = Stack(model, env, log_dir=tmp / "logs")
    stack.start(only=("actions",))
    saved = dict(os.environ)
    os.environ.update(env)
    timings = Timings()
    gc_timer = rasa_tuning.GcPauses(log_ms=float("inf"))
    cpu: Dict[str, float] = {}
    try:
        timings.wrap_async(MessageProcessor, "parse_message", "NLU (parse_message)")
        timings.wrap_async(RemoteAction, "run", "action server call")
        timings.wrap_async(SQLTrackerStore, "retrieve", "tracker store: retrieve")
        timings.wrap_async(SQLTrackerStore, "save", "tracker store: save")
        timings.wrap_async(MessageProcessor, "handle_message", "whole turn (handle_message)")
        # Every graph node (NLU components, each policy, the ensemble) under its node name.
        timings.wrap_sync(GraphNode, "__call__", lambda node: f"graph node {node._node_name}")
        endpoints = AvailableEndpoints.read_endpoints(env["RASA_ENDPOINTS"])

        async def go() -> None:
            agent = await rasa_agent.load_agent(model_path=str(model), endpoints=endpoints)
            for q in QUESTIONS:  # warm-up
                await agent.handle_text(q, sender_id="warmup")
            timings.ms.clear()
            gc_timer.install()
            actions_pid = stack.procs["actions"].pid
            cpu["rasa"], cpu["actions"] = -time.process_time(), -_cpu_seconds(actions_pid)
            for _ in range(rounds):
                sender = f"bd-{uuid.uuid4().hex[:8]}"
                for q in QUESTIONS:
                    await agent.handle_text(q, sender_id=sender)
            cpu["rasa"] += time.process_time()
            cpu["actions"] += _cpu_seconds(actions_pid)
            gc_timer.uninstall()
            cpu["rss"] = _rss_mib(os.getpid())

        asyncio.run(go())
    finally:
        gc_timer.uninstall()
        os.environ.clear()
        os.environ.update(saved)
        stack.stop()
    for generation, values in gc_timer.ms.items():
        if values:
            timings.ms[f"garbage collection, generation {generation}"] = values
    turns = len(timings.ms.get("whole turn (handle_message)", [])) or 1
    state = "clinicbot.rasa_tuning applied" if tuned else "Rasa as released, no tuning"
    print(f"\nWhere the time goes per turn ({turns} turns, one at a time, in process; {state}):")
    # CPU time depends far less on other jobs sharing the machine than wall-clock time does.
    print(
        f"  CPU per turn: Rasa {cpu.get('rasa', 0) * 1000 / turns:.1f} ms, "
        f"action server {cpu.get('actions', 0) * 1000 / turns:.1f} ms "
        f"(wall-clock figures below include waiting for the CPU); "
        f"memory of the process holding the model (RSS) {cpu.get('rss', 0):.0f} MiB; "
        f"objects the garbage collector scans {len(gc.get_objects())}"
    )
    for label, values in sorted(timings.ms.items(), key=lambda kv: -sum(kv[1])):
        print(
            f"  {label:34s} {sum(values) / turns:7.1f} ms/turn   "
            f"(calls/turn {len(values) / turns:4.1f}, median {statistics.median(values):6.1f} ms, "
            f"longest {max(values):6.1f} ms)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of ``make bench-load``.

    Args:
        argv: Arguments.

    Returns:
        Exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="5,10,20,30,40,60", help="offered msg/s, ascending")
    parser.add_argument("--seconds", type=float, default=20, help="length of each step")
    parser.add_argument("--max-messages", type=int, default=1200, help="cap per step")
    parser.add_argument(
        "--think", type=float, default=10, help="seconds between a patient's messages"
    )
    parser.add_argument("--replicas", type=int, default=2, help="Rasa replicas in the cluster")
    parser.add_argument(
        "--only", choices=("single", "cluster", "breakdown"), action="append", help="parts to run"
    )
    parser.add_argument("--rounds", type=int, default=5, help="breakdown: passes over questions")
    parser.add_argument("--model", type=Path, help="model archive (default: current, trained)")
    parser.add_argument(
        "--untuned",
        action="store_true",
        help="breakdown: Rasa without clinicbot.rasa_tuning (to measure what it buys)",
    )
    parser.add_argument(
        "--without",
        default="",
        help=f"breakdown: round 5's cuts to switch off, comma-separated ({', '.join(CUTS)})",
    )
    args = parser.parse_args(argv)
    without = [c.strip() for c in args.without.split(",") if c.strip()]
    if set(without) - set(CUTS):
        parser.error(f"--without: names from {', '.join(CUTS)}")
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    if not rates or any(r <= 0 for r in rates):
        parser.error("--rates: positive numbers, comma-separated")
    if args.seconds <= 0 or args.seconds > 600 or args.max_messages < 1:
        parser.error("--seconds must be in (0, 600] and --max-messages at least 1")
    model = args.model.resolve() if args.model else ensure_model()
    parts = args.only or ["single", "cluster", "breakdown"]
    print(f"Model {model.name}; open loop, {args.seconds:g} s per rate, think {args.think:g} s")
    if "single" in parts:
        bench_single(model, rates, args)
    if "cluster" in parts:
        bench_cluster(model, rates, args)
    if "breakdown" in parts:
        if without:
            switch_off(without)
            print(f"Switched off: {', '.join(without)}")
        breakdown(model, args.rounds, tuned=not args.untuned)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
