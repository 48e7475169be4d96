"""Urgent outbox records into urgent escalations, on one machine or on several.

:mod:`clinicbot.outbox` keeps the records a Rasa process could not hand to the action server
(its file format, the append and the drain). This module turns them into urgent escalations,
by two routes that may both run:

* **The action server drains the outbox file it can see** (:func:`drain_forever`, at start and
  every ``URGENT_OUTBOX_DRAIN_SECONDS``): on one machine (``make run``, ``make cluster``) every
  Rasa process writes that same file.
* **Each Rasa process sends its own records to the action server** (:class:`OutboxSender`, a
  thread of the Rasa process started by the launcher ``clinicbot.web.rasa_server``): every
  ``URGENT_OUTBOX_DRAIN_SECONDS`` it drains its local file by POSTing each record to the
  action server's ``/urgent-outbox`` (the ``action_endpoint`` of Rasa's endpoint file, with
  its ``Authorization`` header). A record stays in the file until the action server answers
  200; an action server that is down, or whose database is down (503), gets it again on the
  next pass. So several hosts need no shared storage: a Rasa replica's records reach the
  action server as soon as it is reachable again, from wherever it runs.

Why not write the records into the clinic database directly: the Rasa servers would then need
the clinic database's credentials and the staff notification code, and the database being
down is one of the reasons a record is written at all; the action server already owns both.

**Idempotent by record id.** A record may arrive twice: its answer was lost after the action
server escalated it (a timeout, a restart), or both routes saw it. :func:`escalate_record`
keeps the ids of the records an escalation took in ``details["outbox_ids"]`` and, before
escalating, looks for the id among the conversation's recent escalations (open or already
resolved): a record seen before changes nothing and notifies nobody.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from clinicbot.outbox import (
    MAX_LINE_BYTES,
    MAX_RECORDS_PER_PASS,
    DrainResult,
    OutboxRecord,
    UrgentOutbox,
)

logger = logging.getLogger(__name__)

#: The action server's route that takes one outbox record (secret required, like ``/webhook``).
OUTBOX_ROUTE = "/urgent-outbox"
#: Record ids kept on one escalation (the newest); older ones are looked up no longer.
MAX_IDS_PER_ESCALATION = 100
#: How many of a conversation's newest escalations are searched for a record's id.
RECENT_ESCALATIONS = 20
#: Seconds a delivery waits for the action server's answer.
SEND_TIMEOUT = 30.0


def _ids(escalation: Any) -> list[str]:
    value = (getattr(escalation, "details", None) or {}).get("outbox_ids")
    return [str(v) for v in value] if isinstance(value, list) else []


def find_escalated(store: Any, record: OutboxRecord) -> Any:
    """The escalation that already took this record, if any (open or resolved).

    Args:
        store: The :class:`clinicbot.store.escalations.EscalationStore`.
        record: The record.

    Returns:
        The escalation, or None.
    """
    from sqlalchemy import select

    from clinicbot.store.escalation_model import load_escalations
    from clinicbot.store.schema import escalations

    query = (
        select(escalations)
        .where(escalations.c.conversation_id == record.conversation_id)
        .order_by(escalations.c.created_at.desc())
        .limit(RECENT_ESCALATIONS)
    )
    with store.engine.connect() as conn:
        for escalation in load_escalations(conn, conn.execute(query)):
            if record.id in _ids(escalation):
                return escalation
    return None


def escalate_record(store: Any, record: OutboxRecord) -> Any:
    """Opens or joins the conversation's urgent escalation for one record, once per record id.

    The same store call as ``action_escalate_urgent`` (reason = the kind, priority urgent).
    The outbox has no transcript: joining keeps the escalation's stored one (the console
    shows the live transcript from Rasa in any case). A record id seen before returns the
    escalation that took it, unchanged (its ``needs_urgent_notification`` is false).

    Args:
        store: The :class:`clinicbot.store.escalations.EscalationStore`.
        record: The record.

    Returns:
        The escalation.
    """
    seen = find_escalated(store, record)
    if seen is not None:
        logger.info("urgent outbox: record %s already escalated as %s", record.id, seen.id)
        return seen
    current = store.find_open_for_conversation(record.conversation_id)
    transcript = list(current.transcript) if current is not None else []
    topics = list(current.kb_topics) if current is not None else []
    ids = (_ids(current) + [record.id])[-MAX_IDS_PER_ESCALATION:]
    details: Mapping[str, Any] = {
        "outbox_reason": record.reason,
        "outbox_at": record.at,
        "outbox_ids": ids,
    }
    return store.open_or_join(
        record.conversation_id, record.channel, record.kind, "urgent", transcript, topics, details
    )


def escalate_and_notify(
    store: Any, record: OutboxRecord, notify: Callable[[Any], None] | None
) -> Any:
    """Escalates one record (:func:`escalate_record`) and notifies staff when it needs it.

    Args:
        store: The escalation store.
        record: The record.
        notify: Called with an escalation that needs an urgent notification.

    Returns:
        The escalation.
    """
    escalation = escalate_record(store, record)
    logger.warning(
        "urgent outbox: record %s escalated as %s", record.id, getattr(escalation, "id", "?")
    )
    if notify is not None and getattr(escalation, "needs_urgent_notification", True):
        notify(escalation)
    return escalation


def drain_into_store(
    outbox: UrgentOutbox,
    store: Any,
    notify: Callable[[Any], None] | None = None,
) -> DrainResult:
    """Escalates every pending record, notifying staff as the action does.

    Args:
        outbox: The outbox.
        store: The escalation store.
        notify: Called with each escalation that needs an urgent notification (before the
            record is marked done).

    Returns:
        What the pass did.
    """
    return outbox.drain(lambda record: escalate_and_notify(store, record, notify))


async def drain_forever(
    outbox: UrgentOutbox,
    store_factory: Callable[[], Any],
    notify: Callable[[Any], None],
    interval: float,
) -> None:
    """Drains the outbox now and every ``interval`` seconds until cancelled (action server).

    Each pass runs in a worker thread (file and database I/O off the event loop); staff
    notifications are scheduled on this loop, as ``action_escalate_urgent`` schedules them.
    A failing pass (database down) is logged and retried at the next interval.

    Args:
        outbox: The outbox.
        store_factory: Returns the escalation store (opened in the worker thread).
        notify: Notifies staff of an urgent escalation (called on this event loop).
        interval: Seconds between passes.
    """
    loop = asyncio.get_running_loop()

    def notify_soon(escalation: Any) -> None:
        loop.call_soon_threadsafe(notify, escalation)

    def one_pass() -> DrainResult:
        if not outbox.path.exists():
            return DrainResult()
        return drain_into_store(outbox, store_factory(), notify_soon)

    while True:
        full = False
        try:
            result = await asyncio.to_thread(one_pass)
            full = result.handled >= MAX_RECORDS_PER_PASS
            if result.handled:
                logger.warning(
                    "urgent outbox: %d escalated, %d skipped", result.escalated, result.skipped
                )
        except Exception as exc:  # noqa: BLE001 - the next pass tries again
            logger.error("urgent outbox: drain pass failed (%s)", type(exc).__name__)
        await asyncio.sleep(0 if full else interval)


# ----------------------------------------------------------------- the action server's route


async def receive_record(
    body: bytes,
    store_factory: Callable[[], Any],
    notify: Callable[[Any], None],
) -> tuple[int, dict[str, Any]]:
    """Handles ``POST /urgent-outbox`` on the action server (the caller's secret is checked).

    Args:
        body: The request body: one record as :meth:`OutboxRecord.to_json` writes it.
        store_factory: Returns the escalation store (called in a worker thread).
        notify: Notifies staff of an urgent escalation (called on this event loop).

    Returns:
        HTTP status and JSON body: 200 with the escalation id (also for a record seen
        before), 400 for a body that is not a record (the sender drops it), 503 when the
        database could not be reached (the sender keeps it for its next pass).
    """
    if len(body) > MAX_LINE_BYTES:
        return 400, {"error": "record too large"}
    try:
        record = OutboxRecord.from_json(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return 400, {"error": "not an urgent outbox record"}
    loop = asyncio.get_running_loop()

    def notify_soon(escalation: Any) -> None:
        loop.call_soon_threadsafe(notify, escalation)

    try:
        escalation = await asyncio.to_thread(
            lambda: escalate_and_notify(store_factory(), record, notify_soon)
        )
    except ValueError:
        logger.error("urgent outbox: record %s cannot be escalated; refused", record.id)
        return 400, {"error": "record refused by the escalation store"}
    except Exception as exc:  # noqa: BLE001 - the sender sends it again later
        name = type(exc).__name__
        logger.error("urgent outbox: could not escalate record %s (%s)", record.id, name)
        return 503, {"error": "escalation store unavailable"}
    return 200, {"record": record.id, "escalation_id": getattr(escalation, "id", None)}


# -------------------------------------------------------------- the Rasa process's sender


class DeliveryRefused(ValueError):
    """The action server refused a record for good (400): it is dropped from the outbox."""


def outbox_url(webhook_url: str) -> str:
    """The action server's outbox route next to its ``/webhook`` URL.

    Args:
        webhook_url: ``action_endpoint.url`` (``http://host:5055/webhook``).

    Returns:
        ``http://host:5055/urgent-outbox``.
    """
    base = webhook_url.split("?", 1)[0].rstrip("/")
    if base.endswith("/webhook"):
        base = base[: -len("/webhook")]
    return base + OUTBOX_ROUTE


def send_record(
    record: OutboxRecord, url: str, headers: Mapping[str, str], timeout: float = SEND_TIMEOUT
) -> None:
    """POSTs one record to the action server.

    Args:
        record: The record.
        url: The outbox route (:func:`outbox_url`).
        headers: Extra headers (the ``Authorization`` of Rasa's action endpoint).
        timeout: Seconds to wait for the answer.

    Raises:
        DeliveryRefused: On 400 (the record can never be escalated; it is dropped).
        OSError: When the action server cannot be reached or answers anything else (the
            record stays for the next pass).
    """
    request = urllib.request.Request(  # noqa: S310 - the configured action server
        url,
        data=record.to_json().encode("ascii"),
        headers={"Content-Type": "application/json", **dict(headers)},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            json.loads(answer.read(65536) or b"{}")
    except urllib.error.HTTPError as exc:
        if exc.code == 400:
            raise DeliveryRefused(f"action server refused record {record.id}") from exc
        raise OSError(f"action server answered {exc.code}") from exc


class OutboxSender:
    """Sends a Rasa process's own outbox records to the action server, in a daemon thread.

    Args:
        outbox: This process's outbox (``URGENT_OUTBOX``).
        url: The action server's outbox route (:func:`outbox_url`).
        headers: Headers of Rasa's action endpoint (its ``Authorization``).
        interval: Seconds between passes.
    """

    def __init__(
        self, outbox: UrgentOutbox, url: str, headers: Mapping[str, str], interval: float
    ) -> None:
        """Prepares; nothing is started."""
        self.outbox = outbox
        self.url = url
        self.headers = dict(headers)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._down_logged = False

    def send_pending(self) -> DrainResult:
        """One pass: each pending record to the action server, marked done when it answered 200.

        Returns:
            What the pass did (``failed`` when the action server was unreachable or busy).
        """
        if not self.outbox.path.exists():
            return DrainResult()
        result = self.outbox.drain(lambda record: send_record(record, self.url, self.headers))
        if result.failed and not self._down_logged:
            logger.warning("urgent outbox: action server unreachable; records kept, retrying")
        self._down_logged = result.failed
        if result.escalated:
            logger.warning("urgent outbox: %d records sent to the action server", result.escalated)
        return result

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                result = self.send_pending()
                full = result.handled >= MAX_RECORDS_PER_PASS
            except Exception as exc:  # noqa: BLE001 - never stops the thread
                logger.error("urgent outbox: send pass failed (%s)", type(exc).__name__)
                full = False
            self._stop.wait(0 if full else self.interval)

    def start(self) -> OutboxSender:
        """Starts the thread (once) and returns this sender."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="urgent-outbox", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Asks the thread to stop and waits for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def endpoints_path(rasa_args: list[str]) -> Path | None:
    """The ``--endpoints`` file in Rasa's arguments, if any."""
    for i, arg in enumerate(rasa_args):
        if arg == "--endpoints" and i + 1 < len(rasa_args):
            return Path(rasa_args[i + 1])
        if arg.startswith("--endpoints="):
            return Path(arg.split("=", 1)[1])
    return None


def start_sender(rasa_args: list[str]) -> OutboxSender | None:
    """Starts this Rasa process's sender from its endpoint file (launcher of ``rasa run``).

    Args:
        rasa_args: Rasa's command line (``--endpoints`` names the file Rasa reads).

    Returns:
        The running sender, or None when there is no action endpoint to send to.
    """
    from rasa.utils.endpoints import read_endpoint_config

    from clinicbot.outbox import outbox_path
    from clinicbot.settings import load_settings

    path = endpoints_path(rasa_args) or Path("endpoints.yml")
    try:
        endpoint = read_endpoint_config(str(path), "action_endpoint") if path.is_file() else None
    except Exception as exc:  # noqa: BLE001 - Rasa itself reports a broken endpoint file
        logger.error("urgent outbox: no sender (%s reading %s)", type(exc).__name__, path)
        return None
    if endpoint is None or not endpoint.url:
        logger.error("urgent outbox: no action endpoint in %s; records stay in the file", path)
        return None
    interval = load_settings().urgent_outbox_drain_seconds
    sender = OutboxSender(
        UrgentOutbox(outbox_path()), outbox_url(endpoint.url), endpoint.headers or {}, interval
    )
    return sender.start()
