"""The Rasa server refuses large request bodies while reading them (not after buffering)."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from clinicbot.channels.common import RASA_REQUEST_MAX_SIZE
from tests.channels.channel_server import ChannelProcess, channel_process


@pytest.fixture(scope="module")
def server() -> Iterator[ChannelProcess]:
    with channel_process() as proc:
        yield proc


def post(server: ChannelProcess, path: str, size: int) -> int:
    """POSTs ``size`` bytes; a body over the limit is announced but never sent.

    The server must refuse an oversized body from its declared length, before reading it.
    Sending it anyway made the test flaky: the server answers 413 and closes while the client
    is still writing, and the connection reset can discard the answer unread. A server that
    waited for the body instead would time out here, and the test would fail.
    """
    parts = urlsplit(server.base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "text/plain")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        if size <= RASA_REQUEST_MAX_SIZE:
            conn.send(b"x" * size)
        return conn.getresponse().status
    finally:
        conn.close()


def test_small_bodies_pass(server: ChannelProcess) -> None:
    # /test/echo-size stands for any route of Rasa's app that checks no size itself.
    assert post(server, "/test/echo-size", 10_000) == 200


@pytest.mark.parametrize("path", ["/test/echo-size", "/webhooks/rest/webhook"])
def test_large_bodies_are_refused_for_every_route(server: ChannelProcess, path: str) -> None:
    assert RASA_REQUEST_MAX_SIZE <= 64 * 1024
    assert post(server, path, 2_000_000) == 413
