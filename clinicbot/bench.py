"""``make bench``: NLU parse latency, REST round-trip latency and server memory.

Starts its own stack (Rasa, actions, web) on free local ports with temporary databases,
warms it up, then sends a fixed set of patient questions one at a time (a single user) and
prints p50/p95 for ``/model/parse`` and for the REST webhook round trip (NLU + dialogue +
action server + knowledge base), and the resident memory (RSS) of each server. The fixed
questions repeat, and the safety classifier caches each text's sentence embedding, so it also
parses ``--unique`` messages the server has never seen (NLU training examples of ``data/``, each
once): the cost of a new message.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List, Sequence

from clinicbot.evaluation.stats import percentile
from clinicbot.run import Stack, ensure_model, service_env

QUESTIONS = [
    "how does ketamine work for depression",
    "what are the side effects",
    "is it addictive?",
    "can I take sertraline with it",
    "how much does an infusion cost",
    "how many sessions will I need",
    "can I drive home after",
    "is ketamine fda approved",
    "what happens on the day of the infusion",
    "do you take insurance",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: Dict[str, str]) -> float:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - localhost
        resp.read()
    return (time.perf_counter() - start) * 1000


def _unseen(count: int) -> List[str]:
    """``count`` distinct NLU training texts of ``data/``, spread over the sorted list."""
    from clinicbot.safety.evaluate import load_training_examples

    texts = sorted({text for text, _ in load_training_examples()} - set(QUESTIONS))
    step = max(len(texts) // max(count, 1), 1)
    return texts[::step][:count]


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB (Linux ``/proc``)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark and prints the figures.

    Args:
        argv: Arguments.

    Returns:
        Exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10, help="passes over the question set")
    parser.add_argument("--unique", type=int, default=100, help="never-seen messages to parse")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    ports = {"RASA_PORT": _free_port(), "ACTION_PORT": _free_port(), "WEB_PORT": _free_port()}
    env = service_env(
        {
            **os.environ,
            **{k: str(v) for k, v in ports.items()},
            "CLINIC_DB_URL": f"sqlite:///{tmp / 'clinic.db'}",
            "TRACKER_DB": str(tmp / "tracker.db"),
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['ACTION_PORT']}/webhook",
            "RASA_URL": f"http://127.0.0.1:{ports['RASA_PORT']}",
        }
    )
    model = ensure_model(env)
    stack = Stack(model, env, log_dir=tmp / "logs")
    print("Starting the stack ...", flush=True)
    stack.start()
    rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
    try:
        parse_url = f"{rasa}/model/parse?token={env['RASA_TOKEN']}"
        rest_url = f"{rasa}/webhooks/rest/webhook"
        for q in QUESTIONS:  # warm-up
            _post(parse_url, {"text": q})
            _post(rest_url, {"sender": "warmup", "message": q})
        parse_ms: List[float] = []
        rest_ms: List[float] = []
        total = args.rounds * len(QUESTIONS)
        for i in range(args.rounds):
            sender = f"bench-{uuid.uuid4().hex[:8]}"
            for q in QUESTIONS:
                parse_ms.append(_post(parse_url, {"text": q}))
                rest_ms.append(_post(rest_url, {"sender": sender, "message": q}))
            print(f"  round {i + 1}/{args.rounds} ({(i + 1) * len(QUESTIONS)}/{total})", flush=True)
        print("\nSingle user, sequential requests on this machine:")
        print(
            f"  NLU parse (/model/parse)    p50 {percentile(parse_ms, 0.5):6.1f} ms   "
            f"p95 {percentile(parse_ms, 0.95):6.1f} ms   n={len(parse_ms)}"
        )
        print(
            f"  REST round trip (webhook)   p50 {percentile(rest_ms, 0.5):6.1f} ms   "
            f"p95 {percentile(rest_ms, 0.95):6.1f} ms   n={len(rest_ms)}   (goal p95 < 150 ms)"
        )
        unique_ms = [_post(parse_url, {"text": text}) for text in _unseen(args.unique)]
        if unique_ms:
            print(
                f"  NLU parse, unseen messages  p50 {percentile(unique_ms, 0.5):6.1f} ms   "
                f"p95 {percentile(unique_ms, 0.95):6.1f} ms   n={len(unique_ms)}"
            )
        for name, proc in stack.procs.items():
            print(f"  resident memory {name:8s} {rss_mib(proc.pid):7.0f} MiB")
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
