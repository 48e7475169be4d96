"""Escalation round trip on the running servers, as a patient and a staff member would do it.

The patient asks for a person over socket.io (like the widget), the escalation appears in the
console's queue, a staff reply typed in the console arrives on the patient's socket, staff
return the conversation to the bot, and the bot answers the next question.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any, Dict

import aiohttp
import pytest
import socketio

from clinicbot.store.db import get_engine
from clinicbot.store.migrations import migrate
from clinicbot.store.staff import StaffStore

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


async def _next_bot_message(
    queue: asyncio.Queue[Dict[str, Any]], timeout: float = 30
) -> Dict[str, Any]:
    return await asyncio.wait_for(queue.get(), timeout)


async def _csrf(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url) as resp:
        assert resp.status == 200, url
        match = CSRF_RE.search(await resp.text())
    assert match, f"no CSRF token on {url}"
    return match.group(1)


async def test_patient_to_staff_and_back(live_stack) -> None:
    engine = get_engine(live_stack.db_url)
    migrate(engine)
    username = f"nurse{uuid.uuid4().hex[:6]}"
    StaffStore(engine).create_user(username, PASSWORD, "staff", display_name="Alex")

    inbox: asyncio.Queue[Dict[str, Any]] = asyncio.Queue()
    patient = socketio.AsyncClient()
    patient.on("bot_uttered", lambda data: inbox.put_nowait(data))
    session_id = uuid.uuid4().hex
    confirmed = asyncio.get_running_loop().create_future()
    patient.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    # Polling: python-engineio's websocket client needs a newer aiohttp than Rasa 3.6 pins.
    await patient.connect(live_stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
    try:
        await patient.emit("session_request", {"session_id": session_id})
        assert await asyncio.wait_for(confirmed, 10) == session_id
        await patient.emit(
            "user_uttered", {"message": "can I talk to a real person?", "session_id": session_id}
        )
        handoff = await _next_bot_message(inbox)
        assert handoff["custom"]["kind"] == "handoff"
        escalation_id = handoff["custom"]["escalation_id"]
        assert escalation_id

        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as staff:
            web = live_stack.web_url
            token = await _csrf(staff, f"{web}/console/login")
            async with staff.post(
                f"{web}/console/login",
                data={"username": username, "password": PASSWORD, "csrf_token": token},
            ) as resp:
                assert resp.status == 200 and "/console/login" not in str(resp.url)
            async with staff.get(f"{web}/console/api/queue") as resp:
                queue = await resp.json()
            assert escalation_id in str(queue)

            page_token = await _csrf(staff, f"{web}/console/escalations/{escalation_id}")
            async with staff.post(
                f"{web}/console/escalations/{escalation_id}/reply",
                data={
                    "text": "Hi, this is Alex from the clinic. How can I help?",
                    "csrf_token": page_token,
                },
            ) as resp:
                assert resp.status in (200, 303)
            texts = []
            for _ in range(3):  # "joined the chat" notice, then the reply
                message = await _next_bot_message(inbox)
                texts.append(message.get("text", ""))
                if "How can I help?" in message.get("text", ""):
                    assert message["custom"]["from_staff"] is True
                    break
            assert any("How can I help?" in t for t in texts), texts

            # While staff hold the conversation the bot stays quiet.
            await patient.emit(
                "user_uttered", {"message": "how much does it cost?", "session_id": session_id}
            )
            with pytest.raises(asyncio.TimeoutError):
                await _next_bot_message(inbox, timeout=4)

            page_token = await _csrf(staff, f"{web}/console/escalations/{escalation_id}")
            async with staff.post(
                f"{web}/console/escalations/{escalation_id}/return", data={"csrf_token": page_token}
            ) as resp:
                assert resp.status in (200, 303)
            back = await _next_bot_message(inbox)
            assert back["custom"]["kind"] == "handoff" and not back["custom"].get("from_staff")

        await patient.emit(
            "user_uttered", {"message": "how much does an infusion cost?", "session_id": session_id}
        )
        answer = await _next_bot_message(inbox)
        assert answer["custom"]["kind"] == "answer"
        assert answer["custom"]["kb_id"] == "logistics.cost_insurance"
    finally:
        await patient.disconnect()
